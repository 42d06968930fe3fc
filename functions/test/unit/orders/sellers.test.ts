import { describe, expect, it } from 'vitest';
import { SellerFlag } from '../../../src/app/orders/sellers.js';
import { paths } from '../../../src/domain/paths.js';
import { envelope, notificationFixture } from '../notifications/fixture.js';

/**
 * The profile's seller flag (issue 18): the first event that names a user as a seller sets `users/{uid}.sells: true`
 * (the seller row of the notification limits); a repeat writes nothing; nothing else makes anyone a seller.
 */
function setup() {
  const f = notificationFixture();
  const sellers = new SellerFlag(f.store, f.logger);
  /** An event as the intake records it (events/{id}), then the trigger's first run on it. */
  const record = async (type: string, payload: Record<string, unknown>) => {
    const result = await f.n.pipeline.submit(envelope(type, payload), 'callable', 'a');
    const data = (await f.store.get(paths.event(result.eventId))).data;
    return { eventId: result.eventId, data, outcome: await sellers.onEventWritten(result.eventId, undefined, data) };
  };
  const profile = async (uid: string) => (await f.store.get(paths.user(uid))).data;
  return { f, sellers, record, profile };
}

describe('SellerFlag', () => {
  it('an auction listing flags its seller once; the retried trigger and later events write nothing', async () => {
    const { f, sellers, record, profile } = setup();
    await f.user('jonas', { kind: 'collector' });
    const listed = await record('auction.listed', {
      auctionId: 'a1',
      auctionTitle: 'Birch spoon',
      sellerId: 'jonas',
      endsAt: '2026-06-12T18:00:00Z',
    });
    expect(listed.outcome).toEqual({ status: 'flagged', uid: 'jonas' });
    expect(await profile('jonas')).toMatchObject({ kind: 'collector', sells: true });

    const before = structuredClone(f.store.dump());
    expect(await sellers.onEventWritten(listed.eventId, undefined, listed.data)).toEqual({
      status: 'unchanged',
      uid: 'jonas',
    });
    const sale = await record('order.purchase_confirmed', {
      orderId: 'o1',
      itemTitle: 'Birch spoon',
      buyerId: 'eva',
      sellerId: 'jonas',
      amount: 40,
      currency: 'EUR',
    });
    expect(sale.outcome).toEqual({ status: 'unchanged', uid: 'jonas' });
    // Only what the pipeline itself wrote for the second event changed; the profile is as it was.
    expect(f.store.dump()[paths.user('jonas')]).toEqual(before[paths.user('jonas')]);
  });

  it('an order and a new listing flag too; the buyer, a missing profile and an event naming no seller do not', async () => {
    const { f, record, profile } = setup();
    await f.user('eva');
    await f.user('omar');
    await f.user('lena', { kind: 'creator' });
    await record('order.placed', {
      orderId: 'o2',
      itemTitle: 'Bowl',
      buyerId: 'eva',
      sellerId: 'omar',
      amount: 10,
      currency: 'EUR',
    });
    expect((await profile('omar'))?.sells).toBe(true);
    expect((await profile('eva'))?.sells).toBeUndefined();
    const listing = await record('social.new_listing', {
      listingId: 'l1',
      creatorId: 'lena',
      creatorName: 'Lena',
      title: 'Celadon cup',
      price: 60,
      currency: 'EUR',
      imageUrl: 'https://img.example/cup.jpg',
    });
    expect(listing.outcome).toEqual({ status: 'flagged', uid: 'lena' });
    const ghost = await record('auction.listed', {
      auctionId: 'a2',
      auctionTitle: 'Stool',
      sellerId: 'nobody',
      endsAt: '2026-06-12T18:00:00Z',
    });
    expect(ghost.outcome).toEqual({ status: 'ignored', reason: 'no profile' });
    expect((await f.store.get(paths.user('nobody'))).exists).toBe(false);
    const followed = await record('social.new_follower', { creatorId: 'lena', followerId: 'eva', followerName: 'Eva' });
    expect(followed.outcome).toMatchObject({ status: 'ignored' });
    expect((await profile('eva'))?.sells).toBeUndefined();
  });

  it('ignores the pipeline’s own updates of an event, deletions and invalid events', async () => {
    const { f, sellers, profile } = setup();
    await f.user('omar');
    const data = {
      type: 'auction.listed',
      idempotencyKey: 'k',
      occurredAt: '2026-06-10T13:59:00Z',
      payload: { auctionId: 'a1', auctionTitle: 'Stool', sellerId: 'omar', endsAt: '2026-06-12T18:00:00Z' },
    };
    expect(await sellers.onEventWritten('e1', data, { ...data, status: 'processed' })).toMatchObject({
      status: 'ignored',
    });
    expect(await sellers.onEventWritten('e1', data, undefined)).toMatchObject({ status: 'ignored' });
    expect(
      await sellers.onEventWritten('e1', undefined, { ...data, payload: { ...data.payload, endsAt: 'soon' } }),
    ).toMatchObject({ status: 'ignored' });
    expect((await profile('omar'))?.sells).toBeUndefined();
    // A rejected event replaced by a valid retry is seen.
    expect(await sellers.onEventWritten('e1', { status: 'rejected' }, data)).toEqual({
      status: 'flagged',
      uid: 'omar',
    });
  });
});
