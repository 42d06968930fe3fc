import { getFirestore } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import { FirestoreDocumentStore } from '../../../src/adapters/firestore/firestoreDocumentStore.js';
import { adminApp } from '../../../src/composition/cloud.js';
import type { UnreadCounts } from '../../../src/app/notifications/notificationCenter.js';
import {
  NotificationCenter,
  newNotificationDoc,
  toNotification,
  unreadIncrement,
} from '../../../src/app/notifications/notificationCenter.js';
import { recipientPaths } from '../../../src/app/notifications/recipientDelivery.js';
import { paths } from '../../../src/domain/paths.js';
import { callAs, eventually, runSchedule, useTriggerChains } from '../../support/fakes/emulatorChain.js';

/**
 * The notification center through the deployed callables (Auth, Firestore, Functions and Pub/Sub emulators): a follow
 * (the `follow` callable) and three events submitted through `publishEvent` by a service identity reach a maker's
 * center through the real triggers; then, with the maker's own ID token, the per-category unread counts, the type and
 * category filters, archive and unarchive, and search; another user's token is refused the maker's center when it
 * names her (PERMISSION_DENIED) and acts on nothing when it passes her ids as its own (each call reads only the
 * caller's collection); and the deployed retentionDaily deletes a year-old unread notification with the counts.
 */
const store = new FirestoreDocumentStore(() => getFirestore(adminApp()));
const run = `${process.pid}${Date.now().toString(36)}`;
const CHAIN_MS = 180_000;
const DAY = 24 * 60 * 60_000;

const MAKER = `nc-maker-${run}`;
const BUYER = `nc-buyer-${run}`;
const OTHER = `nc-other-${run}`;
const SERVICE = `nc-svc-${run}`;

type Item = { id: string; type: string; category: string; title: string; read: boolean; archived: boolean };
type Page = { items: Item[]; nextCursor: string | null };
type Search = { items: Item[]; nextCursor: string | null; scanned: number };

async function person(uid: string, kind: 'creator' | 'collector') {
  await store.set(paths.user(uid), {
    displayName: uid,
    kind,
    email: `${uid}@example.com`,
    emailVerified: true,
    timeZone: 'UTC',
    locale: 'en',
  });
  // Quiet hours off: nothing here may depend on the hour the test runs at.
  await store.set(paths.preferences(uid), { quietHours: { enabled: false } });
}

/**
 * Submits an event as a backend does. The idempotencyKey makes a retry a no-op, so a cold Functions emulator's
 * deadline-exceeded (a busy machine) is retried once, as a backend would.
 */
async function publish(type: string, idempotencyKey: string, payload: Record<string, unknown>) {
  const envelope = { type, idempotencyKey, occurredAt: new Date().toISOString(), payload };
  const call = () => callAs<{ eventId: string; status: string }>(SERVICE, 'publishEvent', envelope, { service: true });
  try {
    return await call();
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'functions/deadline-exceeded' && code !== 'functions/unavailable') throw error;
    console.log(`(publishEvent ${type}: ${code} from the Functions emulator, retried once)`);
    return call();
  }
}

const counts = (uid = MAKER) => callAs<UnreadCounts>(uid, 'getUnreadCount', {});
const unreadDocs = async (uid: string) =>
  (await store.query(paths.notifications(uid), { where: [['read', '==', false]] })).map((s) => s.data!);

/** The callable's refusal code as the JS SDK reports it (`functions/<code>`), or 'answered'. */
async function refusal(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'answered';
  } catch (error) {
    return String((error as { code?: string }).code);
  }
}

describe('notification center through the deployed callables (emulators)', () => {
  useTriggerChains();

  it(
    'events reach the center; counts by category, type filter, archive/unarchive, search; another token gets nothing; retention keeps the counts',
    async () => {
      await person(MAKER, 'creator');
      await person(BUYER, 'collector');
      await person(OTHER, 'collector');

      // The trigger chain: a follow (callable → following edge → new follower) and three events through publishEvent.
      expect(await callAs(BUYER, 'follow', { creatorId: MAKER })).toMatchObject({ following: true });
      for (const [auction, title, amount] of [
        ['bowl', 'Urushi bowl, vermilion', 310],
        ['comb', 'Maki-e hair comb', 140],
      ] as const)
        expect(
          await publish('auction.bid_placed', `nc-bid-${auction}-${run}`, {
            auctionId: `auc-${auction}-${run}`,
            auctionTitle: title,
            sellerId: MAKER,
            bidderId: BUYER,
            bidderName: 'Amelia',
            amount,
            currency: 'USD',
          }),
        ).toMatchObject({ status: 'processed' });
      await publish('order.purchase_confirmed', `nc-order-${run}`, {
        orderId: `ord-${run}`,
        itemTitle: 'Lacquered chopsticks, pair',
        buyerId: BUYER,
        sellerId: MAKER,
        amount: 48,
        currency: 'USD',
      });
      const stored = await eventually(
        "the maker's four notifications",
        async () => (await store.query(paths.notifications(MAKER))).map(toNotification),
        (list) => list.length >= 4,
        CHAIN_MS,
      ).catch(async (error: Error) => {
        // Name what each event did for the maker (its status, the receipt's channel decisions), not only what is missing.
        const events = await store.query(paths.events(), { where: [['payload.sellerId', '==', MAKER]] });
        const follower = await store.query(paths.events(), { where: [['payload.creatorId', '==', MAKER]] });
        const lines = await Promise.all(
          [...events, ...follower].map(async (e) => {
            const receipt = (await store.get(recipientPaths.receipt(e.id, MAKER))).data;
            return `${String(e.data?.type)} ${String(e.data?.status)} receipt ${JSON.stringify(receipt?.channels ?? null)}`;
          }),
        );
        throw new Error(`${error.message}\nevents for the maker: ${lines.join('; ') || 'none'}`);
      });
      expect(stored.map((n) => n.type).sort()).toEqual([
        'auction.bid_placed',
        'auction.bid_placed',
        'order.new_sale',
        'social.new_follower',
      ]);

      // Per-category unread counts, kept by the delivery paths in the same writes as the documents.
      expect(await counts()).toEqual({
        unread: 4,
        byCategory: { commerce: 3, community: 0, social: 1, messaging: 0 },
      });

      // The type filter and the category filter.
      const bids = await callAs<Page>(MAKER, 'listNotifications', { type: 'auction.bid_placed' });
      expect(bids.items.map((n) => n.type)).toEqual(['auction.bid_placed', 'auction.bid_placed']);
      expect(bids.items.map((n) => n.title).sort()).toEqual([
        'New bid on Maki-e hair comb',
        'New bid on Urushi bowl, vermilion',
      ]);
      const social = await callAs<Page>(MAKER, 'listNotifications', { category: 'social' });
      expect(social.items.map((n) => n.type)).toEqual(['social.new_follower']);
      expect(
        await refusal(callAs(MAKER, 'listNotifications', { type: 'auction.bid_placed', category: 'commerce' })),
      ).toBe('functions/invalid-argument');

      // Archive the comb bid: out of the list, read, out of the counts; unarchive: back, still read, counts unchanged.
      const comb = bids.items.find((n) => n.title.includes('comb'))!;
      expect(await callAs(MAKER, 'archiveNotifications', { ids: [comb.id] })).toEqual({ updated: 1 });
      expect(await counts()).toEqual({ unread: 3, byCategory: { commerce: 2, community: 0, social: 1, messaging: 0 } });
      const listed = await callAs<Page>(MAKER, 'listNotifications', {});
      expect(listed.items.map((n) => n.id)).not.toContain(comb.id);
      const archived = await callAs<Page>(MAKER, 'listNotifications', { archived: true });
      expect(archived.items.map((n) => [n.id, n.read])).toEqual([[comb.id, true]]);
      expect(await callAs(MAKER, 'unarchiveNotifications', { ids: [comb.id] })).toEqual({ updated: 1 });
      expect(await callAs(MAKER, 'unarchiveNotifications', { ids: [comb.id] })).toEqual({ updated: 0 });
      const back = await callAs<Page>(MAKER, 'listNotifications', { type: 'auction.bid_placed' });
      expect(back.items.find((n) => n.id === comb.id)).toMatchObject({ archived: false, read: true });
      expect((await counts()).unread).toBe(3);

      // Search over her own notifications: accents and case ignored, every word must match.
      const hit = await callAs<Search>(MAKER, 'searchNotifications', { query: 'CHOPSTICKS' });
      expect(hit.items.map((n) => n.type)).toEqual(['order.new_sale']);
      expect(hit.scanned).toBe(4);
      expect((await callAs<Search>(MAKER, 'searchNotifications', { query: 'chopsticks teapot' })).items).toEqual([]);
      expect((await callAs<Search>(MAKER, 'searchNotifications', { query: 'máki-e' })).items.map((n) => n.id)).toEqual([
        comb.id,
      ]);

      // Another user's token: naming her is refused; her ids passed as one's own act on nothing and read nothing.
      for (const [name, data] of [
        ['listNotifications', { uid: MAKER }],
        ['getUnreadCount', { uid: MAKER }],
        ['searchNotifications', { query: 'chopsticks', uid: MAKER }],
        ['archiveNotifications', { ids: [comb.id], uid: MAKER }],
        ['unarchiveNotifications', { ids: [comb.id], uid: MAKER }],
      ] as const)
        expect(await refusal(callAs(OTHER, name, data)), name).toBe('functions/permission-denied');
      expect(await callAs(OTHER, 'archiveNotifications', { ids: [comb.id] })).toEqual({ updated: 0 });
      expect(await callAs(OTHER, 'deleteNotifications', { ids: stored.map((n) => n.id) })).toEqual({ updated: 0 });
      expect((await callAs<Search>(OTHER, 'searchNotifications', { query: 'chopsticks' })).items).toEqual([]);
      expect((await callAs<Page>(OTHER, 'listNotifications', { type: 'auction.bid_placed' })).items).toEqual([]);
      expect(await store.query(paths.notifications(MAKER))).toHaveLength(4);
      expect((await store.get(paths.notification(MAKER, comb.id))).data).toMatchObject({ archived: false });

      // Retention: a 400-day-old unread notification (written as the delivery path wrote it, with its counts); the
      // deployed sweep deletes it and lowers the total and its category with it.
      const oldId = `old-spotlight-${run}`;
      await store.commit([
        {
          kind: 'create',
          path: paths.notification(MAKER, oldId),
          data: newNotificationDoc({
            eventId: `evt-old-${run}`,
            notificationId: oldId,
            count: 1,
            now: new Date(Date.now() - 400 * DAY),
            rendered: { title: 'You are in the spotlight', body: 'Collectors are reading about your work.' },
            notification: {
              type: 'community.creator_spotlight',
              category: 'community',
              priority: 'medium',
              critical: false,
              vars: {},
              data: { spotlightId: `spot-${run}` },
              groupKey: `community.creator_spotlight:spot-${run}`,
            },
          }),
        },
        {
          kind: 'set',
          path: NotificationCenter.unreadCounterPath(MAKER),
          data: unreadIncrement('community'),
          merge: true,
        },
      ]);
      expect(await counts()).toEqual({ unread: 4, byCategory: { commerce: 2, community: 1, social: 1, messaging: 0 } });
      await runSchedule('retentionDaily');
      expect((await store.get(paths.notification(MAKER, oldId))).exists).toBe(false);
      const after = await counts();
      expect(after).toEqual({ unread: 3, byCategory: { commerce: 2, community: 0, social: 1, messaging: 0 } });
      const unread = await unreadDocs(MAKER);
      expect(after.unread).toBe(unread.length);
      for (const [category, n] of Object.entries(after.byCategory))
        expect(unread.filter((d) => d.category === category).length, category).toBe(n);
      // A second sweep finds nothing of hers and lowers nothing twice.
      await runSchedule('retentionDaily');
      expect(await counts()).toEqual(after);
    },
    CHAIN_MS * 3,
  );
});
