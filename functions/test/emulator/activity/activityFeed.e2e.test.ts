import { describe, expect, it } from 'vitest';
import { paths } from '../../../src/domain/paths.js';
import { activityPaths } from '../../../src/domain/activity/feed.js';
import { bareWorld } from '../../support/world.js';
import { callAs, chainWorld, eventually, useTriggerChains } from '../../support/fakes/emulatorChain.js';

/**
 * The activity feed's triggers as deployed (Auth, Firestore, Functions and Pub/Sub emulators): a follow through the
 * `follow` callable, a bid and an order written to events/, and a message written as a client writes it all appear in
 * the actor's feed; the bid's key arriving again by a second events/ document, and each handler run again over what
 * the triggers saw, leave one item each.
 */
const { store, run, profile } = chainWorld();
const CHAIN_MS = 150_000;

describe('activity feed in the emulators', () => {
  useTriggerChains();

  it(
    "a follow, a bid, an order and a sent message reach the actor's feed through the real triggers; twice is once",
    async () => {
      const actor = `actor-${run}`;
      const maker = `maker-${run}`;
      await store.set(paths.user(actor), profile('Iris'));
      await store.set(paths.user(maker), profile('Jun', 'creator'));
      const feed = async () =>
        (await store.query(activityPaths.feed(actor), { orderBy: [{ field: 'createdAt', direction: 'desc' }] })).map(
          (s) => ({ id: s.id, ...s.data! }) as Record<string, unknown>,
        );

      // Follow through the deployed callable: the following edge's trigger writes "followed".
      expect(await callAs(actor, 'follow', { creatorId: maker })).toMatchObject({ following: true });

      // A bid and an order, as backends record them in events/.
      const t0 = Date.now();
      const bidKey = `bid-${run}`;
      const bidEvent = {
        type: 'auction.bid_placed',
        idempotencyKey: bidKey,
        occurredAt: new Date(t0 - 3_000),
        payload: {
          auctionId: `auc-${run}`,
          auctionTitle: 'Raku bowl',
          sellerId: maker,
          bidderId: actor,
          bidderName: 'Iris',
          amount: 90,
          currency: 'EUR',
        },
      };
      await store.set(paths.event(`bid-${run}`), bidEvent);
      await store.set(paths.event(`placed-${run}`), {
        type: 'order.placed',
        idempotencyKey: `placed-${run}`,
        occurredAt: new Date(t0 - 2_000),
        payload: {
          orderId: `ord-${run}`,
          itemTitle: 'Raku bowl',
          buyerId: actor,
          sellerId: maker,
          amount: 90,
          currency: 'EUR',
        },
      });

      // A message, written as the client writes it under the rules.
      const cid = `dm-${run}`;
      const mid = `${actor}_m1`;
      await store.set(paths.conversation(cid), {
        type: 'direct',
        title: null,
        photo: null,
        memberIds: [actor, maker],
        lastMessage: null,
        lastMessageAt: null,
        settings: { announcementOnly: false, e2ee: false },
        pinnedMessageIds: [],
        createdAt: new Date(),
        createdBy: actor,
      });
      await store.set(paths.message(cid, mid), {
        senderId: actor,
        type: 'text',
        text: 'Is the glaze food safe?',
        clientMessageId: 'm1',
        createdAt: new Date(t0 - 1_000),
      });

      const items = await eventually("the four items in the actor's feed", feed, (list) => list.length >= 4, CHAIN_MS);
      expect(items.map((i) => [i.kind, i.verb])).toEqual(
        expect.arrayContaining([
          ['follow', 'followed'],
          ['bid', 'auction.bid_placed'],
          ['order', 'order.placed'],
          ['message', 'message.sent'],
        ]),
      );
      expect(items).toHaveLength(4);
      expect(items.find((i) => i.kind === 'bid')).toMatchObject({
        refs: { auctionId: `auc-${run}` },
        details: { auctionTitle: 'Raku bowl', amount: 90, currency: 'EUR' },
      });
      expect(items.find((i) => i.kind === 'message')).toMatchObject({ refs: { conversationId: cid, messageId: mid } });
      expect(JSON.stringify(items)).not.toContain('glaze');
      for (const i of items) expect((i.expiresAt as Date).getTime()).toBeGreaterThan(Date.now());

      // The bid's key again by a second door (another events/ document): the deployed trigger runs again, one item.
      await store.set(paths.event(`bid-again-${run}`), bidEvent);
      // Each handler run once more over what its trigger saw, on the same Firestore: nothing new.
      const { services } = bareWorld({ store });
      const edge = (await store.get(`users/${actor}/following/${maker}`)).data;
      expect(await services.activity.feed.onFollowingWritten(actor, maker, undefined, edge)).toEqual({
        written: 0,
        skipped: 1,
      });
      const bidDoc = (await store.get(paths.event(`bid-${run}`))).data;
      expect(await services.activity.feed.onEventWritten(`bid-${run}`, undefined, bidDoc)).toEqual({
        written: 0,
        skipped: 1,
      });
      const message = (await store.get(paths.message(cid, mid))).data!;
      expect(await services.activity.feed.onMessageCreated(cid, mid, message)).toEqual({ written: 0, skipped: 1 });

      // Wait for the second door's event to be processed by the pipeline (its status settles), then count again.
      await eventually(
        'the second door processed',
        async () => (await store.get(paths.event(`bid-again-${run}`))).data,
        (d) => typeof d?.status === 'string' && d.status !== 'received',
        CHAIN_MS,
      );
      expect(await feed()).toHaveLength(4);
      expect(
        (await store.query(activityPaths.feed(maker))).map((s) => s.data!.kind),
        "the maker's own feed holds nothing of the actor's",
      ).toEqual([]);
    },
    CHAIN_MS * 3,
  );
});
