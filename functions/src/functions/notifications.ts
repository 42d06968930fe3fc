import { TOPICS } from '../domain/channels.js';
import { CALL_LIMITS } from '../app/callLimits.js';
import { callable, inputFrom } from './callable.js';
import { docCreated, pubsubTrigger, scheduled } from './triggers.js';

/**
 * Notifications: the three ways events come in (events/ documents, publishEvent, the domain-events topic), the
 * audience fan-out, the digest release, and the callables behind the settings screen and the notification center
 * (`notifications.requests`, src/app/notifications/userRequests.ts, which also checks who may act on whose data).
 */

/** The callables' schemas (zod, with the use cases behind the settings screen), loaded on a function's first call. */
const requests = () => import('../app/notifications/userRequests.js');

// ── events in ──

export const onNotificationEventCreated = docCreated('events/{eventId}', ({ params, data, eventId }, s) =>
  s.notifications.pipeline.onDocument(params.eventId, data, eventId),
);

/** For backend services (service role): the envelope is validated by the pipeline, which records a rejection. */
export const publishEvent = callable(
  inputFrom(() => import('./inputs.js'), 'anyInput'),
  (data, { caller, services: s }) => s.notifications.requests.publishEvent(caller, data),
);

export const notificationsDomainEvents = pubsubTrigger(TOPICS.domainEvents);
export const notificationsFanout = pubsubTrigger(TOPICS.fanout, { timeoutSeconds: 300, size: 'fanout' });

export const releaseNotificationDigests = scheduled('every 5 minutes', (s) => s.notifications.digests.releaseDue(), {
  timeoutSeconds: 300,
});

// ── preferences ──

export const getPreferences = callable(inputFrom(requests, 'ownDataInput'), (data, { caller, services: s }) =>
  s.notifications.requests.getPreferences(caller, data),
);

export const updatePreferences = callable(
  inputFrom(requests, 'preferencesUpdateInput'),
  (data, { caller, services: s }) => s.notifications.requests.updatePreferences(caller, data),
  {
    limit: CALL_LIMITS.preferences,
  },
);

export const resetPreferences = callable(
  inputFrom(requests, 'ownDataInput'),
  (data, { caller, services: s }) => s.notifications.requests.resetPreferences(caller, data),
  {
    limit: CALL_LIMITS.preferences,
  },
);

// ── notification center ──

export const listNotifications = callable(
  inputFrom(requests, 'listNotificationsInput'),
  (data, { caller, services: s }) => s.notifications.requests.list(caller, data),
);

export const getUnreadCount = callable(inputFrom(requests, 'ownDataInput'), (data, { caller, services: s }) =>
  s.notifications.requests.unreadCount(caller, data),
);

export const markNotificationsRead = callable(
  inputFrom(requests, 'notificationIdsInput'),
  (data, { caller, services: s }) => s.notifications.requests.markRead(caller, data),
  {
    limit: CALL_LIMITS.notificationCenter,
  },
);

export const markAllNotificationsRead = callable(
  inputFrom(requests, 'ownDataInput'),
  (data, { caller, services: s }) => s.notifications.requests.markAllRead(caller, data),
  {
    limit: CALL_LIMITS.notificationCenter,
  },
);

export const archiveNotifications = callable(
  inputFrom(requests, 'notificationIdsInput'),
  (data, { caller, services: s }) => s.notifications.requests.archive(caller, data),
  {
    limit: CALL_LIMITS.notificationCenter,
  },
);

export const unarchiveNotifications = callable(
  inputFrom(requests, 'notificationIdsInput'),
  (data, { caller, services: s }) => s.notifications.requests.unarchive(caller, data),
  {
    limit: CALL_LIMITS.notificationCenter,
  },
);

/** Reads up to 1,000 of the caller's notifications per call: under the search limit (shared with searchMessages). */
export const searchNotifications = callable(
  inputFrom(requests, 'searchNotificationsInput'),
  (data, { caller, services: s }) => s.notifications.requests.search(caller, data),
  {
    limit: CALL_LIMITS.search,
  },
);

export const deleteNotifications = callable(
  inputFrom(requests, 'notificationIdsInput'),
  (data, { caller, services: s }) => s.notifications.requests.remove(caller, data),
  {
    limit: CALL_LIMITS.notificationCenter,
  },
);
