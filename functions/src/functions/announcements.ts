import { callable, inputFrom } from './callable.js';

/**
 * System announcements (src/app/announcements): an admin sends one to a segment, now or later, and may cancel it
 * until its first chunk is out. Release and fan-out run on the scheduler and the notification pipeline's functions.
 */
const inputs = () => import('../app/announcements/inputs.js');

export const sendAnnouncement = callable(
  inputFrom(inputs, 'sendAnnouncementInput'),
  (data, { caller, services: s }) => s.announcements.announcements.send(caller, data),
  // Inline, not a shared const: the API reference (scripts/api/surface.ts) reads the limit from the call's options.
  { limit: inputFrom(inputs, 'ANNOUNCE_LIMIT') },
);

export const cancelAnnouncement = callable(
  inputFrom(inputs, 'announcementRefInput'),
  (data, { caller, services: s }) => s.announcements.announcements.cancel(caller, data.id),
  { limit: inputFrom(inputs, 'ANNOUNCE_LIMIT') },
);
