import type { Category } from '../domain/channels.js';
import { errorText } from '../domain/errors.js';
import { paths } from '../domain/paths.js';
import type { InAppNotification, UnreadCounts } from '../app/notifications/notificationCenter.js';
import { NotificationCenter, newNotificationDoc, unreadIncrement } from '../app/notifications/notificationCenter.js';
import type { Identity } from './localFunctions.js';
import type { Step } from './scenario.js';

/**
 * The notification center step of `npm start` (issue 18): Hana's center as her app uses it through the callables.
 * Real events reach her (Amelia follows her, bids on two of her auctions and buys a pair of chopsticks); she reads
 * her per-category unread counts, filters by type and by category, archives a bid and takes it back, searches her
 * notifications (a hit and a miss), Amelia's token is refused her center, and the retention sweep deletes a year-old
 * unread notification and the counts drop with it (the counter equals her unread documents afterwards).
 */
const HANA = 'u_hana';
const AMELIA = 'u_amelia';

type Page = { items: Array<Omit<InAppNotification, 'createdAt'> & { createdAt: string }>; nextCursor: string | null };

const countsText = (c: UnreadCounts) =>
  `${c.unread} unread (${Object.entries(c.byCategory)
    .map(([category, n]) => `${category} ${n}`)
    .join(', ')})`;

export const notificationCenterStep: Step = {
  id: 'notificationCenter',
  title: '17. Notification center: counts by category, type filter, archive and back, search, retention',
  at: '2026-11-24T20:30:00Z',
  async run(ctx) {
    const { functions, store, clock } = ctx.system;
    const hana = ctx.system.as(HANA);
    const call = <R>(name: string, data: unknown, who: Identity = hana) => functions.call<R>(name, data, who);
    const counts = () => call<UnreadCounts>('getUnreadCount', {});
    const publish = (event: Record<string, unknown>) =>
      call<{ eventId: string; status: string }>(
        'publishEvent',
        { ...event, occurredAt: clock.now().toISOString() },
        ctx.system.as('svc_commerce'),
      );

    const before = await counts();
    ctx.transcript.line(`Hana opens her notification center: ${countsText(before)}`);

    // What happens to her this evening: each through the way it really comes in.
    await call('follow', { creatorId: HANA }, ctx.system.as(AMELIA));
    for (const [auctionId, auctionTitle, amount] of [
      ['auc_hana_urushi_bowl', 'Urushi bowl, vermilion', 310],
      ['auc_hana_makie_comb', 'Maki-e hair comb', 140],
    ] as const)
      await publish({
        type: 'auction.bid_placed',
        idempotencyKey: `auction:${auctionId}:bid:1`,
        payload: {
          auctionId,
          auctionTitle,
          sellerId: HANA,
          bidderId: AMELIA,
          bidderName: 'Amelia Hart',
          amount,
          currency: 'USD',
        },
      });
    await publish({
      type: 'order.purchase_confirmed',
      idempotencyKey: 'order:ord_hana_3001:confirmed',
      payload: {
        orderId: 'ord_hana_3001',
        itemTitle: 'Lacquered chopsticks, pair',
        buyerId: AMELIA,
        sellerId: HANA,
        amount: 48,
        currency: 'USD',
      },
    });
    const after = await counts();
    ctx.transcript.line(
      `Amelia follows her, bids on two of her auctions and buys her chopsticks → ${countsText(after)}`,
    );
    const delta = (c: Category) => after.byCategory[c] - before.byCategory[c];
    if (delta('commerce') !== 3 || delta('social') !== 1)
      ctx.problems.push(`Hana's counts moved commerce +${delta('commerce')}, social +${delta('social')}, not +3, +1`);

    const bids = await call<Page>('listNotifications', { type: 'auction.bid_placed', limit: 10 });
    ctx.transcript.line(`listNotifications {type: auction.bid_placed} → ${bids.items.length} items`);
    for (const n of bids.items) ctx.transcript.detail(`${n.id}: "${n.title}" (${n.category}, read ${n.read})`);
    if (bids.items.some((n) => n.type !== 'auction.bid_placed'))
      ctx.problems.push('the type filter let another type in');
    const social = await call<Page>('listNotifications', { category: 'social', limit: 10 });
    ctx.transcript.detail(
      `listNotifications {category: social} → ${social.items.length}: ${social.items.map((n) => `"${n.title}"`).join(', ')}`,
    );

    const bid = bids.items.find((n) => n.data.auctionId === 'auc_hana_makie_comb');
    if (!bid) {
      ctx.problems.push('no notification for the bid on the Maki-e hair comb');
      return;
    }
    const archived = await call<{ updated: number }>('archiveNotifications', { ids: [bid.id] });
    const afterArchive = await counts();
    const inArchive = await call<Page>('listNotifications', { archived: true, type: 'auction.bid_placed' });
    ctx.transcript.line(
      `archive the comb bid → updated ${archived.updated}; ${countsText(afterArchive)}; archive holds ${inArchive.items.length} bid(s)`,
    );
    const unarchived = await call<{ updated: number }>('unarchiveNotifications', { ids: [bid.id] });
    const again = await call<{ updated: number }>('unarchiveNotifications', { ids: [bid.id] });
    const back = await call<Page>('listNotifications', { type: 'auction.bid_placed' });
    const restored = back.items.find((n) => n.id === bid.id);
    ctx.transcript.line(
      `unarchive it → updated ${unarchived.updated} (again: ${again.updated}); back in the list ${restored ? 'yes' : 'no'}, read ${String(restored?.read)}; ${countsText(await counts())}`,
    );
    if (!restored || again.updated !== 0) ctx.problems.push('unarchive did not bring the bid back exactly once');

    const hit = await call<{ items: Page['items']; scanned: number }>('searchNotifications', { query: 'chopsticks' });
    ctx.transcript.line(
      `searchNotifications "chopsticks" → ${hit.items.length} of ${hit.scanned} read: ${hit.items.map((n) => `${n.type} "${n.title}"`).join(', ')}`,
    );
    const miss = await call<{ items: Page['items']; scanned: number }>('searchNotifications', { query: 'teapot' });
    ctx.transcript.detail(`searchNotifications "teapot" → ${miss.items.length} of ${miss.scanned} read`);
    if (hit.items.length === 0 || miss.items.length !== 0) ctx.problems.push('search did not find exactly its hit');

    // Another user's token: refused her center, and ids of hers act on nothing (each reads only the caller's own).
    try {
      await call('listNotifications', { uid: HANA }, ctx.system.as(AMELIA));
      ctx.problems.push("Amelia read Hana's notification center");
    } catch (error) {
      ctx.transcript.detail(
        `Amelia asks for Hana's list → refused: ${(error as { code?: string }).code ?? ''} "${errorText(error)}"`,
      );
    }
    const foreign = await call<{ updated: number }>('archiveNotifications', { ids: [bid.id] }, ctx.system.as(AMELIA));
    ctx.transcript.detail(`Amelia archives Hana's notification id → updated ${foreign.updated}`);
    if (foreign.updated !== 0) ctx.problems.push("Amelia's archive reached Hana's notification");

    // A year-old notification she never read, as the delivery path wrote it then (document and counts in one write).
    const lastYear = new Date('2025-11-20T09:00:00Z');
    const oldId = 'evt_2025_spotlight_u_hana';
    await ctx.system.infra.store.commit([
      {
        kind: 'create',
        path: paths.notification(HANA, oldId),
        data: newNotificationDoc({
          eventId: 'evt_2025_spotlight',
          notificationId: oldId,
          count: 1,
          now: lastYear,
          rendered: {
            title: "You are in this week's spotlight",
            body: 'Collectors are reading about your lacquer work.',
          },
          notification: {
            type: 'community.creator_spotlight',
            category: 'community',
            priority: 'medium',
            critical: false,
            vars: {},
            data: { spotlightId: 'spot_2025_47' },
            groupKey: 'community.creator_spotlight:spot_2025_47',
          },
        }),
      },
      {
        kind: 'set',
        path: NotificationCenter.unreadCounterPath(HANA),
        data: unreadIncrement('community'),
        merge: true,
      },
    ]);
    const withOld = await counts();
    await functions.runSchedules(['retentionDaily']);
    const swept = await counts();
    const unreadDocs = (await store.query(paths.notifications(HANA), { where: [['read', '==', false]] })).length;
    const gone = !(await store.get(paths.notification(HANA, oldId))).exists;
    ctx.transcript.line(
      `retentionDaily with a 2025-11-20 unread spotlight in her center: ${countsText(withOld)} → deleted ${gone ? 'yes' : 'no'}, ${countsText(swept)}; unread documents ${unreadDocs}`,
    );
    if (!gone || swept.unread !== withOld.unread - 1 || swept.byCategory.community !== withOld.byCategory.community - 1)
      ctx.problems.push('the retention sweep did not take the old unread notification out of the counts');
    if (swept.unread !== unreadDocs)
      ctx.problems.push(`Hana's unread counter says ${swept.unread}, her unread documents are ${unreadDocs}`);
  },
};
