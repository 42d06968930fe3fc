import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * Notification analytics counters (issue 19), as pure functions of a delivery record and what was already counted
 * for it.
 *
 * How counts stay exact: a `deliveries/{id}` onWrite trigger (src/app/analytics/deliveryCounter.ts) counts, in ONE
 * transaction, the increments below together with a per-delivery marker `analyticsMarks/{deliveryId}` that lists what
 * was counted. A trigger event that is delivered twice, or two events that both show `sentAt` (an update after the
 * one that set it), find the marker and add nothing; events arriving out of order only ever add what the marker does
 * not have yet, because every counted fact is "the record has reached X" (a first-time timestamp), never "this write
 * moved it". Comparing before/after alone would not be enough: a redelivered event has the same before/after and
 * would count twice. The trigger sees every writer (routing, channel delivery, provider events, the sweeper,
 * messaging's chat pushes) without a line in any of them.
 *
 * Where they go (kept indefinitely: no TTL on these collections, while deliveries and markers expire after a year):
 * - `analyticsDaily/{day}__{type}__{channel}__{locale}__{shard}`: per day (UTC day the delivery was created: a
 *   cohort, so "opened / sent" compares the same deliveries) × notification type × channel × locale.
 * - `analyticsHealth/{5-minute slot}__{channel}__{shard}`: delivery health when it happened (alerts, dashboard "now").
 * - `analyticsBacklog/{shard}`: how many deliveries are queued, held (batched for a digest), sending, retrying now.
 * Every counter document is one of SHARDS shards picked by a hash of the delivery id: Firestore sustains about one
 * write per second per document, and a burst of sends for one type/channel/locale would queue on a single document.
 * Readers sum the shards.
 */

export const SHARDS = 8;
/** Health buckets: alerts look at the last three (15 minutes). */
export const HEALTH_SLOT_MS = 5 * 60_000;

/** Counted once per delivery (per in-app notification for `inApp`). */
export const COUNTERS = [
  'sent',
  'delivered',
  'failed',
  'opened',
  'clicked',
  'converted',
  /** Policy said no (preferences, quiet hours beyond the digest, limits, unverified contact, stale). */
  'suppressed',
  /** Reached the provider's answer: sent or failed. Success rate = (attempted − failed) / attempted. */
  'attempted',
] as const;
export type Counter = (typeof COUNTERS)[number];

export const BACKLOG_STATES = ['queued', 'held', 'sending', 'retrying'] as const;
export type BacklogState = (typeof BACKLOG_STATES)[number];
/** How far along each state is (null: past the backlog, ended). */
const BACKLOG_RANK: ReadonlyArray<BacklogState | null> = ['queued', 'held', 'sending', 'retrying', null];

const date = z.union([z.date(), z.string().pipe(z.coerce.date())]);

/** What the counters read from `deliveries/{id}` (server-written; read tolerantly, anything missing counts as absent). */
export const deliveryViewSchema = z.object({
  deliveryId: z.string().optional(),
  uid: z.string().optional(),
  channel: z.string().default('unknown'),
  type: z.string().default('unknown'),
  status: z.string().default('queued'),
  createdAt: date.optional(),
  updatedAt: date.optional(),
  timestamps: z.record(z.string(), date.nullable().catch(null)).default({}),
  attempts: z.number().catch(0).default(0),
  errors: z.array(z.unknown()).catch([]).default([]),
  price: z.number().optional().catch(undefined),
  priceUnit: z.string().optional().catch(undefined),
  /** The in-flight job, kept while sending: carries the locale the content was rendered in. */
  job: z.object({ locale: z.string().optional() }).passthrough().optional().catch(undefined),
});
export type DeliveryView = z.infer<typeof deliveryViewSchema>;

/** `analyticsMarks/{deliveryId}`: what has been counted for one delivery, and the bucket it counts into. */
export interface Mark {
  day: string;
  type: string;
  channel: string;
  locale: string;
  counted: Partial<Record<Counter | 'cost' | 'latency', boolean>>;
  /** Provider calls and errors counted so far (they grow; only the growth is added). */
  calls: number;
  errors: number;
  /** The backlog state counted for this delivery and the record time it was read from (older events do not move it). */
  backlog: BacklogState | null;
  backlogAt: Date | null;
  experiment?: { experimentId: string; variant: string };
  expiresAt?: Date;
}

export const dayOf = (at: Date): string => at.toISOString().slice(0, 10);
export const slotOf = (at: Date): string =>
  new Date(Math.floor(at.getTime() / HEALTH_SLOT_MS) * HEALTH_SLOT_MS).toISOString().slice(0, 16);

export function shardOf(key: string, shards = SHARDS): number {
  return createHash('sha256').update(key, 'utf8').digest().readUInt32BE(0) % shards;
}

/** Doc ids may not contain `/`; types, channels and locales never do, but a stray one must not become a path. */
const part = (value: string) => value.replace(/[/]/g, '_').slice(0, 100) || 'unknown';
export const dailyId = (k: { day: string; type: string; channel: string; locale: string }, shard: number) =>
  `${k.day}__${part(k.type)}__${part(k.channel)}__${part(k.locale)}__${shard}`;
export const healthId = (slot: string, channel: string, shard: number) => `${slot}__${part(channel)}__${shard}`;

const stamp = (v: DeliveryView, field: string): Date | undefined => v.timestamps[field] ?? undefined;

/** The facts a record shows, each a first-time timestamp (or a status the record can only reach forward). */
export function reached(v: DeliveryView): Partial<Record<Counter, Date>> {
  const out: Partial<Record<Counter, Date>> = {};
  const sent = stamp(v, 'sentAt') ?? stamp(v, 'deliveredAt') ?? stamp(v, 'openedAt') ?? stamp(v, 'clickedAt');
  const failedStatus = v.status === 'failed' || v.status === 'undelivered';
  const failed = failedStatus ? (stamp(v, 'failedAt') ?? v.updatedAt ?? v.createdAt) : undefined;
  if (sent) out.sent = sent;
  if (stamp(v, 'deliveredAt')) out.delivered = stamp(v, 'deliveredAt');
  if (failed) out.failed = failed;
  const attempted = [sent, failed].filter((d): d is Date => d !== undefined).sort((a, b) => +a - +b)[0];
  if (attempted) out.attempted = attempted;
  const opened = stamp(v, 'openedAt') ?? stamp(v, 'clickedAt');
  if (opened) out.opened = opened;
  if (stamp(v, 'clickedAt')) out.clicked = stamp(v, 'clickedAt');
  const suppressed = stamp(v, 'suppressedAt') ?? stamp(v, 'staleAt');
  if (suppressed && (v.status === 'suppressed' || v.status === 'stale')) out.suppressed = suppressed;
  return out;
}

export function backlogState(v: DeliveryView | undefined): BacklogState | null {
  if (!v) return null;
  if (v.status === 'queued') return 'queued';
  if (v.status === 'batched') return 'held';
  if (v.status === 'sending') return v.errors.length > 0 ? 'retrying' : 'sending';
  return null;
}

export type Increments = Record<string, number>;

export interface CountPlan {
  /** Increments on the daily bucket (counter names, `cost`, `latencyMs`, `latencyCount`). */
  daily: Increments;
  /** Increments on the health slot, by slot (a sent and a failure may fall in different slots). */
  health: Record<string, Increments>;
  /** Increments on the backlog gauge. */
  backlog: Increments;
  /** Increments on the experiment variant, when the delivery is in one. */
  variant: Increments;
  mark: Mark;
  /** SMS spend unit, when cost is counted. */
  costUnit?: string;
}

const add = (into: Increments, key: string, by: number) => {
  if (by !== 0) into[key] = (into[key] ?? 0) + by;
};

/**
 * What to add for this version of the record, given what was counted (`mark`, or a fresh one from `fresh`).
 * `after` undefined: the record was deleted (its TTL): only its backlog state is released.
 */
export function planCounts(after: DeliveryView | undefined, mark: Mark, now: Date): CountPlan {
  const next: Mark = { ...mark, counted: { ...mark.counted } };
  const plan: CountPlan = { daily: {}, health: {}, backlog: {}, variant: {}, mark: next };
  const healthAt = (at: Date | undefined, key: string, by: number) => {
    if (by === 0) return;
    const slot = slotOf(at ?? now);
    add((plan.health[slot] ??= {}), key, by);
  };

  // Backlog gauge: follows the latest record state; an older event (updatedAt before the one counted) is ignored.
  // Two versions written in the same millisecond: the one further along wins (a delivery never goes back to queued).
  const at = after?.updatedAt ?? after?.createdAt ?? now;
  const state = backlogState(after);
  const since = mark.backlogAt?.getTime();
  const newer =
    since === undefined ||
    !after ||
    at.getTime() > since ||
    (at.getTime() === since && BACKLOG_RANK.indexOf(state) > BACKLOG_RANK.indexOf(mark.backlog));
  if (newer && state !== mark.backlog) {
    if (mark.backlog) add(plan.backlog, mark.backlog, -1);
    if (state) add(plan.backlog, state, 1);
    next.backlog = state;
    next.backlogAt = after ? at : mark.backlogAt;
  }
  if (!after) return plan;

  for (const [counter, when] of Object.entries(reached(after)) as [Counter, Date][]) {
    if (next.counted[counter]) continue;
    next.counted[counter] = true;
    add(plan.daily, counter, 1);
    if (counter === 'sent' || counter === 'failed' || counter === 'attempted' || counter === 'delivered')
      healthAt(when, counter, 1);
    if (next.experiment && (counter === 'sent' || counter === 'opened' || counter === 'clicked'))
      add(plan.variant, counter === 'sent' ? 'exposures' : counter, 1);
  }
  // Latency: queued (or created) to accepted by the provider, once.
  const sentAt = stamp(after, 'sentAt');
  const queuedAt = stamp(after, 'queuedAt') ?? after.createdAt;
  if (sentAt && queuedAt && !next.counted.latency) {
    next.counted.latency = true;
    const ms = Math.max(0, sentAt.getTime() - queuedAt.getTime());
    add(plan.daily, 'latencyMs', ms);
    add(plan.daily, 'latencyCount', 1);
    healthAt(sentAt, 'latencyMs', ms);
    healthAt(sentAt, 'latencyCount', 1);
  }
  if (after.price !== undefined && !next.counted.cost) {
    next.counted.cost = true;
    // Twilio reports prices as negative amounts (money leaving the account); spend is counted positive.
    add(plan.daily, 'cost', Math.abs(after.price));
    plan.costUnit = after.priceUnit ?? 'USD';
  }
  // Provider calls and errors only grow on a record: count the growth (the error rate of the health slots).
  const errors = after.errors.length;
  if (after.attempts > next.calls) {
    healthAt(after.updatedAt, 'calls', after.attempts - next.calls);
    next.calls = after.attempts;
  }
  if (errors > next.errors) {
    healthAt(after.updatedAt, 'errors', errors - next.errors);
    // Calls refused by an open circuit breaker: how the dashboard knows a breaker is open on the delivery instances.
    const refused = after.errors
      .slice(next.errors)
      .filter((e) => (e as { code?: unknown } | null)?.code === 'circuit-open').length;
    healthAt(after.updatedAt, 'circuitOpen', refused);
    next.errors = errors;
  }
  return plan;
}

/** A new delivery's marker: its bucket is fixed at first sight (a later locale change does not move past counts). */
export function freshMark(v: DeliveryView, locale: string, now: Date, expiresAt: Date): Mark {
  return {
    day: dayOf(v.createdAt ?? now),
    type: v.type,
    channel: v.channel,
    locale,
    counted: {},
    calls: 0,
    errors: 0,
    backlog: null,
    backlogAt: null,
    expiresAt,
  };
}

/** Sums counter documents (shards) field by field. */
export function sumCounters(docs: ReadonlyArray<Record<string, unknown>>, fields: readonly string[]): Increments {
  const out: Increments = {};
  for (const doc of docs) for (const f of fields) if (typeof doc[f] === 'number') add(out, f, doc[f] as number);
  return out;
}

export const DAILY_FIELDS = [...COUNTERS, 'cost', 'latencyMs', 'latencyCount'] as const;
export const HEALTH_FIELDS = [
  'sent',
  'failed',
  'attempted',
  'delivered',
  'calls',
  'errors',
  'circuitOpen',
  'latencyMs',
  'latencyCount',
];

/** Rates as the dashboard and the scenario show them (undefined where the denominator is 0). */
export function rates(c: Increments) {
  const r = (n: number | undefined, d: number | undefined) => (d ? (n ?? 0) / d : undefined);
  return {
    successRate: r((c.attempted ?? 0) - (c.failed ?? 0), c.attempted),
    deliveryRate: r(c.delivered, c.sent),
    openRate: r(c.opened, c.sent),
    clickRate: r(c.clicked, c.sent),
    conversionRate: r(c.converted, c.sent),
    avgLatencyMs: r(c.latencyMs, c.latencyCount),
  };
}
