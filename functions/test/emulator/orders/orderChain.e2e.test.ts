import { describe, expect, it } from 'vitest';
import { orderPath } from '../../../src/app/orders/orderView.js';
import { deliveryId } from '../../../src/domain/delivery.js';
import { paths } from '../../../src/domain/paths.js';
import { socialPaths } from '../../../src/domain/social/follows.js';
import { callAs, chainWorld, eventually, outbox, useTriggerChains } from '../../support/fakes/emulatorChain.js';

/**
 * Issue 18's chains through the Auth, Firestore, Functions and Pub/Sub emulators with the sandbox FCM: an order event
 * written to events/ moves the order status view (orderStatusOnEventWritten) and reaches the buyer (in-app and push,
 * onNotificationEventCreated → deliver-push); a late, older event does not move the view back. And a follow through the
 * deployed callable writes the edges and counts and tells the creator.
 */
const { store, run, profile } = chainWorld();
const CHAIN_MS = 150_000;

describe('orders and following in the emulators', () => {
  useTriggerChains();

  it(
    'an order event → the status view the buyer and seller read, and the buyer’s notification; a late event never moves it back',
    async () => {
      const buyer = `buyer-${run}`;
      const seller = `seller-${run}`;
      const orderId = `ord-${run}`;
      await store.set(paths.user(buyer), profile('Grace'));
      await store.set(paths.user(seller), profile('Hana', 'creator'));
      // No quiet hours: whatever time the suite runs (22:00-07:00 UTC held the push back), the push leaves at once.
      for (const uid of [buyer, seller]) await store.set(paths.preferences(uid), { quietHours: { enabled: false } });
      await store.set(paths.device(buyer, 'phone'), {
        deviceId: 'phone',
        token: `sandbox-token-${run}`,
        platform: 'ios',
        appVersion: '3.4.1',
        locale: 'en',
        lastSeenAt: new Date(),
        createdAt: new Date(),
      });
      const base = { orderId, itemTitle: 'Urushi tray', buyerId: buyer, sellerId: seller };
      const shippedId = `shipped-${run}`;
      await store.set(paths.event(shippedId), {
        type: 'order.shipped',
        idempotencyKey: shippedId,
        occurredAt: new Date(),
        payload: { ...base, carrier: 'Japan Post', trackingNumber: 'EJ1', trackingUrl: 'https://post.example/t/EJ1' },
      });
      const view = await eventually(
        'the order view says shipped',
        async () => (await store.get(orderPath(orderId))).data,
        (d) => d?.status === 'shipped',
        CHAIN_MS,
      );
      expect(view).toMatchObject({ buyerId: buyer, sellerId: seller, carrier: 'Japan Post', trackingNumber: 'EJ1' });

      const [push] = await eventually(
        "the buyer's push in the sandbox FCM",
        () => outbox('push', { deliveryId: deliveryId(shippedId, buyer, 'push') }),
        (c) => c.length === 1,
        CHAIN_MS,
      );
      expect(JSON.stringify(push)).toContain('Urushi tray is on its way');
      const inApp = (await store.query(paths.notifications(buyer))).map((s) => s.data?.type);
      expect(inApp).toContain('order.shipped');

      // The `placed` event arrives late: the view keeps `shipped`, and records the amount it lacked.
      const placedId = `placed-${run}`;
      await store.set(paths.event(placedId), {
        type: 'order.placed',
        idempotencyKey: placedId,
        occurredAt: new Date(Date.now() - 3_600_000),
        payload: { ...base, amount: 240, currency: 'USD' },
      });
      const after = await eventually(
        'the late event recorded',
        async () => (await store.get(orderPath(orderId))).data,
        (d) => d?.amount === 240,
        CHAIN_MS,
      );
      expect(after?.status).toBe('shipped');
    },
    CHAIN_MS * 3,
  );

  it(
    'follow through the deployed callable: edges, exact counts, and social.new_follower to the creator',
    async () => {
      const fan = `fan-${run}`;
      const maker = `maker-${run}`;
      await store.set(paths.user(fan), profile('Cleo'));
      await store.set(paths.user(maker), profile('Maya', 'creator'));
      const result = await callAs<{ following: boolean; counts: { followers: number } }>(fan, 'follow', {
        creatorId: maker,
      });
      expect(result).toMatchObject({ following: true, counts: { followers: 1 } });
      expect((await store.get(socialPaths.follower(maker, fan))).data).toMatchObject({ uid: fan });
      expect((await store.get(socialPaths.counts(fan))).data).toMatchObject({ following: 1 });
      const notes = await eventually(
        "the creator's new-follower notification",
        async () => (await store.query(paths.notifications(maker))).map((s) => s.data),
        (list) => list.length === 1,
        CHAIN_MS,
      );
      expect(notes[0]).toMatchObject({ type: 'social.new_follower', body: 'Cleo now follows you.' });
      // Twice is once.
      expect(await callAs(fan, 'follow', { creatorId: maker })).toMatchObject({ changed: false });
      expect((await store.get(socialPaths.counts(maker))).data).toMatchObject({ followers: 1 });
    },
    CHAIN_MS * 3,
  );
});
