import { deliveryId } from '../domain/delivery.js';
import { localDay } from '../domain/notifications/schedule.js';
import { LIMITS, profileRole } from '../domain/notifications/limits.js';
import type { RecipientRole } from '../domain/notifications/limits.js';
import { paths } from '../domain/paths.js';
import { rateCounterPath } from '../app/notifications/rateLimits.js';
import { seededAuthAccounts } from './seededAuth.js';
import type { ScenarioContext, Step } from './scenario.js';

/**
 * The limits step of `npm start` (issue 18): the limits table applied per role. Rita (admin) makes Nora an admin with
 * setStaffRoles (Auth claims and the profile's `staffRoles` mirror); Jonas, a collector, lists an auction and the
 * events/ trigger flags him as a seller (`sells: true`). Two paid orders then reach a buyer, a seller, a creator and an
 * admin, and each one's rate-limit counters show the row the table gives their role. Last, Jonas and Nora are both at
 * 100 emails today: the next order's email to Jonas is suppressed (`rate_limited`: the seller row ends at 100), Nora's
 * goes (the admin row allows 200).
 */
export const LIMIT_USERS = { buyer: 'u_eva', seller: 'u_jonas', creator: 'u_lena', admin: 'u_nora' } as const;

async function writeEvent(ctx: ScenarioContext, eventId: string, event: Record<string, unknown>): Promise<void> {
  await ctx.system.infra.store.create(paths.event(eventId), {
    ...event,
    occurredAt: ctx.system.clock.now().toISOString(),
  });
  await ctx.system.functions.settle();
}

const purchase = (orderId: string, buyerId: string, sellerId: string, itemTitle: string, amount: number) => ({
  type: 'order.purchase_confirmed',
  idempotencyKey: `order:${orderId}:paid`,
  payload: { orderId, itemTitle, buyerId, sellerId, amount, currency: 'EUR' },
});

/**
 * The user's counter for `channel` today (their local day), as the limiter wrote it: the channel's map of their day
 * document (`count`, `limit`) with the day's `role`; `path` is the day document.
 */
export async function counterOf(
  ctx: Pick<ScenarioContext, 'system'>,
  uid: string,
  channel: 'email' | 'inApp',
): Promise<{ path: string; data: Record<string, unknown> | undefined }> {
  const { store, clock } = ctx.system;
  const profile = (await store.get(paths.user(uid))).data;
  const path = rateCounterPath(uid, localDay(clock.now(), String(profile?.timeZone ?? 'UTC')));
  const doc = (await store.get(path)).data;
  const counter = doc?.[channel] as Record<string, unknown> | undefined;
  return { path, data: counter && { ...counter, role: doc?.role } };
}

export const limitsStep: Step = {
  id: 'limitsPerRole',
  title: '18. Limits per role: an admin by setStaffRoles, a seller by a listing, each role its row of the table',
  // Late morning in Europe, where the four users live: no quiet hours hold their email.
  at: '2026-11-25T10:00:00Z',
  async run(ctx) {
    const { functions, store } = ctx.system;
    const { buyer, seller, creator, admin } = LIMIT_USERS;

    await seededAuthAccounts(ctx, 'u_admin', admin);
    const granted = await functions.call<{ roles: string[]; changed: boolean; mirrored: boolean }>(
      'setStaffRoles',
      { uid: admin, roles: ['admin'], reason: 'Nora joins Trust & Safety' },
      ctx.system.as('u_admin'),
    );
    const account = await ctx.system.infra.accounts.getAccount(admin);
    ctx.transcript.line(
      `Rita calls setStaffRoles(${admin}, [admin]) → roles ${granted.roles.join(',')}, changed ${granted.changed}; ` +
        `Auth claims ${JSON.stringify(account?.customClaims ?? {})}; users/${admin}.staffRoles ` +
        JSON.stringify((await store.get(paths.user(admin))).data?.staffRoles),
    );
    const audit = (await store.query('auditLog', { where: [['action', '==', 'staff.roles_set']] })).length;
    ctx.transcript.detail(`audit entries staff.roles_set: ${audit}`);
    const again = await functions.call<{ changed: boolean }>(
      'setStaffRoles',
      { uid: admin, roles: ['admin'], reason: 'Nora joins Trust & Safety' },
      ctx.system.as('u_admin'),
    );
    ctx.transcript.detail(`the same call again → changed ${again.changed}`);
    if (!granted.changed || again.changed) ctx.problems.push('setStaffRoles was not applied once');

    await writeEvent(ctx, 'listed_auc_birch_spoon', {
      type: 'auction.listed',
      idempotencyKey: 'auction:auc_birch_spoon:listed',
      payload: {
        auctionId: 'auc_birch_spoon',
        auctionTitle: 'Carved birch spoon',
        sellerId: seller,
        endsAt: '2026-11-28T18:00:00Z',
      },
    });
    ctx.transcript.line(
      `Jonas lists "Carved birch spoon" (auction.listed, events/) → users/${seller}.sells ` +
        String((await store.get(paths.user(seller))).data?.sells),
    );

    // Two paid orders: Eva buys from Jonas, Nora from Lena. Each tells the buyer and the seller.
    await writeEvent(ctx, 'paid_ord_spoon_1', purchase('ord_spoon_1', buyer, seller, 'Carved birch spoon', 38));
    await writeEvent(ctx, 'paid_ord_cup_7', purchase('ord_cup_7', admin, creator, 'Celadon tea cup', 64));
    for (const [label, uid] of Object.entries(LIMIT_USERS)) {
      const role: RecipientRole = profileRole((await store.get(paths.user(uid))).data);
      const parts: string[] = [];
      for (const channel of ['email', 'inApp'] as const) {
        const { data } = await counterOf(ctx, uid, channel);
        parts.push(
          `${channel} ${String(data?.count ?? 0)}/${String(data?.limit ?? '–')} (${String(data?.role ?? '–')})`,
        );
        if (data && data.limit !== LIMITS[role][channel])
          ctx.problems.push(`${uid}: ${channel} limit ${String(data.limit)}, the table says ${LIMITS[role][channel]}`);
      }
      if (role !== label) ctx.problems.push(`${uid} reads as ${role}, expected ${label}`);
      ctx.transcript.detail(`${label} ${uid}: role ${role}; today ${parts.join(', ')}`);
    }

    // As if each had already had 100 emails today: the seller's row ends there, the admin's does not.
    for (const uid of [seller, admin]) {
      const { path } = await counterOf(ctx, uid, 'email');
      await store.set(path, { email: { count: 100 } }, { merge: true });
    }
    await writeEvent(ctx, 'paid_ord_bowl_3', purchase('ord_bowl_3', admin, seller, 'Birch bowl', 120));
    ctx.transcript.line('Jonas and Nora at 100 emails today; Nora buys "Birch bowl" from Jonas:');
    for (const uid of [seller, admin]) {
      const last = (await store.get(paths.delivery(deliveryId('paid_ord_bowl_3', uid, 'email')))).data;
      const { data } = await counterOf(ctx, uid, 'email');
      ctx.transcript.detail(
        `${uid}: email ${String(last?.status)}${last?.reason ? ` (${String(last.reason)})` : ''}; counter ${String(data?.count)}/${String(data?.limit)}`,
      );
    }
  },
};
