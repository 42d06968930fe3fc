/**
 * Experiment statistics, written out rather than taken from a library so every step can be checked against a
 * textbook and the tests pin known values.
 *
 * - Wilson score interval for a binomial proportion: E. B. Wilson, "Probable inference, the law of succession, and
 *   statistical inference", JASA 22 (1927) 209-212; recommended over the Wald interval by Brown, Cai & DasGupta,
 *   "Interval Estimation for a Binomial Proportion", Statistical Science 16 (2001) 101-133 (it stays inside [0, 1] and
 *   keeps its coverage for small counts and rates near 0 or 1, which is where notification rates live).
 * - Two-proportion z-test with the pooled standard error (e.g. NIST/SEMATECH e-Handbook of Statistical Methods,
 *   §7.3.3 "How can we determine whether two processes produce the same proportion of defectives?").
 * - The standard normal CDF through erf, Abramowitz & Stegun, Handbook of Mathematical Functions, formula 7.1.26
 *   (absolute error below 1.5e-7, far below what a p-value is read to).
 */

/** z for a two-sided 95 % interval (the 97.5th percentile of the standard normal). */
export const Z_95 = 1.959963984540054;

export interface Interval {
  low: number;
  high: number;
}

/** Wilson score interval for `successes` out of `trials` (empty when there are no trials: [0, 1]). */
export function wilsonInterval(successes: number, trials: number, z = Z_95): Interval {
  if (trials <= 0) return { low: 0, high: 1 };
  const p = successes / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denominator;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** erf(x), Abramowitz & Stegun 7.1.26. */
export function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const ax = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * ax);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign * (1 - poly * Math.exp(-ax * ax));
}

/** Φ(z), the standard normal CDF. */
export const normalCdf = (z: number): number => 0.5 * (1 + erf(z / Math.SQRT2));

export interface ZTest {
  /** (p_b − p_a) / pooled standard error; 0 when the test is undefined (no trials, or both rates 0 or 1). */
  z: number;
  /** Two-sided. */
  pValue: number;
  significant: boolean;
}

/**
 * Is B's rate different from A's? Pooled two-proportion z-test, two-sided, at `alpha`. The normal approximation needs
 * enough events on both sides: with fewer than 5 successes or 5 failures in either group the answer is "not
 * significant" whatever z says (the usual rule of thumb, NIST §7.3.3).
 */
export function twoProportionZTest(
  a: { successes: number; trials: number },
  b: { successes: number; trials: number },
  alpha = 0.05,
): ZTest {
  if (a.trials <= 0 || b.trials <= 0) return { z: 0, pValue: 1, significant: false };
  const pa = a.successes / a.trials;
  const pb = b.successes / b.trials;
  const pooled = (a.successes + b.successes) / (a.trials + b.trials);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / a.trials + 1 / b.trials));
  if (se === 0) return { z: 0, pValue: 1, significant: false };
  const z = (pb - pa) / se;
  const pValue = Math.min(1, 2 * (1 - normalCdf(Math.abs(z))));
  const enough = [a, b].every((g) => g.successes >= 5 && g.trials - g.successes >= 5);
  return { z, pValue, significant: enough && pValue < alpha };
}
