import { describe, expect, it } from 'vitest';
import { normalCdf, twoProportionZTest, wilsonInterval } from '../../../src/domain/analytics/stats.js';
import { assignVariant, experimentResults } from '../../../src/domain/analytics/experiments.js';
import { defineExperimentSchema } from '../../../src/domain/analytics/experiments.js';
import { testWorld, as } from '../../support/world.js';
import { countingFixture, quietLogger } from '../../support/analyticsCounting.js';
import { analyticsPaths } from '../../../src/domain/analytics/paths.js';

/**
 * Reference values computed independently (Python: math.erf and the textbook formulas; scipy.stats.norm agrees):
 * Wilson 95 % for 50/100 = [0.40383, 0.59617], 81/263 = [0.25529, 0.36621], 0/10 = [0, 0.27753];
 * pooled z-test 50/100 vs 60/100: z = 1.42134, p = 0.15522; 200/1000 vs 250/1000: z = 2.67740, p = 0.0074196.
 */
describe('experiment statistics against known values', () => {
  it('Wilson score intervals', () => {
    const cases: Array<[number, number, number, number]> = [
      [50, 100, 0.4038315, 0.5961685],
      [81, 263, 0.2552885, 0.3662096],
      [0, 10, 0, 0.2775328],
    ];
    for (const [x, n, low, high] of cases) {
      const i = wilsonInterval(x, n);
      expect(i.low).toBeCloseTo(low, 6);
      expect(i.high).toBeCloseTo(high, 6);
    }
    expect(wilsonInterval(0, 0)).toEqual({ low: 0, high: 1 });
  });

  it('the normal CDF and the two-proportion z-test', () => {
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 6);
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    const a = twoProportionZTest({ successes: 50, trials: 100 }, { successes: 60, trials: 100 });
    expect(a.z).toBeCloseTo(1.4213381, 6);
    expect(a.pValue).toBeCloseTo(0.1552185, 5);
    expect(a.significant).toBe(false);
    const b = twoProportionZTest({ successes: 200, trials: 1000 }, { successes: 250, trials: 1000 });
    expect(b.z).toBeCloseTo(2.6773978, 6);
    expect(b.pValue).toBeCloseTo(0.0074196, 5);
    expect(b.significant).toBe(true);
    // Too few events for the normal approximation: never significant.
    expect(twoProportionZTest({ successes: 0, trials: 3 }, { successes: 3, trials: 3 }).significant).toBe(false);
  });

  it('results name a winner only when it beats the control significantly', () => {
    const counts = (exposures: number, clicked: number) => ({ exposures, opened: 0, clicked, converted: 0 });
    const r = experimentResults('clicked', [
      { id: 'control', counts: counts(1000, 200) },
      { id: 'short', counts: counts(1000, 250) },
      { id: 'long', counts: counts(1000, 210) },
    ]);
    expect(r.winner).toBe('short');
    expect(r.variants[1]!.vsControl!.lift).toBeCloseTo(0.25, 10);
    expect(r.variants[2]!.vsControl!.significant).toBe(false);
    expect(
      experimentResults('clicked', [
        { id: 'a', counts: counts(100, 50) },
        { id: 'b', counts: counts(100, 60) },
      ]).winner,
    ).toBeUndefined();
  });
});

describe('assignment', () => {
  const variants = [
    { id: 'a', weight: 20 },
    { id: 'b', weight: 80 },
  ];
  it('is deterministic and sticky per user, independent between experiments, and follows the split', () => {
    const users = Array.from({ length: 10_000 }, (_, i) => `user${i}`);
    const first = users.map((u) => assignVariant('exp1', u, variants));
    expect(users.map((u) => assignVariant('exp1', u, variants))).toEqual(first);
    const shareA = first.filter((v) => v === 'a').length / users.length;
    // 10,000 draws at p = 0.2: sd = 0.004, so ±0.02 is five standard deviations.
    expect(Math.abs(shareA - 0.2)).toBeLessThan(0.02);
    const other = users.map((u) => assignVariant('exp2', u, variants));
    expect(other).not.toEqual(first);
  });

  it('definitions: weights add up to 100, ids are unique, every field named', () => {
    const bad = defineExperimentSchema.safeParse({
      experimentId: 'e',
      type: 'auction.outbid',
      variants: [
        { id: 'a', weight: 50 },
        { id: 'a', weight: 40 },
      ],
    });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.message).join(';')).toMatch(
      /add up to 90.*ids repeat|ids repeat.*add up to 90/,
    );
  });
});

describe('experiments end to end (memory)', () => {
  it('admin defines, deliveries count exposures and outcomes per variant, stop rolls the winner out', async () => {
    const w = await testWorld({ now: '2026-11-21T12:00:00Z' });
    const f = countingFixture({ store: w.store, clock: w.clock, logger: quietLogger, run: 'exp' });
    const x = w.services.analytics.experiments;
    const definition = defineExperimentSchema.parse({
      experimentId: 'outbid-copy',
      type: f.type,
      variants: [
        { id: 'control', weight: 50 },
        { id: 'urgent', weight: 50, title: 'You have been outbid: act now' },
      ],
      metric: 'opened',
    });
    await expect(x.define(as('u1'), definition)).rejects.toMatchObject({ code: 'permission-denied' });
    await x.define(as('admin1', 'admin'), definition);
    await expect(x.define(as('admin1', 'admin'), { ...definition, experimentId: 'second' })).rejects.toMatchObject({
      code: 'failed-precondition',
    });
    for (let i = 0; i < 30; i++) {
      const j = f.job(i);
      await f.countWithRedelivery(j.deliveryId, await f.lifecycle(j));
    }
    const results = await x.results(as('admin1', 'admin'), { experimentId: 'outbid-copy' });
    const exposures = results.variants.reduce((s, v) => s + v.exposures, 0);
    expect(exposures).toBe(30);
    const expectedControl = Array.from({ length: 30 }, (_, i) =>
      assignVariant('outbid-copy', `exp_u${i}`, definition.variants),
    ).filter((v) => v === 'control').length;
    expect(results.counts.control!.exposures).toBe(expectedControl);
    expect(results.counts.control!.opened).toBe(expectedControl);
    const content = await x.contentFor('exp_u1', f.type);
    expect(content?.variant).toBe(assignVariant('outbid-copy', 'exp_u1', definition.variants));
    await x.stop(as('admin1', 'admin'), { experimentId: 'outbid-copy', rollOut: 'urgent' });
    expect((await w.store.get(analyticsPaths.contentOverride(f.type))).data).toMatchObject({
      title: 'You have been outbid: act now',
    });
    expect(await x.contentFor('anyone', f.type)).toMatchObject({ title: 'You have been outbid: act now' });
    const audit = await w.store.query('auditLog');
    expect(audit.map((a) => a.data!.action).sort()).toEqual(['experiment.defined', 'experiment.stopped']);
  });
});
