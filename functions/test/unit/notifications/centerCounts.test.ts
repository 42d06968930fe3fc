import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NotificationCenter, SEARCH_SCAN } from '../../../src/app/notifications/notificationCenter.js';
import { TOPICS } from '../../../src/domain/channels.js';
import { paths } from '../../../src/domain/paths.js';
import { bareWorld, VERIFIED_PHONE } from '../../support/world.js';
import { envelope } from './fixture.js';

const DAY = 24 * 3600_000;

/** Alternating commerce (order.refunded) and social (social.new_follower) notifications for `buyer`. */
async function world(count: number) {
  const w = bareWorld({ now: '2026-06-10T14:00:00Z', bus: [TOPICS.domainEvents, TOPICS.fanout] });
  await w.addUser({ uid: 'buyer', ...VERIFIED_PHONE });
  for (let i = 0; i < count; i++) {
    if (i > 0) w.clock.advance(10 * 60_000); // past the burst window: each its own notification
    const type = i % 2 === 0 ? 'order.refunded' : 'social.new_follower';
    const payload =
      type === 'order.refunded'
        ? { orderId: `o${i}`, itemTitle: `Walnut bowl ${i}`, buyerId: 'buyer', amount: 10, currency: 'EUR' }
        : { creatorId: 'buyer', followerId: `x${i}`, followerName: `Fan ${i}` };
    await w.services.notifications.pipeline.submit(envelope(type, payload), 'callable', `a${i}`);
  }
  const center = w.services.notifications.center;
  const counter = async () => (await w.store.get(NotificationCenter.unreadCounterPath('buyer'))).data;
  return { ...w, center, counter };
}

describe('notification center: counts, unarchive, type filter, search', () => {
  it('retention deleting unread notifications lowers the total and the category counts once, even when run twice', async () => {
    const w = await world(5); // 3 commerce, 2 social, all unread
    const ids = (await w.center.list('buyer', { limit: 10, order: 'oldest' })).items.map((n) => n.id);
    await w.center.markRead('buyer', [ids[0]!]); // a read one expires too: it must not lower the count
    w.clock.advance(365 * DAY - 15 * 60_000); // the first three are past a year, the last two are not
    const first = await w.services.compliance.retention.sweep();
    expect(first.notifications).toBe(3);
    expect(await w.center.unreadCount('buyer')).toBe(2);
    expect(await w.counter()).toMatchObject({ unread: 2, byCategory: { commerce: 1, social: 1 } });
    const again = await w.services.compliance.retention.sweep();
    expect(again.notifications).toBe(0);
    expect(await w.counter()).toMatchObject({ unread: 2, byCategory: { commerce: 1, social: 1 } });
    const left = (await w.store.query(paths.notifications('buyer'))).filter((s) => s.data?.read === false);
    expect(left).toHaveLength(2);
  });

  it('notifications have no TTL policy: only the sweep deletes them, so the counts go with them', () => {
    const file = JSON.parse(readFileSync(resolve('../firestore.indexes.json'), 'utf8')) as {
      fieldOverrides: Array<{ collectionGroup: string; fieldPath: string; ttl?: boolean }>;
    };
    expect(file.fieldOverrides.filter((o) => o.collectionGroup === 'notifications' && o.ttl)).toEqual([]);
  });

  it('keeps a count per category in the same writes as the total: delivery, a burst into a read one, read, archive, delete', async () => {
    const w = await world(5);
    expect(await w.center.unreadCounts('buyer')).toEqual({
      unread: 5,
      byCategory: { commerce: 3, community: 0, social: 2, messaging: 0 },
    });
    const commerce = (await w.center.list('buyer', { category: 'commerce' })).items.map((n) => n.id);
    const social = (await w.center.list('buyer', { category: 'social' })).items.map((n) => n.id);
    await w.center.markRead('buyer', [commerce[0]!]);
    await w.center.archive('buyer', [social[0]!]);
    await w.center.remove('buyer', [commerce[1]!]);
    expect(await w.center.unreadCounts('buyer')).toEqual({
      unread: 2,
      byCategory: { commerce: 1, community: 0, social: 1, messaging: 0 },
    });
    // The newest (o4, just read) gets another refund within the burst window: it joins it and is unread again.
    w.clock.advance(60_000);
    await w.services.notifications.pipeline.submit(
      envelope('order.refunded', {
        orderId: 'o4',
        itemTitle: 'Walnut bowl 4',
        buyerId: 'buyer',
        amount: 5,
        currency: 'EUR',
      }),
      'callable',
      'again',
    );
    expect((await w.store.get(paths.notification('buyer', commerce[0]!))).data).toMatchObject({
      count: 2,
      read: false,
    });
    const counts = await w.center.unreadCounts('buyer');
    const unread = (await w.store.query(paths.notifications('buyer'))).filter((s) => s.data?.read === false);
    expect(counts.unread).toBe(unread.length);
    for (const c of ['commerce', 'social'] as const)
      expect(counts.byCategory[c], c).toBe(unread.filter((s) => s.data?.category === c).length);
    await w.center.markAllRead('buyer');
    expect(await w.counter()).toMatchObject({ unread: 0, byCategory: { commerce: 0, social: 0 } });
  });

  it('unarchive brings a notification back, still read, and is idempotent; it reaches only the caller', async () => {
    const w = await world(2);
    const [a, b] = (await w.center.list('buyer', {})).items.map((n) => n.id);
    await w.center.archive('buyer', [a!]);
    expect(await w.center.unreadCount('buyer')).toBe(1);
    expect(await w.center.unarchive('buyer', [a!, b!, 'nope'])).toEqual({ updated: 1 });
    expect(await w.center.unarchive('buyer', [a!])).toEqual({ updated: 0 });
    expect((await w.center.list('buyer', {})).items.map((n) => [n.id, n.archived, n.read])).toEqual([
      [a, false, true],
      [b, false, false],
    ]);
    expect(await w.center.unreadCount('buyer')).toBe(1);
    await w.center.archive('buyer', [b!]);
    expect(await w.center.unarchive('other', [b!])).toEqual({ updated: 0 });
    expect((await w.store.get(paths.notification('buyer', b!))).data?.archived).toBe(true);
  });

  it('filters by type, alone or with read state, paged; type and category together are refused', async () => {
    const w = await world(7); // order.refunded at 0,2,4,6
    const p1 = await w.center.list('buyer', { type: 'order.refunded', limit: 3 });
    const p2 = await w.center.list('buyer', { type: 'order.refunded', limit: 3, cursor: p1.nextCursor! });
    expect([...p1.items, ...p2.items].map((n) => n.type)).toEqual(Array(4).fill('order.refunded'));
    expect(p2.nextCursor).toBeNull();
    await w.center.markRead('buyer', [p1.items[0]!.id]);
    expect((await w.center.list('buyer', { type: 'order.refunded', read: false })).items).toHaveLength(3);
    expect((await w.center.list('buyer', { type: 'social.new_follower', order: 'unreadFirst' })).items).toHaveLength(3);
    await expect(w.center.list('buyer', { type: 'order.refunded', category: 'commerce' })).rejects.toThrow(/data.type/);
  });

  it("searches the caller's own titles and bodies (every word, case and accents ignored), bounded and paged", async () => {
    const w = await world(6);
    await w.addUser({ uid: 'other', ...VERIFIED_PHONE });
    await w.services.notifications.pipeline.submit(
      envelope('order.refunded', {
        orderId: 'x',
        itemTitle: 'Walnut bowl',
        buyerId: 'other',
        amount: 1,
        currency: 'EUR',
      }),
      'callable',
      'other',
    );
    const all = await w.center.search('buyer', { query: 'WALNUT bowl' });
    expect(all.items.map((n) => n.type)).toEqual(Array(3).fill('order.refunded'));
    expect(all.nextCursor).toBeNull();
    const firstPage = await w.center.search('buyer', { query: 'walnut', limit: 2 });
    const rest = await w.center.search('buyer', { query: 'walnut', limit: 2, cursor: firstPage.nextCursor! });
    expect([...firstPage.items, ...rest.items].map((n) => n.id)).toEqual(all.items.map((n) => n.id));
    expect((await w.center.search('buyer', { query: 'fan 3' })).items.map((n) => n.body)).toEqual([
      expect.stringContaining('Fan 3'),
    ]);
    // Accents: the body says "€10.00 for Walnut bowl 0"; a title with an accent is found without it.
    await w.store.update(paths.notification('buyer', all.items[0]!.id), { title: 'Remboursé' });
    expect((await w.center.search('buyer', { query: 'rembourse' })).items).toHaveLength(1);
    expect((await w.center.search('other', { query: 'walnut' })).items).toHaveLength(1);
    await expect(w.center.search('buyer', { query: 'x' })).rejects.toThrow();
  });

  it('a search reads at most SEARCH_SCAN notifications per call and goes on with the cursor', async () => {
    const w = await world(0);
    const docs = Array.from({ length: SEARCH_SCAN + 5 }, (_, i) => ({
      kind: 'set' as const,
      path: paths.notification('buyer', `n${String(i).padStart(5, '0')}`),
      data: {
        title: i === 0 ? 'needle' : 'hay',
        body: '',
        archived: false,
        read: true,
        sortKey: `2026-01-01T00:00:00.000Z_n${String(i).padStart(5, '0')}`,
      },
    }));
    for (let i = 0; i < docs.length; i += 500) await w.store.commit(docs.slice(i, i + 500));
    const first = await w.center.search('buyer', { query: 'needle' });
    expect(first).toMatchObject({ items: [], scanned: SEARCH_SCAN });
    expect(first.nextCursor).not.toBeNull();
    const second = await w.center.search('buyer', { query: 'needle', cursor: first.nextCursor! });
    expect(second.scanned).toBe(5);
    expect(second.items.map((n) => n.id)).toEqual(['n00000']);
    expect(second.nextCursor).toBeNull();
  });

  it('recountUnread sets a drifted or pre-category counter to the unread notifications, and a rerun changes nothing', async () => {
    const w = await world(5);
    const [first] = (await w.center.list('buyer', {})).items;
    await w.center.markRead('buyer', [first!.id]); // 4 unread: commerce 2, social 2
    // A counter as the old sweep left it: a total off by three, no category counts.
    await w.store.set(NotificationCenter.unreadCounterPath('buyer'), { unread: 7 });
    expect(await w.center.recountUnread('buyer')).toEqual({
      unread: 4,
      byCategory: { commerce: 2, community: 0, social: 2, messaging: 0 },
      before: 7,
    });
    expect(await w.counter()).toEqual({
      unread: 4,
      byCategory: { commerce: 2, community: 0, social: 2, messaging: 0 },
    });
    expect((await w.center.recountUnread('buyer')).before).toBe(4);
    await w.center.markAllRead('buyer');
    expect(await w.counter()).toEqual({
      unread: 0,
      byCategory: { commerce: 0, community: 0, social: 0, messaging: 0 },
    });
  });

  it('a recount running alongside deliveries and reads leaves the counts exact', async () => {
    const w = await world(4);
    const ids = (await w.center.list('buyer', {})).items.map((n) => n.id);
    await Promise.all([
      w.center.recountUnread('buyer'),
      ...Array.from({ length: 6 }, (_, i) =>
        w.services.notifications.pipeline.submit(
          envelope('social.new_follower', { creatorId: 'buyer', followerId: `y${i}`, followerName: `New ${i}` }),
          'pubsub',
          `c${i}`,
        ),
      ),
      w.center.markRead('buyer', ids.slice(0, 2)),
      w.center.recountUnread('buyer'),
    ]);
    const unread = (await w.store.query(paths.notifications('buyer'))).filter((s) => s.data?.read === false);
    const counts = await w.center.unreadCounts('buyer');
    expect(counts.unread).toBe(unread.length);
    expect(counts.byCategory.social).toBe(unread.filter((s) => s.data?.category === 'social').length);
    expect(counts.byCategory.commerce).toBe(unread.filter((s) => s.data?.category === 'commerce').length);
  });
});
