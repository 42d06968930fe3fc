import { callable, inputFrom } from './callable.js';
import { docWritten, scheduled } from './triggers.js';

/**
 * Scheduled notifications and reminders (src/app/scheduling): a person schedules reminders for themselves, a backend
 * (`service`) or an admin for anyone; reminders 24 h and 1 h before an auction ends or an event starts follow the
 * events that announce, move and cancel them; every minute, due items become events the notification pipeline
 * delivers (under quiet hours and preferences).
 */
const inputs = () => import('../app/scheduling/inputs.js');
const limit = inputFrom(inputs, 'SCHEDULE_LIMIT');

export const scheduleNotification = callable(
  inputFrom(inputs, 'scheduleInput'),
  (data, { caller, services: s }) => s.scheduling.scheduler.schedule(caller, data),
  { limit },
);

export const cancelScheduledNotification = callable(
  inputFrom(inputs, 'scheduleRefInput'),
  (data, { caller, services: s }) => s.scheduling.scheduler.cancel(caller, data.id),
  { limit },
);

export const rescheduleNotification = callable(
  inputFrom(inputs, 'rescheduleInput'),
  (data, { caller, services: s }) => s.scheduling.scheduler.reschedule(caller, data.id, data.at),
  { limit },
);

/** auction.listed / auction.cancelled / community.event / community.event_cancelled keep the reminders. */
export const remindersOnEventWritten = docWritten('events/{eventId}', ({ params, before, after }, s) =>
  s.scheduling.reminders.onEventWritten(params.eventId, before, after),
);

/** No retry (a schedule): what this run leaves pending, the next minute's run releases. */
export const releaseScheduledNotifications = scheduled('every 1 minutes', (s) => s.scheduling.scheduler.releaseDue(), {
  timeoutSeconds: 120,
});
