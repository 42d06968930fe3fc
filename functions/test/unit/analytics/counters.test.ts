import { describe, expect, it } from 'vitest';
import { testWorld, as } from '../../support/world.js';
import { concurrentCounting, countingFixture, quietLogger } from '../../support/analyticsCounting.js';
import { analyticsPaths } from '../../../src/domain/analytics/paths.js';
import {
  HEALTH_FIELDS,
  planCounts,
  freshMark,
  deliveryViewSchema,
  sumCounters,
} from '../../../src/domain/analytics/aggregates.js';
import { paths } from '../../../src/domain/paths.js';

const world = async () => {
  const w = await testWorld({ now: '2026-11-21T12:00:00Z' });
  const env = { store: w.store, clock: w.clock, logger: quietLogger, run: 'unit' };
  return { w, env, f: countingFixture(env) };
};

describe('analytics counters (deliveries/ onWrite)', () => {
  it('counts one delivery once per fact however often and in whatever order its versions arrive', async () => {
    const { w, f } = await world();
    const j = f.job(1);
    const versions = await f.lifecycle(j);
    await f.countWithRedelivery(j.deliveryId, versions);
    const totals = await f.daily();
    expect(totals).toMatchObject({ sent: 1, delivered: 1, opened: 1, attempted: 1, latencyCount: 1 });
    expect(totals.failed ?? 0).toBe(0);
    expect(totals.clicked ?? 0).toBe(0);
    expect(totals.cost).toBeCloseTo(0.0079, 10);
    // Bucketed by the record's day, type, channel and the locale it was rendered in.
    const docs = await w.store.query(analyticsPaths.daily(), { where: [['type', '==', f.type]] });
    expect(new Set(docs.map((d) => `${d.data!.day}|${d.data!.channel}|${d.data!.locale}`))).toEqual(
      new Set(['2026-11-21|sms|en']),
    );
    // The backlog gauge went queued → sending → (ended) and is back to zero despite the late, reordered versions.
    const backlog = sumCounters(
      (await w.store.query(analyticsPaths.backlog())).map((d) => d.data!),
      ['queued', 'held', 'sending', 'retrying'],
    );
    expect(backlog).toEqual({});
    const health = sumCounters(
      (await w.store.query(analyticsPaths.health())).map((d) => d.data!),
      HEALTH_FIELDS,
    );
    expect(health).toMatchObject({ sent: 1, attempted: 1, delivered: 1, calls: 1 });
    // SMS spend per day, summed for the dashboard.
    const spend = sumCounters(
      (await w.store.query(analyticsPaths.smsSpendAll())).map((d) => d.data!),
      ['cost', 'messages'],
    );
    expect(spend.messages).toBe(1);
  });

  it('the locale comes from the profile when the version counted first carries no job', async () => {
    const { w, f } = await world();
    const j = f.job(2);
    await w.addUser({ uid: j.uid, locale: 'de-DE' });
    const versions = await f.lifecycle(j);
    await f.countWithRedelivery(j.deliveryId, versions);
    const docs = await w.store.query(analyticsPaths.daily(), { where: [['type', '==', f.type]] });
    expect(docs.map((d) => d.data!.locale)).toEqual(['de-DE']);
  });

  it('stays exact with 40 deliveries counted at once, every event delivered twice', async () => {
    const { env } = await world();
    await concurrentCounting(env, 40);
  });

  it('a failure counts failed and attempted, not sent; a deleted record (TTL) releases its backlog state', async () => {
    const { w, f } = await world();
    const j = f.job(3);
    await w.store.create(paths.delivery(j.deliveryId), {
      deliveryId: j.deliveryId,
      uid: j.uid,
      channel: 'sms',
      type: f.type,
      status: 'sending',
      attempts: 2,
      errors: [{ code: 'circuit-open' }, { code: '30003' }],
      timestamps: { queuedAt: w.clock.now() },
      createdAt: w.clock.now(),
      updatedAt: w.clock.now(),
    });
    await f.counter.onDeliveryWritten(j.deliveryId, await f.snapshot(j.deliveryId));
    let backlog = sumCounters(
      (await w.store.query(analyticsPaths.backlog())).map((d) => d.data!),
      ['retrying'],
    );
    expect(backlog.retrying).toBe(1);
    await f.counter.onDeliveryWritten(j.deliveryId, undefined);
    await f.counter.onDeliveryWritten(j.deliveryId, undefined);
    backlog = sumCounters(
      (await w.store.query(analyticsPaths.backlog())).map((d) => d.data!),
      ['retrying'],
    );
    expect(backlog.retrying ?? 0).toBe(0);
    const health = sumCounters(
      (await w.store.query(analyticsPaths.health())).map((d) => d.data!),
      HEALTH_FIELDS,
    );
    expect(health).toMatchObject({ calls: 2, errors: 2, circuitOpen: 1 });
  });

  it('planCounts: a failed-after-sent SMS (undelivered) counts sent, failed and attempted once', () => {
    const now = new Date('2026-11-21T12:00:00Z');
    const view = deliveryViewSchema.parse({
      uid: 'u',
      channel: 'sms',
      type: 't.x',
      status: 'undelivered',
      createdAt: now,
      updatedAt: now,
      timestamps: { queuedAt: now, sentAt: now, failedAt: now },
    });
    const plan = planCounts(view, freshMark(view, 'en', now, now), now);
    expect(plan.daily).toMatchObject({ sent: 1, failed: 1, attempted: 1 });
    expect(planCounts(view, plan.mark, now).daily).toEqual({});
  });
});

describe('in-app reads and conversions', () => {
  it('an in-app notification counts sent when created and opened when read, once each', async () => {
    const { w } = await world();
    const c = w.services.analytics.counter;
    const createdAt = w.clock.now();
    const n = { type: 'auction.outbid', read: false, readAt: null, createdAt, updatedAt: createdAt };
    await c.onInAppWritten('u1', 'n1', n);
    await c.onInAppWritten('u1', 'n1', n);
    const read = { ...n, read: true, readAt: new Date(createdAt.getTime() + 5000) };
    await Promise.all([c.onInAppWritten('u1', 'n1', read), c.onInAppWritten('u1', 'n1', read)]);
    await c.onInAppWritten('u1', 'n1', n); // a late, older version
    const docs = await w.store.query(analyticsPaths.daily(), { where: [['channel', '==', 'inApp']] });
    expect(
      sumCounters(
        docs.map((d) => d.data!),
        ['sent', 'opened'],
      ),
    ).toEqual({ sent: 1, opened: 1 });
  });

  it('a bid within 24 h of opening a notification converts it, once per notification and once per event', async () => {
    const { w, f } = await world();
    const j = f.job(4);
    await f.countWithRedelivery(j.deliveryId, await f.lifecycle(j));
    const bid = (key: string, minutes: number) => ({
      type: 'auction.bid_placed',
      status: 'received',
      occurredAt: new Date(w.clock.now().getTime() + minutes * 60_000),
      payload: { bidderId: j.uid, auctionId: 'a1' },
    });
    const i = w.services.analytics.interactions;
    expect(await i.onEvent('ev1', bid('ev1', 30))).toBe('converted');
    expect(await i.onEvent('ev1', bid('ev1', 30))).toBe('none'); // the same event redelivered
    expect(await i.onEvent('ev2', bid('ev2', 40))).toBe('none'); // a second bid: the notification converted already
    expect((await f.daily()).converted).toBe(1);
    // Another user's bid, or one outside the window, converts nothing.
    expect(await i.onEvent('ev3', { ...bid('ev3', 30), payload: { bidderId: 'someone', auctionId: 'a1' } })).toBe(
      'none',
    );
    const k = f.job(5);
    await f.countWithRedelivery(k.deliveryId, await f.lifecycle(k));
    expect(await i.onEvent('ev4', { ...bid('ev4', 25 * 60), payload: { bidderId: k.uid, auctionId: 'a1' } })).toBe(
      'none',
    );
    expect((await f.daily()).converted).toBe(1);
  });
});

describe('trackNotificationInteraction', () => {
  it('stamps the caller’s own delivery once; someone else’s reads as not found', async () => {
    const { w, f } = await world();
    const j = f.job(6, 'push');
    await f.lifecycle({ ...j });
    const i = w.services.analytics.interactions;
    await expect(i.track(as('intruder'), { deliveryId: j.deliveryId, action: 'clicked' })).rejects.toMatchObject({
      code: 'not-found',
    });
    expect(await i.track(as(j.uid), { deliveryId: j.deliveryId, action: 'clicked' })).toEqual({ recorded: true });
    expect(await i.track(as(j.uid), { deliveryId: j.deliveryId, action: 'clicked' })).toEqual({ recorded: false });
    const doc = await f.snapshot(j.deliveryId);
    expect(doc!.status).toBe('clicked');
  });
});
