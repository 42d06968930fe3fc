import type { DeliveryStatus } from '../delivery.js';

/** Which `timestamps.*` field records each status (analytics reads these). */
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

/**
 * Twilio message statuses (status callback `MessageStatus`) → delivery statuses. Twilio's own early states
 * (accepted, queued, sending) mean "accepted by Twilio", which the send already recorded as `sent`.
 */
export function statusFromTwilio(status: string): DeliveryStatus | undefined {
  switch (status) {
    case 'accepted':
    case 'scheduled':
    case 'queued':
    case 'sending':
    case 'sent':
      return 'sent';
    case 'delivered':
    case 'read':
      return 'delivered';
    case 'undelivered':
      return 'undelivered';
    case 'failed':
    case 'canceled':
      return 'failed';
    default:
      return undefined;
  }
}

/** SendGrid event webhook `event` → delivery status; engagement and suppression events that move no status → undefined. */
export function statusFromSendgrid(event: string): DeliveryStatus | undefined {
  switch (event) {
    case 'processed':
      return 'sent';
    case 'delivered':
      return 'delivered';
    case 'open':
      return 'opened';
    case 'click':
      return 'clicked';
    case 'bounce':
    case 'dropped':
      return 'failed';
    default:
      return undefined;
  }
}

/** SendGrid events after which we must not mail that address again. */
export const SUPPRESSING_EMAIL_EVENTS = new Set(['bounce', 'spamreport']);
