import type { DeliveryStatus } from '../delivery.js';

/**
 * Which `timestamps.*` field records each status (analytics reads these). Each provider maps its own statuses and
 * events to delivery statuses in its folder (src/adapters/twilio/statusCallback.ts, src/adapters/sendgrid/events.ts).
 */
export const STATUS_TIMESTAMP: Partial<Record<DeliveryStatus, string>> = {
  queued: 'queuedAt',
  batched: 'batchedAt',
  sending: 'sendingAt',
  sent: 'sentAt',
  delivered: 'deliveredAt',
  opened: 'openedAt',
  clicked: 'clickedAt',
  failed: 'failedAt',
  undelivered: 'failedAt',
  suppressed: 'suppressedAt',
  stale: 'staleAt',
};
