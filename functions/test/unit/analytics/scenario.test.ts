import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSystem } from '../../../src/local/localSystem.js';
import { startLocalSystem } from '../../../src/local/localSystem.js';
import type { ScenarioResult } from '../../../src/local/scenario.js';
import { SCENARIO_START, runScenario } from '../../../src/local/scenario.js';
import { paths } from '../../../src/domain/paths.js';
import { DAILY_FIELDS, sumCounters } from '../../../src/domain/analytics/aggregates.js';
import { analyticsPaths } from '../../../src/domain/analytics/paths.js';

/**
 * The analytics step of `npm start` through the deploy surface (the triggers fire for every write, as in the
 * emulators): the aggregates agree with the raw deliveries they were counted from, the outage opened one incident
 * and one admin notification and closed it, and nothing failed that the step did not expect.
 */
let system: LocalSystem;
let result: ScenarioResult;

beforeAll(async () => {
  system = await startLocalSystem({ now: SCENARIO_START });
  result = await runScenario(system, { only: ['outbid', 'analytics'] });
}, 120_000);
afterAll(() => system?.stop());

describe('npm start: analytics step', () => {
  it('runs without problems', () => {
    expect(result.problems).toEqual([]);
  });

  it('the aggregates equal a count over the raw deliveries, per type × channel', async () => {
    const raw = (await system.store.query(paths.deliveries())).map((d) => d.data!);
    const expected = new Map<string, { sent: number; failed: number; opened: number }>();
    for (const d of raw) {
      const key = `${String(d.type)}|${String(d.channel)}`;
      const e = expected.get(key) ?? { sent: 0, failed: 0, opened: 0 };
      const t = d.timestamps as Record<string, Date>;
      if (t.sentAt || t.deliveredAt || t.openedAt || t.clickedAt) e.sent++;
      if (d.status === 'failed' || d.status === 'undelivered') e.failed++;
      if (t.openedAt || t.clickedAt) e.opened++;
      expected.set(key, e);
    }
    const daily = (await system.store.query(analyticsPaths.daily())).map((d) => d.data!);
    for (const [key, e] of expected) {
      const [type, channel] = key.split('|');
      const c = sumCounters(
        daily.filter((d) => d.type === type && d.channel === channel),
        DAILY_FIELDS,
      );
      expect({ key, sent: c.sent ?? 0, failed: c.failed ?? 0, opened: c.opened ?? 0 }).toEqual({ key, ...e });
    }
    expect(expected.get('auction.outbid|push')!.opened).toBeGreaterThan(0);
  });

  it('the outage opened one incident, notified the admin once, and closed it', async () => {
    const incidents = (await system.store.query(analyticsPaths.incidents())).map((i) => i.data!);
    expect(incidents.map((i) => [i.kind, i.status, i.notified])).toEqual([['error_rate', 'closed', true]]);
    // Told through the pipeline: one ops.delivery_alert event, one notification in the admin's center.
    const alerts = (await system.store.query(paths.notifications('u_admin'))).filter(
      (n) => n.data!.type === 'ops.delivery_alert',
    );
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.data!.title).toBe('Delivery alert: provider error rate');
    const events = await system.store.query(paths.events(), { where: [['type', '==', 'ops.delivery_alert']] });
    expect(events.map((e) => e.data!.status)).toEqual(['processed']);
  });

  it('the experiment counted exposures for both variants and conversions were attributed', async () => {
    const counts = (await system.store.query(analyticsPaths.variantCounts())).map((d) => d.data!);
    expect(new Set(counts.map((c) => c.variant))).toEqual(new Set(['control', 'urgent']));
    const converted = (await system.store.query('analyticsConversions')).filter((c) => c.data!.attributedTo);
    expect(converted.length).toBeGreaterThan(0);
  });
});
