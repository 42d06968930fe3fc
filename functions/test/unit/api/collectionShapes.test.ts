import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { LocalSystem } from '../../../src/local/localSystem.js';
import { startLocalSystem } from '../../../src/local/localSystem.js';
import { SCENARIO_START, runScenario } from '../../../src/local/scenario.js';
import { counterDoc, rateCounterDoc, userDoc } from '../../../scripts/api/collections.js';

/**
 * The documented document shapes (scripts/api/collections.ts, what app developers code against) against what the
 * system really writes: the whole `npm start` scenario runs, then every profile and counter it left is parsed with its
 * schema, timestamps in the form a client receives them.
 */
let system: LocalSystem;

beforeAll(async () => {
  system = await startLocalSystem({ now: SCENARIO_START });
  await runScenario(system);
}, 120_000);
afterAll(() => system?.stop());

/** Dates as the client SDK's Timestamp fields, as the schemas describe them. */
function asClientSees(value: unknown): unknown {
  if (value instanceof Date) return { seconds: Math.floor(value.getTime() / 1000), nanoseconds: 0 };
  if (Array.isArray(value)) return value.map(asClientSees);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asClientSees(v)]));
  return value;
}

function problems(schema: z.ZodType, docs: Array<{ id: string; data?: Record<string, unknown> }>): string[] {
  return docs.flatMap((d) => {
    const parsed = schema.safeParse(asClientSees(d.data));
    return parsed.success
      ? []
      : [`${d.id}: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`];
  });
}

describe('documented document shapes match what the system writes', () => {
  it('users/{uid}: every profile, staff mirror, seller flag and moderation outcome included', async () => {
    const users = await system.infra.store.query('users');
    expect(users.length).toBeGreaterThan(5);
    expect(users.some((u) => u.data?.staffRoles !== undefined)).toBe(true);
    expect(users.some((u) => u.data?.sells === true)).toBe(true);
    expect(users.some((u) => u.data?.moderation !== undefined)).toBe(true);
    expect(problems(userDoc, users)).toEqual([]);
  });

  it('users/{uid}/counters: the unread badge and the daily rate counters', async () => {
    const counters = await system.infra.store.queryGroup('counters');
    const badges = counters.filter((c) => c.id === 'notifications');
    const rates = counters.filter((c) => c.id.startsWith('rate_'));
    expect(badges.length).toBeGreaterThan(0);
    expect(rates.length).toBeGreaterThan(0);
    expect(problems(counterDoc, badges)).toEqual([]);
    expect(problems(rateCounterDoc, rates)).toEqual([]);
  });
});
