import { AuditLog } from '../../../src/app/audit.js';
import { notificationServices } from '../../../src/app/notifications/index.js';
import type { NotificationSettings } from '../../../src/app/notifications/index.js';
import { DEFAULT_SETTINGS } from '../../../src/config.js';
import { audiencePaths } from '../../../src/app/notifications/audience.js';
import { ManualClock } from '../../../src/adapters/clocks.js';
import { MemoryDocumentStore } from '../../../src/adapters/memory/memoryDocumentStore.js';
import { MemoryLogger } from '../../../src/adapters/memory/memoryLogger.js';
import { MemoryPublisher } from '../../../src/adapters/memory/memoryPublisher.js';
import { TOPICS } from '../../../src/domain/channels.js';
import { paths } from '../../../src/domain/paths.js';
import { deliveryJobSchema } from '../../../src/domain/delivery.js';
import type { DeliveryJob } from '../../../src/domain/delivery.js';

/**
 * The notification use cases over the in-memory adapters, with only this feature's topics subscribed (delivery jobs
 * stay on the publisher for assertions instead of being consumed by channel delivery).
 */
export function notificationFixture(now = '2026-06-10T14:00:00Z', settings: Partial<NotificationSettings> = {}) {
  const store = new MemoryDocumentStore();
  const publisher = new MemoryPublisher();
  const clock = new ManualClock(now);
  const logger = new MemoryLogger();
  const audit = new AuditLog(store, clock);
  const n = notificationServices({ store, publisher, clock, logger }, { ...DEFAULT_SETTINGS.notifications, ...settings }, { audit });
  publisher.subscribe(TOPICS.domainEvents, (m) => n.pipeline.submit(m.data, 'pubsub', m.id).then(() => undefined));
  publisher.subscribe(TOPICS.fanout, (m) => n.pipeline.onFanout(m.data, m.id));

  const jobs = (topic: 'push' | 'sms' | 'email'): DeliveryJob[] => publisher.on(TOPICS[topic]).map((m) => deliveryJobSchema.parse(m.data));

  return {
    store, publisher, clock, logger, audit, n, jobs,
    async user(uid: string, profile: Record<string, unknown> = {}) {
      await store.set(paths.user(uid), {
        displayName: uid, kind: 'collector', email: `${uid}@example.com`, emailVerified: true, phone: '+15555550100', phoneVerified: true,
        timeZone: 'UTC', locale: 'en', ...profile,
      });
    },
    async followers(creatorId: string, uids: readonly string[]) {
      for (let i = 0; i < uids.length; i += 500) {
        await store.commit(uids.slice(i, i + 500).map((uid) => ({ kind: 'set' as const, path: audiencePaths.follower(creatorId, uid), data: { uid } })));
      }
    },
    notifications: async (uid: string) => (await store.query(paths.notifications(uid))).map((s): Record<string, unknown> & { id: string } => ({ ...s.data, id: s.id })),
    deliveries: async () => (await store.query(paths.deliveries())).map((s) => s.data!),
    event: async (eventId: string) => (await store.get(paths.event(eventId))).data,
  };
}

export type NotificationFixture = ReturnType<typeof notificationFixture>;

let seq = 0;
/** An event envelope; `key` defaults to a fresh idempotency key. */
export function envelope(type: string, payload: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { type, idempotencyKey: `key-${++seq}`, occurredAt: '2026-06-10T13:59:00Z', payload, ...extra };
}

export const bid = (over: Record<string, unknown> = {}) => envelope('auction.bid_placed', {
  auctionId: 'a1', auctionTitle: 'Walnut bowl', sellerId: 'seller', bidderId: 'bidder2', bidderName: 'Ana', amount: 120, currency: 'USD',
  previousBidderId: 'bidder1', ...over,
});
