import { getFirestore } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import { FirestoreDocumentStore } from '../../../src/adapters/firestore/firestoreDocumentStore.js';
import { adminApp } from '../../../src/composition/cloud.js';
import { paths } from '../../../src/domain/paths.js';
import { eventually, useTriggerChains } from '../../support/fakes/emulatorChain.js';

/**
 * The seller flag's chain through the Firestore and Functions emulators (issue 18): an `auction.listed` event written
 * to events/ (as the commerce backend does) → orderStatusOnEventWritten sets `users/{uid}.sells: true` on the seller's
 * profile; the seller's next paid order then counts against the seller row of the limits (in-app 1000).
 */
const store = new FirestoreDocumentStore(() => getFirestore(adminApp()));
const run = `${process.pid}${Date.now().toString(36)}`;
const CHAIN_MS = 150_000;

describe('the seller flag in the emulators', () => {
  useTriggerChains();

  it(
    'a listing flags its seller; the next sale notifies them under the seller row',
    async () => {
      const seller = `jonas-${run}`;
      const buyer = `eva-${run}`;
      for (const [uid, name] of [
        [seller, 'Jonas'],
        [buyer, 'Eva'],
      ] as const)
        await store.set(paths.user(uid), { displayName: name, kind: 'collector', timeZone: 'UTC', locale: 'en' });
      await store.set(paths.event(`listed-${run}`), {
        type: 'auction.listed',
        idempotencyKey: `listed-${run}`,
        occurredAt: new Date(),
        payload: {
          auctionId: `auc-${run}`,
          auctionTitle: 'Birch spoon',
          sellerId: seller,
          endsAt: '2030-01-01T00:00:00Z',
        },
      });
      const flagged = await eventually(
        'the seller flagged',
        async () => (await store.get(paths.user(seller))).data,
        (d) => d?.sells === true,
        CHAIN_MS,
      );
      expect(flagged).toMatchObject({ displayName: 'Jonas', kind: 'collector', sells: true });

      await store.set(paths.event(`paid-${run}`), {
        type: 'order.purchase_confirmed',
        idempotencyKey: `paid-${run}`,
        occurredAt: new Date(),
        payload: {
          orderId: `ord-${run}`,
          itemTitle: 'Birch spoon',
          buyerId: buyer,
          sellerId: seller,
          amount: 38,
          currency: 'EUR',
        },
      });
      const counters = await eventually(
        "the seller's in-app counter",
        async () => (await store.query(`users/${seller}/counters`)).map((s) => s.data!),
        (c) => c.some((d) => d.inApp !== undefined),
        CHAIN_MS,
      );
      // The day's rate counter (one document, a map per channel).
      expect(counters.find((d) => d.inApp !== undefined)).toMatchObject({
        role: 'seller',
        inApp: { count: 1, limit: 1000 },
      });
      expect((await store.get(paths.user(buyer))).data?.sells).toBeUndefined();
    },
    CHAIN_MS * 3,
  );
});
