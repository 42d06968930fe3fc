import { afterAll, describe, expect, it } from 'vitest';
import { FirestoreDocumentStore } from '../../../src/adapters/firestore/firestoreDocumentStore.js';
import { ManualClock } from '../../../src/adapters/clocks.js';
import { MemoryLogger } from '../../../src/adapters/memory/memoryLogger.js';
import {
  NotificationCenter,
  newNotificationDoc,
  unreadIncrement,
} from '../../../src/app/notifications/notificationCenter.js';
import { Retention } from '../../../src/app/compliance/retention.js';
import { RATE_COUNTER_KEPT_MS, RateLimiter, rateCounterPath } from '../../../src/app/notifications/rateLimits.js';
import { localDay } from '../../../src/domain/notifications/schedule.js';
import { RETENTION_RULES } from '../../../src/domain/compliance/retention.js';
import type { PlannedNotification } from '../../../src/domain/notifications/plans.js';
import { paths } from '../../../src/domain/paths.js';
import type { MessageIndex } from '../../../src/ports.js';
import { isolatedFirestore } from '../isolatedProject.js';

/**
 * The unread counts on Firestore itself (issue 18): the nested `byCategory` increments merge as the delivery paths
 * write them, and the retention sweep's collection-group query plus per-user transactions lower the total and the
 * category counts once, even when the sweep runs twice at the same time.
 */
const store = new FirestoreDocumentStore(() => isolatedFirestore());
const clock = new ManualClock('2025-03-01T10:00:00Z');
const UID = `rc_${Date.now()}`;
const notificationsRule = RETENTION_RULES.filter((r) => r.collection === 'notifications');
// The sweep touches the message index only for messages; this rule set never reaches it.
const noIndex = {} as MessageIndex;

const planned = (type: string, category: string): PlannedNotification =>
  ({
    type,
    category,
    priority: 'medium',
    critical: false,
    data: {},
    groupKey: `${type}:g`,
  }) as unknown as PlannedNotification;

async function deliver(id: string, type: string, category: 'commerce' | 'social') {
  const now = clock.now();
  await store.commit([
    {
      kind: 'create',
      path: paths.notification(UID, id),
      data: newNotificationDoc({
        eventId: `e_${id}`,
        notification: planned(type, category),
        notificationId: id,
        count: 1,
        rendered: { title: `t ${id}`, body: 'b' },
        now,
      }),
    },
    { kind: 'set', path: NotificationCenter.unreadCounterPath(UID), data: unreadIncrement(category), merge: true },
  ]);
  clock.advance(60_000);
}

afterAll(async () => {
  for (const s of await store.query(paths.notifications(UID))) await store.delete(s.path);
  await store.delete(NotificationCenter.unreadCounterPath(UID));
});

describe('unread counts on the Firestore emulator', () => {
  it('deliveries merge the category counts; two sweeps at once lower them once', async () => {
    await deliver('n1', 'order.refunded', 'commerce');
    await deliver('n2', 'social.new_follower', 'social');
    await deliver('n3', 'order.refunded', 'commerce');
    clock.advance(400 * 24 * 3600_000);
    await deliver('n4', 'order.refunded', 'commerce'); // new: the sweep keeps it
    const center = new NotificationCenter(store, clock);
    expect(await center.unreadCounts(UID)).toEqual({
      unread: 4,
      byCategory: { commerce: 3, community: 0, social: 1, messaging: 0 },
    });
    await center.markRead(UID, ['n1']);
    const sweep = () => new Retention(store, noIndex, clock, new MemoryLogger(), notificationsRule).sweep();
    await Promise.all([sweep(), sweep()]);
    expect((await store.query(paths.notifications(UID))).map((s) => s.id)).toEqual(['n4']);
    expect((await store.get(NotificationCenter.unreadCounterPath(UID))).data).toEqual({
      unread: 1,
      byCategory: { commerce: 1, social: 0 },
    });
    expect(await center.recountUnread(UID)).toMatchObject({ unread: 1, before: 1 });
  });

  it('the sweep deletes the rate counters whose expiresAt has passed, never the unread counter (no expiresAt)', async () => {
    const limiter = new RateLimiter(store);
    const countersRule = RETENTION_RULES.filter((r) => r.collection === 'counters');
    await limiter.tryConsume({ uid: UID, channel: 'sms', timeZone: 'UTC', now: clock.now() });
    const old = rateCounterPath(UID, localDay(clock.now(), 'UTC'));
    clock.advance(RATE_COUNTER_KEPT_MS + 60_000);
    await limiter.tryConsume({ uid: UID, channel: 'sms', timeZone: 'UTC', now: clock.now() });
    const current = rateCounterPath(UID, localDay(clock.now(), 'UTC'));
    await store.set(NotificationCenter.unreadCounterPath(UID), { unread: 0, byCategory: {} }, { merge: true });
    const swept = await new Retention(store, noIndex, clock, new MemoryLogger(), countersRule).sweep();
    expect(swept).toMatchObject({ counters: 1 });
    const left = await store.getAll([old, current, NotificationCenter.unreadCounterPath(UID)]);
    expect(left.map((s) => s.exists)).toEqual([false, true, true]);
    await store.delete(current);
  });
});
