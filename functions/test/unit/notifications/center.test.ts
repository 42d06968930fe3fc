import { describe, expect, it } from 'vitest';
import { NotificationCenter } from '../../../src/app/notifications/notificationCenter.js';
import { paths } from '../../../src/domain/paths.js';
import { envelope, notificationFixture } from './fixture.js';

async function withNotifications(count: number) {
  const f = notificationFixture('2026-06-10T14:00:00Z');
  await f.user('buyer');
  for (let i = 0; i < count; i++) {
    const type = i % 2 === 0 ? 'order.refunded' : 'social.new_follower';
    const payload =
      type === 'order.refunded'
        ? { orderId: `o${i}`, itemTitle: `Item ${i}`, buyerId: 'buyer', amount: 10, currency: 'EUR' }
        : { creatorId: 'buyer', followerId: `x${i}`, followerName: `Fan ${i}` };
    await f.n.pipeline.submit(envelope(type, payload), 'callable', `a${i}`);
    f.clock.advance(10 * 60_000); // past the burst window: each its own notification
  }
  return f;
}

describe('notification center', () => {
  it('lists newest first with a cursor, without gaps or repeats, and filters by category, read state and date', async () => {
    const f = await withNotifications(7);
    const center = f.n.center;
    const page1 = await center.list('buyer', { limit: 3 });
    const page2 = await center.list('buyer', { limit: 3, cursor: page1.nextCursor! });
    const page3 = await center.list('buyer', { limit: 3, cursor: page2.nextCursor! });
    const ids = [...page1.items, ...page2.items, ...page3.items].map((n) => n.id);
    expect(new Set(ids).size).toBe(7);
    expect(page3.nextCursor).toBeNull();
    const times = [...page1.items, ...page2.items, ...page3.items].map((n) => n.createdAt.getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));

    const oldest = await center.list('buyer', { order: 'oldest', limit: 1 });
    expect(oldest.items[0]!.id).toBe(ids.at(-1));
    expect((await center.list('buyer', { category: 'social' })).items).toHaveLength(3);
    expect(
      (await center.list('buyer', { from: '2026-06-10T14:15:00Z', to: '2026-06-10T14:45:00Z' })).items,
    ).toHaveLength(3);

    await center.markRead('buyer', [ids[0]!, ids[1]!]);
    expect((await center.list('buyer', { read: false })).items).toHaveLength(5);
    const unreadFirst = await center.list('buyer', { order: 'unreadFirst', limit: 6 });
    expect(unreadFirst.items.slice(0, 5).every((n) => !n.read)).toBe(true);
    const rest = await center.list('buyer', { order: 'unreadFirst', limit: 6, cursor: unreadFirst.nextCursor! });
    expect(rest.items).toHaveLength(1);
    expect(rest.items[0]!.read).toBe(true);
  });

  it('mark read, archive and delete keep the unread count exact; unknown ids are ignored', async () => {
    const f = await withNotifications(6);
    const center = f.n.center;
    const ids = (await center.list('buyer', { limit: 10 })).items.map((n) => n.id);
    expect(await center.unreadCount('buyer')).toBe(6);
    expect(await center.markRead('buyer', [ids[0]!, ids[0]!, 'nope'])).toEqual({ updated: 1 });
    expect(await center.unreadCount('buyer')).toBe(5);
    await center.archive('buyer', [ids[1]!]);
    expect(await center.unreadCount('buyer')).toBe(4);
    expect((await center.list('buyer', { archived: true })).items.map((n) => n.id)).toEqual([ids[1]]);
    await center.remove('buyer', [ids[0]!, ids[2]!]); // one read, one unread
    expect(await center.unreadCount('buyer')).toBe(3);
    expect(await center.markAllRead('buyer')).toEqual({ updated: 3 });
    expect(await center.unreadCount('buyer')).toBe(0);
  });

  it('the unread count never drifts under concurrent creates and reads', async () => {
    const f = notificationFixture('2026-06-10T14:00:00Z');
    await f.user('buyer');
    const events = Array.from({ length: 30 }, (_, i) =>
      envelope('order.refunded', {
        orderId: `o${i}`,
        itemTitle: `Item ${i}`,
        buyerId: 'buyer',
        amount: 10,
        currency: 'EUR',
      }),
    );
    await Promise.all(events.slice(0, 10).map((e, i) => f.n.pipeline.submit(e, 'pubsub', `m${i}`)));
    const early = (await f.notifications('buyer')).map((n) => n.id);
    await Promise.all([
      ...events.slice(10).map((e, i) => f.n.pipeline.submit(e, 'pubsub', `n${i}`)),
      f.n.center.markRead('buyer', early.slice(0, 5)),
      f.n.center.remove('buyer', early.slice(5, 7)),
      f.n.center.markAllRead('buyer'),
      f.n.center.markRead('buyer', early.slice(3, 9)),
    ]);
    const actual = (await f.notifications('buyer')).filter((n) => !n.read).length;
    expect(await f.n.center.unreadCount('buyer')).toBe(actual);
    expect((await f.store.get(NotificationCenter.unreadCounterPath('buyer'))).data?.unread).toBe(actual);
  });

  it('a user only reaches their own notifications (ids are looked up under the caller)', async () => {
    const f = await withNotifications(1);
    await f.user('other');
    const [n] = (await f.n.center.list('buyer', {})).items;
    expect(await f.n.center.markRead('other', [n!.id])).toEqual({ updated: 0 });
    expect((await f.store.get(paths.notification('buyer', n!.id))).data?.read).toBe(false);
  });

  it('notifications carry the fields the apps need and expire after a year', async () => {
    const f = await withNotifications(1);
    const [n] = (await f.n.center.list('buyer', {})).items;
    expect(n).toMatchObject({
      type: 'order.refunded',
      category: 'commerce',
      priority: 'high',
      title: 'Refund issued',
      body: '€10.00 for Item 0 is on its way back to you.',
      data: { orderId: 'o0', link: '/orders/o0' },
      groupKey: 'order.refunded:o0',
      read: false,
      readAt: null,
      archived: false,
    });
    expect(n!.expiresAt.getTime() - n!.createdAt.getTime()).toBe(365 * 24 * 3600_000);
  });
});
