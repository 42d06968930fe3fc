import { getFirestore } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import { FirestoreDocumentStore } from '../../../src/adapters/firestore/firestoreDocumentStore.js';
import { adminApp } from '../../../src/functions/runtime.js';
import { deliveryId } from '../../../src/domain/delivery.js';
import { paths } from '../../../src/domain/paths.js';

/**
 * End to end through the Firestore + Functions (+ Pub/Sub) emulators: a backend writes events/{eventId}, the deployed
 * onNotificationEventCreated trigger routes it, and the in-app notification, the unread counter and the deliveries
 * docs appear. A bad event document is marked rejected, naming the field. (`npm run test:emulators`.)
 */
const store = new FirestoreDocumentStore(() => getFirestore(adminApp()));
const run = `${process.pid}-${Date.now()}`;

async function eventually<T>(read: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('timed out waiting for the trigger');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('events/ → notifications (emulators)', () => {
  it('an outbid event becomes an in-app notification, an unread count and queued deliveries', async () => {
    const bidder = `bidder-${run}`;
    const seller = `seller-${run}`;
    for (const uid of [bidder, seller]) {
      await store.set(paths.user(uid), {
        displayName: uid, timeZone: 'UTC', locale: 'en', email: `${uid}@example.com`, emailVerified: true, phone: '+15555550100', phoneVerified: true,
      });
    }
    const eventId = `e2e-${run}`;
    await store.set(paths.event(eventId), {
      type: 'auction.bid_placed', idempotencyKey: `bid-${run}`, occurredAt: new Date(),
      payload: { auctionId: 'a1', auctionTitle: 'Walnut bowl', sellerId: seller, bidderId: 'b2', bidderName: 'Ana', amount: 120, currency: 'USD', previousBidderId: bidder },
    });

    const processed = await eventually(async () => {
      const data = (await store.get(paths.event(eventId))).data;
      return data?.status === 'processed' ? data : undefined;
    });
    expect(processed.directRecipients).toBe(2);
    const notifications = await store.query(paths.notifications(bidder));
    expect(notifications.map((n) => n.data?.type)).toEqual(['auction.outbid']);
    expect((await store.get(paths.counter(bidder, 'notifications'))).data?.unread).toBe(1);
    const push = (await store.get(paths.delivery(deliveryId(eventId, bidder, 'push')))).data;
    expect(push).toMatchObject({ status: 'queued', critical: true, notificationId: `${eventId}_auction.outbid` });
    expect((await store.get(paths.delivery(deliveryId(eventId, bidder, 'sms')))).data?.status).toBe('queued');
  });

  it('a bad event document is rejected with the field named, and nothing else is written', async () => {
    const eventId = `bad-${run}`;
    const buyer = `buyer-${run}`;
    await store.set(paths.event(eventId), {
      type: 'order.shipped', idempotencyKey: `bad-${run}`, occurredAt: new Date(),
      payload: { orderId: 'o1', itemTitle: 'Vase', buyerId: buyer, carrier: 'DHL' },
    });
    const rejected = await eventually(async () => {
      const data = (await store.get(paths.event(eventId))).data;
      return data?.status === 'rejected' ? data : undefined;
    });
    expect(String(rejected.error)).toMatch(/^payload\.trackingNumber:/);
    expect(await store.query(paths.notifications(buyer))).toEqual([]);
    expect(await store.query(paths.deliveries(), { where: [['eventId', '==', eventId]] })).toEqual([]);
  });
});
