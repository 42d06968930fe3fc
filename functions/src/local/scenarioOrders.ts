import { paths } from '../domain/paths.js';
import { errorText } from '../domain/errors.js';
import { socialPaths } from '../domain/social/follows.js';
import { orderPath } from '../app/orders/orderView.js';
import type { ScenarioContext, Step } from './scenario.js';

/**
 * The following and orders step of `npm start` (issue 18): Diego follows Sofia (twice: once counts), the limits refuse
 * a collector and a self-follow, Sofia lists a new piece and her followers hear of it; then an order walks placed →
 * paid → processing → shipped → delivered with one event arriving late, a second order is cancelled by the seller, and
 * the seeded failed payment says why and what happens next. Each order's status view (what the buyer's and seller's
 * listeners see) and who was told what are read back from the stored documents.
 */
const commerce = (ctx: ScenarioContext) => ctx.system.as('svc_commerce');

let n = 0;
async function publish(ctx: ScenarioContext, type: string, payload: Record<string, unknown>, extra = {}) {
  const result = await ctx.system.functions.call<{ eventId: string; status: string }>(
    'publishEvent',
    {
      type,
      idempotencyKey: `scenario:issue18:${type}:${String(payload.orderId ?? payload.listingId)}:${++n}`,
      occurredAt: ctx.system.clock.now().toISOString(),
      payload,
      ...extra,
    },
    commerce(ctx),
  );
  await ctx.system.functions.settle();
  if (result.status !== 'processed') ctx.problems.push(`${type} was ${result.status}`);
  return result.eventId;
}

async function toldAbout(ctx: ScenarioContext, uid: string, types: readonly string[]): Promise<string[]> {
  const list = await ctx.system.store.query(paths.notifications(uid));
  return list
    .map((s) => s.data!)
    .filter((d) => types.includes(String(d.type)))
    .map((d) => `${String(d.type)} "${String(d.title)}: ${String(d.body)}"`);
}

async function showOrder(ctx: ScenarioContext, orderId: string): Promise<Record<string, unknown> | undefined> {
  const view = (await ctx.system.store.get(orderPath(orderId))).data;
  const history = ((view?.history as Array<{ status: string }> | undefined) ?? []).map((h) => h.status).join(' → ');
  ctx.transcript.line(`orders/${orderId}: ${String(view?.status)} (history: ${history || '—'})`);
  return view;
}

export const ordersStep: Step = {
  id: 'ordersAndFollowing',
  title: '13. Following a maker, a new listing to her followers, and orders end to end',
  at: '2026-11-24T18:00:00Z',
  async run(ctx) {
    const { functions, store } = ctx.system;
    const diego = ctx.system.as('u_diego');

    // ── following ──
    const first = await functions.call<{ counts: { followers: number } }>('follow', { creatorId: 'u_sofia' }, diego);
    const again = await functions.call<{ changed: boolean }>('follow', { creatorId: 'u_sofia' }, diego);
    ctx.transcript.line(
      `Diego follows Sofia: followers ${first.counts.followers}; following again changes ${again.changed ? 'something (unexpected)' : 'nothing'}`,
    );
    if (again.changed) ctx.problems.push('a second follow changed something');
    for (const [label, creatorId, who] of [
      ['Omar follows Diego (a collector)', 'u_diego', 'u_omar'],
      ['Sofia follows herself', 'u_sofia', 'u_sofia'],
    ] as const) {
      try {
        await functions.call('follow', { creatorId }, ctx.system.as(who));
        ctx.problems.push(`${label} was allowed`);
      } catch (error) {
        ctx.transcript.detail(`${label} → refused: ${(error as { code?: string }).code ?? ''} "${errorText(error)}"`);
      }
    }
    await functions.call('follow', { creatorId: 'u_sofia' }, ctx.system.as('u_grace'));
    const counts = (await store.get(socialPaths.counts('u_sofia'))).data;
    ctx.transcript.detail(`followCounts/u_sofia: ${String(counts?.followers)} followers (public, exact)`);
    for (const line of await toldAbout(ctx, 'u_sofia', ['social.new_follower']))
      ctx.transcript.detail(`Sofia: ${line}`);

    await publish(
      ctx,
      'social.new_listing',
      {
        listingId: 'lst_filigree_cuff',
        creatorId: 'u_sofia',
        creatorName: 'Sofia Marin',
        title: 'Silver filigree cuff',
        price: 380,
        currency: 'USD',
        imageUrl: 'https://cdn.craft.example/listings/lst_filigree_cuff.jpg',
        url: 'https://craft.example/listings/lst_filigree_cuff',
      },
      { audience: { kind: 'followers', creatorId: 'u_sofia' } },
    );
    for (const uid of ['u_diego', 'u_grace'])
      for (const line of await toldAbout(ctx, uid, ['social.new_listing'])) ctx.transcript.detail(`${uid}: ${line}`);

    // ── an order end to end, one event late ──
    const order = { orderId: 'ord_2001', itemTitle: 'Silver filigree cuff', buyerId: 'u_diego', sellerId: 'u_sofia' };
    const money = { amount: 380, currency: 'USD' };
    await publish(ctx, 'order.placed', { ...order, ...money });
    await publish(ctx, 'order.purchase_confirmed', { ...order, ...money });
    await publish(ctx, 'order.shipped', {
      ...order,
      carrier: 'DHL',
      trackingNumber: 'JD014600006281',
      trackingUrl: 'https://www.dhl.example/track?id=JD014600006281',
    });
    ctx.transcript.line('The "processing" event arrives after "shipped" (a retried producer): the view stays shipped');
    await publish(ctx, 'order.processing', order);
    await publish(ctx, 'order.delivered', order);
    const view = await showOrder(ctx, 'ord_2001');
    if (view?.status !== 'delivered') ctx.problems.push(`ord_2001 is ${String(view?.status)}, not delivered`);
    ctx.transcript.detail(
      `tracking: ${String(view?.carrier)} ${String(view?.trackingNumber)} ${String(view?.trackingUrl)}`,
    );
    const orderTypes = [
      'order.placed',
      'order.purchase_confirmed',
      'order.new_sale',
      'order.processing',
      'order.shipped',
      'order.delivered',
      'order.sale_delivered',
      'order.cancelled',
      'order.sale_cancelled',
      'order.payment_failed',
    ];
    for (const uid of ['u_diego', 'u_sofia'])
      for (const line of await toldAbout(ctx, uid, orderTypes)) ctx.transcript.detail(`${uid}: ${line}`);

    // ── cancelled by the seller ──
    const second = { orderId: 'ord_2002', itemTitle: 'Filigree pendant', buyerId: 'u_omar', sellerId: 'u_sofia' };
    await publish(ctx, 'order.placed', { ...second, amount: 120, currency: 'USD' });
    await publish(ctx, 'order.cancelled', {
      ...second,
      reason: 'The pendant broke during finishing',
      cancelledBy: 'seller',
    });
    const cancelled = await showOrder(ctx, 'ord_2002');
    ctx.transcript.detail(`cancellation: ${JSON.stringify(cancelled?.cancellation ?? null)}`);
    for (const line of await toldAbout(ctx, 'u_omar', orderTypes)) ctx.transcript.detail(`u_omar: ${line}`);

    // ── the seeded failed payment: the reason, and the order on hold until the deadline ──
    await publish(ctx, 'order.payment_failed', {
      orderId: 'ord_1004',
      itemTitle: 'Silver filigree earrings',
      buyerId: 'u_diego',
      sellerId: 'u_sofia',
      amount: 150,
      currency: 'USD',
      reason: 'Card declined: insufficient funds',
      retryBy: '2026-11-26T18:00:00Z',
    });
    const held = await showOrder(ctx, 'ord_1004');
    ctx.transcript.detail(`paymentFailure: ${JSON.stringify(held?.paymentFailure ?? null)}`);
  },
};
