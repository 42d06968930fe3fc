import { describe, expect, it } from 'vitest';
import type { CallableFunction } from 'firebase-functions/v2/https';
import { testWorld } from '../../support/world.js';
import type { TestWorld } from '../../support/world.js';
import { call } from '../../support/callables.js';
import { TOPICS } from '../../../src/domain/channels.js';
import { analyticsPaths } from '../../../src/domain/analytics/paths.js';
import { healthId, slotOf } from '../../../src/domain/analytics/aggregates.js';
import { paths } from '../../../src/domain/paths.js';
import * as analytics from '../../../src/functions/analytics.js';

const fn = (f: unknown) => f as CallableFunction<unknown, unknown>;

/** Health counters as the delivery counter leaves them: `calls` provider calls, `errors` of them failed. */
async function health(w: TestWorld, values: Record<string, number>) {
  const now = w.clock.now();
  await w.store.set(analyticsPaths.healthDoc(healthId(slotOf(now), 'push', 0)), {
    slot: slotOf(now),
    channel: 'push',
    shard: 0,
    ...values,
  });
}

/**
 * The alert events evaluate() wrote, through the pipeline as onNotificationEventCreated runs it (each document once,
 * as its trigger; twice for the ones named in `again`, as a redelivery), and the notifications they made.
 */
async function deliverAlerts(w: TestWorld, again = false) {
  const events = await w.store.query(paths.events(), { where: [['type', '==', 'ops.delivery_alert']] });
  for (const e of events) {
    await w.services.notifications.pipeline.onDocument(e.id, e.data, `attempt-${e.id}`);
    if (again) await w.services.notifications.pipeline.onDocument(e.id, e.data, `attempt2-${e.id}`);
  }
  return events;
}

describe('delivery alerts', () => {
  it('one incident and one notification per breach, closed when it clears, a new one on the next breach', async () => {
    const w = await testWorld({ now: '2026-11-21T12:00:00Z', users: ['admin1', 'u1'] });
    const alerts = w.services.analytics.alerts;
    await w.store.set(analyticsPaths.alertConfig(), { adminUids: ['admin1'] });
    await health(w, { calls: 100, errors: 3, attempted: 100, failed: 2 });
    expect((await alerts.evaluate()).opened).toEqual([]);

    // Outage: 40 % of calls fail and 30 % of deliveries. Evaluated three times (and twice at once): one incident each.
    w.clock.advance(5 * 60_000);
    await health(w, { calls: 100, errors: 40, attempted: 100, failed: 30 });
    const [first, second] = await Promise.all([alerts.evaluate(), alerts.evaluate()]);
    expect([...first.opened, ...second.opened].sort()).toEqual([
      expect.stringMatching(/^delivery_success_/),
      expect.stringMatching(/^error_rate_/),
    ]);
    await alerts.evaluate();
    const open = await w.store.query(analyticsPaths.incidents(), { where: [['status', '==', 'open']] });
    expect(open).toHaveLength(2);
    // One ops.delivery_alert event per incident, to the configured admins; its trigger redelivered changes nothing.
    const events = await deliverAlerts(w, true);
    expect(
      events
        .map((e) => e.data!.payload as Record<string, unknown>)
        .sort((a, b) => String(a.alertKind).localeCompare(String(b.alertKind))),
    ).toEqual([
      {
        incidentId: expect.stringMatching(/^delivery_success_/),
        alertKind: 'delivery_success',
        value: 0.84,
        threshold: 0.9,
        volume: 200,
        adminIds: ['admin1'],
      },
      {
        incidentId: expect.stringMatching(/^error_rate_/),
        alertKind: 'error_rate',
        value: 0.215,
        threshold: 0.05,
        volume: 200,
        adminIds: ['admin1'],
      },
    ]);
    expect(open.every((i) => i.data!.notified === true)).toBe(true);
    const inbox = await w.store.query(paths.notifications('admin1'));
    expect(inbox).toHaveLength(2);
    expect(inbox.map((n) => n.data!.title).sort()).toEqual([
      'Delivery alert: delivery success',
      'Delivery alert: provider error rate',
    ]);
    expect(inbox.map((n) => [n.data!.type, n.data!.body]).sort()).toEqual([
      ['ops.delivery_alert', '21.5 % of 200 provider calls failed in the last 15 minutes (threshold 5.0 %).'],
      ['ops.delivery_alert', 'Only 84.0 % of 200 deliveries succeeded in the last 15 minutes (threshold 90.0 %).'],
    ]);
    expect(w.publisher.on(TOPICS.push)).toHaveLength(2);
    expect((await w.store.query(paths.notifications('u1'))).length).toBe(0);

    // Recovered: the window (15 minutes) no longer holds the outage's slot.
    w.clock.advance(15 * 60_000);
    await health(w, { calls: 100, errors: 1, attempted: 100, failed: 1 });
    expect((await alerts.evaluate()).closed).toHaveLength(2);
    expect(await w.store.query(analyticsPaths.incidents(), { where: [['status', '==', 'open']] })).toHaveLength(0);

    // A second outage is a second incident.
    w.clock.advance(5 * 60_000);
    await health(w, { calls: 50, errors: 20, attempted: 50, failed: 1 });
    expect((await alerts.evaluate()).opened).toEqual([expect.stringMatching(/^error_rate_/)]);
    await deliverAlerts(w);
    expect(await w.store.query(paths.notifications('admin1'))).toHaveLength(3);
  });

  it('an incident opened with no admin configured is told once admins are named; in their language', async () => {
    const w = await testWorld({ now: '2026-11-21T12:00:00Z' });
    await w.addUser({ uid: 'admin_de', locale: 'de' });
    await w.store.set(analyticsPaths.backlogDoc(0), { queued: 1500 });
    const alerts = w.services.analytics.alerts;
    expect((await alerts.evaluate()).opened).toEqual([expect.stringMatching(/^backlog_/)]);
    expect(await deliverAlerts(w)).toHaveLength(0);
    await w.store.set(analyticsPaths.alertConfig(), { adminUids: ['admin_de'] });
    await alerts.evaluate();
    await alerts.evaluate();
    expect(await deliverAlerts(w)).toHaveLength(1);
    const [note] = await w.store.query(paths.notifications('admin_de'));
    expect(note!.data).toMatchObject({
      type: 'ops.delivery_alert',
      title: 'Zustellungsalarm: Rückstau',
      body: '1500 Zustellungen warten auf den Versand (Schwelle 1000).',
    });
  });

  it('a backlog over 1,000 waiting deliveries is an incident; held digests do not count', async () => {
    const w = await testWorld({ now: '2026-11-21T12:00:00Z' });
    await w.store.set(analyticsPaths.backlogDoc(0), { queued: 600, held: 5000 });
    await w.store.set(analyticsPaths.backlogDoc(1), { retrying: 300 });
    expect((await w.services.analytics.alerts.evaluate()).opened).toEqual([]);
    await w.store.set(analyticsPaths.backlogDoc(2), { sending: 101 });
    expect((await w.services.analytics.alerts.evaluate()).opened).toEqual([expect.stringMatching(/^backlog_/)]);
  });
});

describe('admin dashboard callables', () => {
  it('admin only, validated, audited', async () => {
    const w = await testWorld({ now: '2026-11-21T12:00:00Z', users: ['admin1', 'u1'], install: true });
    await expect(call(fn(analytics.getDeliveryHealth), {}, { uid: 'u1' })).rejects.toMatchObject({
      code: 'permission-denied',
    });
    await expect(call(fn(analytics.getDeliveryHealth), {}, undefined)).rejects.toMatchObject({
      code: 'unauthenticated',
    });
    await expect(
      call(fn(analytics.getAnalyticsSummary), { from: 'yesterday' }, { uid: 'admin1', roles: ['admin'] }),
    ).rejects.toMatchObject({ code: 'invalid-argument', message: expect.stringContaining('from') });
    await expect(
      call(
        fn(analytics.getDeliveryHealth),
        { from: '2026-01-01', to: '2026-11-21' },
        { uid: 'admin1', roles: ['admin'] },
      ),
    ).rejects.toMatchObject({ code: 'invalid-argument' });
    await health(w, { calls: 10, errors: 1, attempted: 10, failed: 1, circuitOpen: 1 });
    const h = await call<{ now: { channels: Array<{ channel: string; breaker: string; errorRate: number }> } }>(
      fn(analytics.getDeliveryHealth),
      {},
      { uid: 'admin1', roles: ['admin'] },
    );
    expect(h.now.channels.find((c) => c.channel === 'push')).toMatchObject({ breaker: 'open', errorRate: 0.1 });
    await call(fn(analytics.getAnalyticsSummary), {}, { uid: 'admin1', roles: ['admin'] });
    const audit = (await w.store.query('auditLog')).map((a) => a.data!.action).sort();
    expect(audit).toEqual(['analytics.health_read', 'analytics.summary_read']);
    await expect(
      call(fn(analytics.trackNotificationInteraction), { deliveryId: 'a/b', action: 'opened' }, { uid: 'u1' }),
    ).rejects.toMatchObject({ code: 'invalid-argument' });
  });
});
