import type { Category, Priority, ProviderChannel } from '../channels.js';
import type { DeliveryStatus } from '../delivery.js';
import type { Provider } from './providerError.js';
import { STATUS_TIMESTAMP } from './providerStatus.js';
import { expiresAtFor, maxAgeOf } from '../compliance/retention.js';

/**
 * `deliveries/{id}`: one document per event × recipient × channel, the record notification analytics is built on.
 * Every writer (routing, digests, channel delivery, fallbacks, unparseable jobs) creates it through `deliveryRecord`,
 * so each one carries the same fields:
 *   ids and routing     deliveryId, eventId, uid, channel, provider, type, category, priority, critical, notificationId, groupKey
 *   progress            status, attempts (provider calls), errors[] (each failed call and each provider-reported failure)
 *   timestamps.*        queuedAt, batchedAt, sendingAt, sentAt, deliveredAt, openedAt, clickedAt, failedAt, suppressedAt,
 *                       staleAt (first time each happened), releasedAt (a batched one left in a digest)
 *   provider results    providerMessageId (once sent), providerStatus, price/priceUnit (SMS)
 *   links               fallbackFrom / fallbackTo (critical fallback chain), digestDeliveryId / batchedDeliveryIds
 *   retention           createdAt, updatedAt, expiresAt (the TTL policy in firestore.indexes.json deletes it after a year)
 */

/** Deliveries are kept a year, like the in-app notifications they mirror (the rule is in domain/compliance/retention.ts). */
export const DELIVERY_RETENTION_MS = maxAgeOf('deliveries');

/** Each channel has exactly one provider, so analytics can group by either. */
export const CHANNEL_PROVIDER: Readonly<Record<ProviderChannel, Provider>> = {
  push: 'fcm',
  sms: 'twilio',
  email: 'sendgrid',
};

/** What every delivery knows from the job it belongs to. */
export interface DeliveryBase {
  deliveryId: string;
  eventId: string;
  uid: string;
  channel: ProviderChannel;
  type: string;
  category: Category;
  priority: Priority;
  critical: boolean;
  notificationId: string;
  groupKey: string;
}

export const deliveryExpiresAt = (createdAt: Date): Date => expiresAtFor('deliveries', createdAt);

/**
 * A new delivery document in `status`, stamped now (also for each status in `alsoStamped`, e.g. a fallback job
 * created straight into `sending` was queued at the same instant).
 */
export function deliveryRecord(
  base: DeliveryBase,
  status: DeliveryStatus,
  now: Date,
  extra: Record<string, unknown> = {},
  alsoStamped: readonly DeliveryStatus[] = [],
): Record<string, unknown> {
  // A loop, not entries arrays: every fan-out recipient's deliveries come through here (issue 14).
  const timestamps: Record<string, Date> = {};
  for (const s of alsoStamped) stamp(timestamps, s, now);
  stamp(timestamps, status, now);
  return {
    ...base,
    provider: CHANNEL_PROVIDER[base.channel],
    status,
    attempts: 0,
    errors: [],
    timestamps,
    createdAt: now,
    updatedAt: now,
    expiresAt: deliveryExpiresAt(now),
    ...extra,
  };
}

function stamp(timestamps: Record<string, Date>, status: DeliveryStatus, now: Date): void {
  const field = STATUS_TIMESTAMP[status];
  if (field) timestamps[field] = now;
}
