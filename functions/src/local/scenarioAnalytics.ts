import { paths } from '../domain/paths.js';
import { ProviderError } from '../domain/delivery/providerError.js';
import { TOPICS } from '../domain/channels.js';
import type { ScenarioContext, Step } from './scenario.js';

/**
 * The analytics step of `npm start` (issue 19): an admin starts an experiment on the outbid notification, a run of
 * bids outbids people (some open their push, one bids again: a conversion), FCM goes down for a while (the alert
 * evaluation opens one incident and notifies the admin once, then closes it when FCM is back), and the admin reads
 * the summary, the experiment's result and delivery health back from the stored aggregates.
 */
const BIDDERS = ['u_jonas', 'u_ben', 'u_lena', 'u_arjun', 'u_priya', 'u_claire', 'u_grace', 'u_nora'] as const;
const pct = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`);

let bidCounter = 0;
async function bid(ctx: ScenarioContext, bidderId: string, previousBidderId: string): Promise<string> {
  const n = ++bidCounter;
  const result = await ctx.system.functions.call<{ eventId: string }>(
    'publishEvent',
    {
      type: 'auction.bid_placed',
      idempotencyKey: `auction:auc_analytics_demo:bid:${n}`,
      occurredAt: ctx.system.clock.now().toISOString(),
      payload: {
        auctionId: 'auc_walnut_bowl',
        auctionTitle: 'Walnut bowl, hand-turned',
        sellerId: 'u_maya',
        bidderId,
        bidderName: bidderId.slice(2),
        amount: 200 + n * 5,
        currency: 'USD',
        previousBidderId,
      },
    },
    ctx.system.as('svc_commerce'),
  );
  await ctx.system.functions.settle();
  return result.eventId;
}

async function pushDeliveryOf(ctx: ScenarioContext, eventId: string, uid: string) {
  const found = await ctx.system.store.query(paths.deliveries(), {
    where: [
      ['eventId', '==', eventId],
      ['uid', '==', uid],
      ['channel', '==', 'push'],
    ],
  });
  return found[0]?.data;
}

export const analyticsStep: Step = {
  id: 'analytics',
  title: '12. Analytics: an experiment, a provider outage and its alert, the summary from the aggregates',
  at: '2026-11-24T16:30:00Z',
  async run(ctx) {
    const { functions, senders, clock, store } = ctx.system;
    const admin = ctx.system.as('u_admin');
    await functions.call('setAlertRecipients', { adminUids: ['u_admin'] }, admin);
    await functions.call(
      'defineExperiment',
      {
        experimentId: 'outbid-copy',
        type: 'auction.outbid',
        variants: [
          { id: 'control', weight: 50 },
          { id: 'urgent', weight: 50, title: 'You were outbid: bid again before it ends' },
        ],
        metric: 'opened',
      },
      admin,
    );
    ctx.transcript.line(
      'Rita (admin) names herself alert recipient and starts experiment outbid-copy (50/50, metric: opened)',
    );

    // A run of bids: each outbids the previous bidder; every other outbid user opens the push, one of them bids again.
    let opened = 0;
    for (let i = 0; i < 16; i++) {
      const bidder = BIDDERS[(i + 1) % BIDDERS.length]!;
      const previous = BIDDERS[i % BIDDERS.length]!;
      const eventId = await bid(ctx, bidder, previous);
      const outbid = await pushDeliveryOf(ctx, eventId, previous);
      if (outbid && i % 2 === 0 && outbid.status !== 'batched') {
        clock.advance(60_000);
        await functions.call(
          'trackNotificationInteraction',
          { deliveryId: outbid.deliveryId, action: 'opened' },
          ctx.system.as(previous),
        );
        opened++;
      }
      await functions.settle();
      clock.advance(60_000);
    }
    ctx.transcript.line(
      `16 bids outbid 8 people in turn; ${opened} outbid pushes opened through trackNotificationInteraction`,
    );

    // FCM is down: every push call answers 503. The deliveries retry (Pub/Sub would redeliver), the breaker opens.
    const busErrorsBefore = functions.busErrors.length;
    senders.push.fail = () => new ProviderError('fcm', true, 'unavailable', 'sandbox outage: FCM answers 503');
    for (let i = 0; i < 8; i++) await bid(ctx, BIDDERS[(i + 3) % BIDDERS.length]!, BIDDERS[(i + 2) % BIDDERS.length]!);
    clock.advance(5 * 60_000);
    await functions.runSchedules(['evaluateDeliveryAlerts']);
    const incidents = await store.query('analyticsIncidents', { where: [['status', '==', 'open']] });
    ctx.transcript.line(
      `FCM outage: ${functions.busErrors.length - busErrorsBefore} push batches left for Pub/Sub to redeliver; alert evaluation opens ${incidents.length} incident(s): ${incidents.map((i) => `${String(i.data?.kind)} ${pct(i.data?.value as number)}`).join(', ')}`,
    );
    // The redeliveries the outage asked for are expected here, not problems of the run.
    functions.busErrors.splice(busErrorsBefore);
    clock.advance(5 * 60_000);
    await functions.runSchedules(['evaluateDeliveryAlerts']);
    // The alert is an ops.delivery_alert event through the pipeline (the events/ trigger runs in this local run too).
    const alerts = (await store.query(paths.notifications('u_admin'))).filter(
      (n) => n.data?.type === 'ops.delivery_alert',
    );
    for (const a of alerts)
      ctx.transcript.detail(`Rita's notification center: "${String(a.data?.title)}": ${String(a.data?.body)}`);
    ctx.transcript.detail(
      `evaluated twice during the outage: ${alerts.length} alert notification(s), one per incident`,
    );

    // FCM is back: Pub/Sub redelivers the jobs still waiting; 20 minutes later the window is clean and incidents close.
    senders.push.fail = undefined;
    // The breaker half-opens after real milliseconds (memory delivery: 50 ms), not on the scenario's clock.
    await new Promise((resolve) => setTimeout(resolve, 120));
    const waiting = [];
    for (const message of ctx.system.publisher.on(TOPICS.push)) {
      const data = message.data as { deliveryId?: string; jobs?: Array<{ deliveryId: string }> };
      const ids = data.jobs?.map((j) => j.deliveryId) ?? (data.deliveryId ? [data.deliveryId] : []);
      const statuses = await Promise.all(ids.map(async (id) => (await store.get(paths.delivery(id))).data?.status));
      if (statuses.includes('sending')) waiting.push(message);
    }
    for (const message of waiting) await ctx.system.publisher.redeliver(message);
    await functions.settle();
    clock.advance(20 * 60_000);
    await functions.runSchedules(['evaluateDeliveryAlerts']);
    const closed = await store.query('analyticsIncidents', { where: [['status', '==', 'closed']] });
    ctx.transcript.line(`FCM back: ${waiting.length} push batch(es) redelivered; ${closed.length} incident(s) closed`);

    const day = { from: '2026-11-23', to: '2026-11-24' };
    const summary = await functions.call<{
      rows: Array<Record<string, number | string | null>>;
    }>('getAnalyticsSummary', day, admin);
    ctx.transcript.line(`Analytics summary ${day.from} – ${day.to} (from analyticsDaily, per type × channel):`);
    for (const r of summary.rows)
      ctx.transcript.detail(
        `${String(r.type)} · ${String(r.channel)}: sent ${String(r.sent)}, delivered ${String(r.delivered)}, failed ${String(r.failed)}, opened ${String(r.opened)} (${pct(r.openRate as number | null)}), clicked ${String(r.clicked)}, converted ${String(r.converted)} (${pct(r.conversionRate as number | null)})`,
      );
    const result = await functions.call<{
      variants: Array<{
        id: string;
        exposures: number;
        successes: number;
        rate: number | undefined;
        interval: { low: number; high: number };
        vsControl?: { z: number; pValue: number; significant: boolean };
      }>;
      winner?: string;
    }>('getExperimentResults', { experimentId: 'outbid-copy' }, admin);
    ctx.transcript.line(
      'Experiment outbid-copy (opened per exposure, 95% Wilson interval, two-proportion z-test vs control):',
    );
    for (const v of result.variants)
      ctx.transcript.detail(
        `${v.id}: ${v.successes}/${v.exposures} = ${pct(v.rate)} [${pct(v.interval.low)}, ${pct(v.interval.high)}]${v.vsControl ? `, z = ${v.vsControl.z.toFixed(2)}, p = ${v.vsControl.pValue.toFixed(3)}, ${v.vsControl.significant ? 'significant' : 'not significant'}` : ''}`,
      );
    ctx.transcript.detail(`winner: ${result.winner ?? 'none yet (keep it running)'}`);
    const health = await functions.call<{
      backlog: Record<string, number>;
      now: {
        channels: Array<{ channel: string; breaker: string; errorRate: number | null; successRate: number | null }>;
      };
      smsSpend: Array<{ day: string; cost?: number; unit: string }>;
      overTime: Array<{ day: string; channel: string; successRate: number | null; avgLatencyMs: number | null }>;
    }>('getDeliveryHealth', day, admin);
    ctx.transcript.line(
      `Delivery health per day: ${health.overTime.map((d) => `${d.day.slice(5)} ${d.channel} success ${pct(d.successRate)}, latency ${d.avgLatencyMs === null ? '—' : `${Math.round(d.avgLatencyMs)} ms`}`).join('; ')}`,
    );
    ctx.transcript.line(
      `Delivery health now: ${health.now.channels.map((c) => `${c.channel} success ${pct(c.successRate)}, errors ${pct(c.errorRate)}, breaker ${c.breaker}`).join('; ')}`,
    );
    ctx.transcript.detail(
      `backlog: ${Object.entries(health.backlog)
        .map(([k, v]) => `${k} ${v}`)
        .join(
          ', ',
        )}; SMS spend: ${health.smsSpend.map((s) => `${s.day} ${(s.cost ?? 0).toFixed(4)} ${s.unit}`).join(', ') || 'none'}`,
    );
  },
};
