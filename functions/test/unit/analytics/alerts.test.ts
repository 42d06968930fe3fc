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
    const inbox = await w.store.query(paths.notifications('admin1'));
    expect(inbox).toHaveLength(2);
    expect(inbox.map((n) => n.data!.title).sort()).toEqual([
      'Delivery alert: delivery success',
      'Delivery alert: provider error rate',
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
    expect(await w.store.query(paths.notifications('admin1'))).toHaveLength(3);
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
