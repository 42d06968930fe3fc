import { describe, expect, it } from 'vitest';
import type { DocData } from '../../../src/ports.js';
import { paths } from '../../../src/domain/paths.js';
import { activityPaths } from '../../../src/domain/activity/feed.js';
import { maxAgeOf } from '../../../src/domain/compliance/retention.js';
import { moderationItemId } from '../../../src/app/messaging/moderation.js';
import { bareWorld } from '../../support/world.js';

/**
 * The activity feed (users/{uid}/activity) from the use case the triggers call, over the in-memory store: each source
 * kind reaches the right feeds, a trigger run twice (or one event by two doors) writes one item, and erased accounts
 * get nothing.
 */
const NOW = '2026-06-10T14:00:00Z';

function setup() {
  const w = bareWorld({ now: NOW });
  const feed = w.services.activity.feed;
  const items = async (uid: string) =>
    (await w.store.query(activityPaths.feed(uid), { orderBy: [{ field: 'createdAt', direction: 'desc' }] })).map(
      (s) => s.data!,
    );
  /** An event as the intake records it (events/{id}), and its data for the trigger. */
  const submit = async (type: string, payload: Record<string, unknown>, key: string, occurredAt = NOW) => {
    const result = await w.services.notifications.pipeline.submit(
      { type, idempotencyKey: key, occurredAt, payload },
      'callable',
      key,
    );
    return { eventId: result.eventId, data: (await w.store.get(paths.event(result.eventId))).data };
  };
  return { w, feed, items, submit };
}

const order = { orderId: 'o1', itemTitle: 'Moon jar', buyerId: 'buyer', sellerId: 'seller' };

describe('activity feed', () => {
  it('follows: followed when the edge appears, unfollowed when it goes; a redelivered trigger writes once', async () => {
    const { w, feed, items } = setup();
    const edge = { uid: 'maker', followerId: 'fan', createdAt: new Date('2026-06-10T13:00:00Z') };
    expect(await feed.onFollowingWritten('fan', 'maker', undefined, edge)).toEqual({ written: 1, skipped: 0 });
    expect(await feed.onFollowingWritten('fan', 'maker', undefined, edge)).toEqual({ written: 0, skipped: 1 });
    expect(await items('fan')).toEqual([
      expect.objectContaining({
        kind: 'follow',
        verb: 'followed',
        refs: { creatorId: 'maker' },
        createdAt: edge.createdAt,
        expiresAt: new Date(edge.createdAt.getTime() + maxAgeOf('activity')),
      }),
    ]);
    // Unfollow, twice; then a new follow (a new edge) is a new item.
    w.clock.set(new Date('2026-06-10T15:00:00Z'));
    await feed.onFollowingWritten('fan', 'maker', edge, undefined);
    await feed.onFollowingWritten('fan', 'maker', edge, undefined);
    const again = { ...edge, createdAt: new Date('2026-06-10T16:00:00Z') };
    await feed.onFollowingWritten('fan', 'maker', undefined, again);
    expect((await items('fan')).map((i) => i.verb)).toEqual(['followed', 'unfollowed', 'followed']);
    // An edit of the edge is no follow; nothing is written to the creator's feed.
    expect(await feed.onFollowingWritten('fan', 'maker', again, { ...again, note: 1 })).toEqual({
      written: 0,
      skipped: 0,
    });
    expect(await items('maker')).toEqual([]);
  });

  it('an edge removed by erasure is no unfollow, and an erased account gets no item', async () => {
    const { w, feed, items } = setup();
    const edge = { uid: 'gone', followerId: 'fan', createdAt: new Date('2026-06-10T13:00:00Z') };
    await w.store.set(paths.accountState('gone'), { state: 'deleted' });
    expect(await feed.onFollowingWritten('fan', 'gone', edge, undefined)).toEqual({ written: 0, skipped: 1 });
    expect(await feed.onFollowingWritten('gone', 'maker', undefined, edge)).toEqual({ written: 0, skipped: 1 });
    expect(await items('fan')).toEqual([]);
    expect(await items('gone')).toEqual([]);
  });

  it('bids and auctions won reach the bidder; the same key by another door or a redelivery is one item', async () => {
    const { w, feed, items, submit } = setup();
    await w.addUsers(['bidder', 'seller']);
    const bid = await submit(
      'auction.bid_placed',
      {
        auctionId: 'a1',
        auctionTitle: 'Walnut bowl',
        sellerId: 'seller',
        bidderId: 'bidder',
        bidderName: 'Ana',
        amount: 120,
        currency: 'USD',
      },
      'bid-1',
    );
    expect(await feed.onEventWritten(bid.eventId, undefined, bid.data)).toEqual({ written: 1, skipped: 0 });
    expect(await feed.onEventWritten(bid.eventId, undefined, bid.data)).toEqual({ written: 0, skipped: 1 });
    expect(await feed.onEventWritten('another-door', undefined, bid.data)).toEqual({ written: 0, skipped: 1 });
    // The pipeline's own status updates of the event document are not events.
    expect(await feed.onEventWritten(bid.eventId, bid.data, { ...bid.data, status: 'processed' })).toEqual({
      written: 0,
      skipped: 0,
    });
    const won = await submit(
      'auction.won',
      {
        auctionId: 'a1',
        auctionTitle: 'Walnut bowl',
        winnerId: 'bidder',
        sellerId: 'seller',
        amount: 150,
        currency: 'USD',
      },
      'won-1',
      '2026-06-10T14:30:00Z',
    );
    await feed.onEventWritten(won.eventId, undefined, won.data);
    expect(await items('bidder')).toEqual([
      expect.objectContaining({
        kind: 'bid',
        verb: 'auction.won',
        details: { auctionTitle: 'Walnut bowl', amount: 150, currency: 'USD' },
      }),
      expect.objectContaining({
        kind: 'bid',
        verb: 'auction.bid_placed',
        refs: { auctionId: 'a1' },
        details: { auctionTitle: 'Walnut bowl', amount: 120, currency: 'USD' },
      }),
    ]);
    // No other person's name is copied into anyone's feed.
    expect(JSON.stringify(await items('bidder'))).not.toContain('Ana');
    expect(await items('seller')).toEqual([]);
  });

  it("orders: every step in the buyer's feed, paid steps as the seller's sale; a rejected event writes nothing", async () => {
    const { w, feed, items, submit } = setup();
    await w.addUsers(['buyer', 'seller']);
    const steps: Array<[string, Record<string, unknown>]> = [
      ['order.placed', { ...order, amount: 420, currency: 'USD' }],
      ['order.purchase_confirmed', { ...order, amount: 420, currency: 'USD' }],
      ['order.shipped', { ...order, carrier: 'DHL', trackingNumber: 'JD1', trackingUrl: 'https://dhl.example/t/JD1' }],
    ];
    for (const [i, [type, payload]] of steps.entries()) {
      const e = await submit(type, payload, `ord-${i}`, `2026-06-10T1${i}:00:00Z`);
      await feed.onEventWritten(e.eventId, undefined, e.data);
    }
    expect((await items('buyer')).map((i) => [i.kind, i.verb])).toEqual([
      ['order', 'order.shipped'],
      ['order', 'order.purchase_confirmed'],
      ['order', 'order.placed'],
    ]);
    expect(
      (await items('seller')).map((i) => [i.kind, i.verb, (i.details as Record<string, unknown>).carrier ?? null]),
    ).toEqual([
      ['sale', 'order.shipped', 'DHL'],
      ['sale', 'order.purchase_confirmed', null],
    ]);
    const bad = { type: 'order.shipped', idempotencyKey: 'bad', occurredAt: NOW, payload: { orderId: 'o1' } };
    expect(await feed.onEventWritten('bad', undefined, bad)).toEqual({ written: 0, skipped: 1 });
    // Events the feed does not show (a new listing) are passed over without reading anything.
    expect(
      await feed.onEventWritten('x', undefined, { type: 'social.new_listing', idempotencyKey: 'l', payload: {} }),
    ).toEqual({ written: 0, skipped: 0 });
  });

  it('messages sent reach the sender (ids and type, no text); system messages none', async () => {
    const { feed, items } = setup();
    const msg = {
      senderId: 'fan',
      type: 'text',
      text: 'secret words',
      createdAt: new Date(NOW),
      clientMessageId: 'm1',
    };
    expect(await feed.onMessageCreated('c1', 'fan_m1', msg)).toEqual({ written: 1, skipped: 0 });
    expect(await feed.onMessageCreated('c1', 'fan_m1', msg)).toEqual({ written: 0, skipped: 1 });
    await feed.onMessageCreated('c1', 'system_1', { ...msg, senderId: 'system', type: 'system' });
    const list = await items('fan');
    expect(list).toEqual([
      expect.objectContaining({
        kind: 'message',
        verb: 'message.sent',
        refs: { conversationId: 'c1', messageId: 'fan_m1' },
        details: { messageType: 'text' },
      }),
    ]);
    expect(JSON.stringify(list)).not.toContain('secret');
    expect(await items('system')).toEqual([]);
  });

  it('moderation decisions: the sender learns the outcome, reporters that their report was reviewed, once', async () => {
    const { w, feed, items } = setup();
    await w.addUsers(['admin', 'author', 'reporter']);
    await w.addConversation('g1', ['author', 'reporter']);
    await w.store.set(paths.message('g1', 'author_m1'), {
      senderId: 'author',
      type: 'text',
      text: 'pay me outside',
      clientMessageId: 'm1',
      createdAt: new Date(NOW),
    });
    const m = w.services.messaging.moderation;
    await m.report(
      { uid: 'reporter', roles: new Set() },
      { conversationId: 'g1', messageId: 'author_m1', reason: 'off_platform' },
    );
    const id = moderationItemId('g1', 'author_m1');
    const before = (await w.store.get(paths.moderationQueue() + '/' + id)).data as DocData;
    // Reported, not decided: nothing yet.
    expect(await feed.onModerationWritten(id, undefined, before)).toEqual({ written: 0, skipped: 0 });
    await m.decide({ uid: 'admin', roles: new Set(['admin']) }, { itemId: id, action: 'remove' });
    const after = (await w.store.get(paths.moderationQueue() + '/' + id)).data as DocData;
    expect(await feed.onModerationWritten(id, before, after)).toEqual({ written: 2, skipped: 0 });
    expect(await feed.onModerationWritten(id, before, after)).toEqual({ written: 0, skipped: 2 });
    // A later edit of the decided item (erasure scrubbing it) is no new decision.
    expect(await feed.onModerationWritten(id, after, { ...after, excerpt: '…' })).toEqual({ written: 0, skipped: 0 });
    expect(await items('author')).toEqual([
      expect.objectContaining({
        kind: 'moderation',
        verb: 'moderation.remove',
        refs: { conversationId: 'g1', messageId: 'author_m1' },
      }),
    ]);
    expect(await items('reporter')).toEqual([
      expect.objectContaining({ verb: 'moderation.report_reviewed', details: { outcome: 'action_taken' } }),
    ]);
  });

  it("'keep' tells the reporter no action was taken and the sender nothing", async () => {
    const { feed, items } = setup();
    const base = { conversationId: 'g1', messageId: 'author_m1', senderId: 'author', reporterIds: ['reporter'] };
    const after = { ...base, status: 'decided', decision: { action: 'keep', by: 'admin', at: new Date(NOW) } };
    await feed.onModerationWritten('item1', { ...base, status: 'open' }, after);
    expect(await items('author')).toEqual([]);
    expect((await items('reporter'))[0]).toMatchObject({ details: { outcome: 'no_action' } });
  });
});
