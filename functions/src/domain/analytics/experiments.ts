import { createHash } from 'node:crypto';
import { z } from 'zod';
import { PROVIDER_CHANNELS } from '../channels.js';
import { docId, displayText } from '../validation.js';
import type { Interval, ZTest } from './stats.js';
import { twoProportionZTest, wilsonInterval } from './stats.js';

/**
 * A/B experiments on notification content (issue 19). An admin defines variants with a traffic split for one
 * notification type; each user lands in one variant by a hash of (experiment id, uid): deterministic (no stored
 * assignment to read or lose) and sticky (the same user gets the same variant for the whole experiment), and
 * independent between experiments (the experiment id salts the hash).
 */

const variantId = z.string().regex(/^[a-z0-9_-]{1,32}$/, 'must be 1-32 lower-case letters, digits, _ or -');

export const variantSchema = z.strictObject({
  id: variantId,
  /** Share of traffic in percent; the variants' weights add up to 100. */
  weight: z.number().int().min(0).max(100),
  /** Content overrides; absent means the template's own. */
  title: displayText(200).optional(),
  body: z.string().min(1).max(1000).optional(),
  /** Channel mix: the provider channels this variant may use (absent: as routing decides). */
  channels: z.array(z.enum(PROVIDER_CHANNELS)).min(1).max(3).optional(),
});
export type Variant = z.infer<typeof variantSchema>;

export const defineExperimentSchema = z
  .strictObject({
    experimentId: docId('an experiment id'),
    /** The notification type it runs on, e.g. `auction.outbid`. */
    type: z.string().regex(/^[a-z_]+\.[a-z_]+$/, 'must be a notification type like auction.outbid'),
    variants: z.array(variantSchema).min(2).max(5),
    /** The outcome the results test: opened, clicked or converted per exposure. */
    metric: z.enum(['opened', 'clicked', 'converted']).default('clicked'),
  })
  .superRefine((value, ctx) => {
    const total = value.variants.reduce((sum, v) => sum + v.weight, 0);
    if (total !== 100)
      ctx.addIssue({ code: 'custom', path: ['variants'], message: `weights add up to ${total}, not 100` });
    const ids = new Set(value.variants.map((v) => v.id));
    if (ids.size !== value.variants.length) ctx.addIssue({ code: 'custom', path: ['variants'], message: 'ids repeat' });
  });
export type ExperimentDefinition = z.infer<typeof defineExperimentSchema>;

export const stopExperimentSchema = z.strictObject({
  experimentId: docId('an experiment id'),
  /** The variant to roll out to everyone (its overrides become the type's content); absent: stop without rolling out. */
  rollOut: variantId.optional(),
});

export const experimentResultsSchema = z.strictObject({ experimentId: docId('an experiment id') });

/** Where a user falls in [0, 1): the first 32 bits of SHA-256(experimentId:uid). */
export function bucketOf(experimentId: string, uid: string): number {
  return createHash('sha256').update(`${experimentId}:${uid}`, 'utf8').digest().readUInt32BE(0) / 2 ** 32;
}

/** The user's variant: the first whose cumulative weight passes the user's bucket. */
export function assignVariant(experimentId: string, uid: string, variants: readonly Pick<Variant, 'id' | 'weight'>[]) {
  const point = bucketOf(experimentId, uid) * 100;
  let edge = 0;
  for (const variant of variants) {
    edge += variant.weight;
    if (point < edge) return variant.id;
  }
  return variants[variants.length - 1]!.id;
}

export interface VariantCounts {
  exposures: number;
  opened: number;
  clicked: number;
  converted: number;
}

export interface VariantResult {
  id: string;
  exposures: number;
  successes: number;
  rate: number | undefined;
  interval: Interval;
  /** Against the control (the first variant); absent for the control itself. */
  vsControl?: ZTest & { lift: number | undefined };
}

/** Each variant's rate of `metric` per exposure with its 95 % Wilson interval, and a z-test against the control. */
export function experimentResults(
  metric: 'opened' | 'clicked' | 'converted',
  variants: ReadonlyArray<{ id: string; counts: VariantCounts }>,
): { metric: string; variants: VariantResult[]; winner: string | undefined } {
  const [control] = variants;
  const results = variants.map(({ id, counts }, index): VariantResult => {
    const successes = counts[metric];
    const rate = counts.exposures > 0 ? successes / counts.exposures : undefined;
    const base: VariantResult = {
      id,
      exposures: counts.exposures,
      successes,
      rate,
      interval: wilsonInterval(successes, counts.exposures),
    };
    if (index === 0 || !control) return base;
    const c = { successes: control.counts[metric], trials: control.counts.exposures };
    const test = twoProportionZTest(c, { successes, trials: counts.exposures });
    const controlRate = c.trials > 0 ? c.successes / c.trials : undefined;
    return {
      ...base,
      vsControl: { ...test, lift: controlRate && rate !== undefined ? rate / controlRate - 1 : undefined },
    };
  });
  // A winner only when a challenger beats the control significantly (the best such one).
  const winners = results.filter((r) => r.vsControl?.significant && r.vsControl.z > 0);
  winners.sort((a, b) => (b.rate ?? 0) - (a.rate ?? 0));
  return { metric, variants: results, winner: winners[0]?.id };
}
