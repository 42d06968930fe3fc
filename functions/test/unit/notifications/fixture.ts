import type { NotificationSettings } from '../../../src/app/notifications/index.js';
import { DEFAULT_SETTINGS } from '../../../src/config.js';
import { audiencePaths } from '../../../src/app/notifications/audience.js';
import { TOPICS } from '../../../src/domain/channels.js';
import { paths } from '../../../src/domain/paths.js';
import { jobsInMessage } from '../../../src/domain/delivery/batch.js';
import type { DeliveryJob } from '../../../src/domain/delivery.js';
import { bareWorld, VERIFIED_PHONE } from '../../support/world.js';

/**
 * The test world (test/support/world.ts) with only this feature's topics consumed (delivery jobs stay on the
 * publisher for assertions instead of being consumed by channel delivery), and its notification use cases as `n`.
 */
export function notificationFixture(now = '2026-06-10T14:00:00Z', settings: Partial<NotificationSettings> = {}) {
  const world = bareWorld({
    now,
    settings: { ...DEFAULT_SETTINGS, notifications: { ...DEFAULT_SETTINGS.notifications, ...settings } },
    bus: [TOPICS.domainEvents, TOPICS.fanout],
  });
  const {
    store,
    publisher,
    clock,
    infra: { logger },
    services: { audit, notifications: n },
  } = world;

  // A message holds one job, or several as `{ jobs }` or `{ shared, jobs }` (publishJobs batches a chunk's jobs per
  // channel): read as channel delivery reads them.
  const jobs = (topic: 'push' | 'sms' | 'email'): DeliveryJob[] =>
    publisher.on(TOPICS[topic]).flatMap((m) => jobsInMessage(m.data));

  return {
    store,
    publisher,
    clock,
    logger,
    audit,
    n,
    jobs,
    /** A user of the default profile, reachable by SMS too (these tests route every channel). */
    async user(uid: string, profile: Record<string, unknown> = {}) {
      await world.addUser({ uid, ...VERIFIED_PHONE, ...profile });
    },
    async followers(creatorId: string, uids: readonly string[]) {
      for (let i = 0; i < uids.length; i += 500) {
        await store.commit(
          uids
            .slice(i, i + 500)
            .map((uid) => ({ kind: 'set' as const, path: audiencePaths.follower(creatorId, uid), data: { uid } })),
        );
      }
    },
    notifications: async (uid: string) =>
      (await store.query(paths.notifications(uid))).map((s): Record<string, unknown> & { id: string } => ({
        ...s.data,
        id: s.id,
      })),
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

/** A workshop `hostId` announces to their followers: the event these tests fan out. */
export const followersWorkshop = (hostId = 'kai') =>
  envelope(
    'community.event',
    {
      eventRef: 'w1',
      eventTitle: 'Raku night',
      kind: 'workshop',
      startsAt: '2026-06-20T18:00:00Z',
      location: 'Studio 4',
      hostId,
    },
    { audience: { kind: 'followers', creatorId: hostId } },
  );

export const bid = (over: Record<string, unknown> = {}) =>
  envelope('auction.bid_placed', {
    auctionId: 'a1',
    auctionTitle: 'Walnut bowl',
    sellerId: 'seller',
    bidderId: 'bidder2',
    bidderName: 'Ana',
    amount: 120,
    currency: 'USD',
    previousBidderId: 'bidder1',
    ...over,
  });
