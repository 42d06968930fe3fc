import { z } from 'zod';
import type { DeliveryJob } from '../delivery.js';
import { deliveryJobSchema } from '../delivery.js';
import { describeIssues } from '../validation.js';

/**
 * The messages on `deliver-push|sms|email`. Three formats, all accepted by every consumer:
 * - a bare `DeliveryJob` (one job: the direct per-recipient path, fallbacks, the sweeper's republished jobs, and
 *   every message published before batches existed);
 * - a batch `{ jobs: DeliveryJob[] }` (several jobs of one channel: a fan-out chunk, a digest release);
 * - a compact batch `{ shared: Partial<DeliveryJob>, jobs: Partial<DeliveryJob>[] }`: the fields whose values every
 *   job of the message has (eventId, channel, type, category, priority, critical, groupKey, createdAt, and often
 *   locale, data and fallback) written once in `shared` and left out of each job. The consumer reads job i as
 *   `{ ...shared, ...jobs[i] }` (a job's own field wins) and validates it as a whole job. Issue 14: a fan-out chunk's
 *   500 jobs repeated these fields 500 times, in Pub/Sub bytes, in the publisher's JSON.stringify and in the
 *   consumer's parse. `deliveryMessage` makes it (a batch with nothing shared stays `{ jobs }`).
 * A single job stays bare on purpose: during a rolling deploy an instance still running an old consumer would drop a
 * batch as unparseable, but it handles a bare job, so the common one-recipient path is safe in either order.
 *
 * Rolling-deploy caveat of the compact form: a consumer from before it would take each compact entry for a whole job
 * and record it `failed` as invalid (no deliveryId or channel of its own to run). Nothing has been deployed yet, so no
 * compatibility window was needed when it came in; a later change of format on a live system needs one (consumers
 * that read the new form deployed before any publisher writes it).
 */

/**
 * At most this many jobs per message: FCM's `sendEach` takes 500 messages per call, and the fan-out's chunks are 500
 * recipients, so one chunk is one message per channel. The consumer runs a message's jobs side by side, so this also
 * bounds one invocation's concurrency.
 */
export const MAX_JOBS_PER_MESSAGE = 500;

/**
 * At most this many bytes of JSON per message: Pub/Sub refuses messages (and publish requests) over 10 MB; the rest is
 * headroom for attributes and the client's framing. Jobs carry rendered email HTML (tens of KB each), so 500 emails
 * can pass 10 MB: the split by size comes before the split by count.
 */
export const MAX_MESSAGE_BYTES = 9_000_000;

const batchSchema = z.object({
  /** The compact form's fields common to every job; each entry is still validated whole, after the merge. */
  shared: z.record(z.string(), z.unknown()).optional(),
  jobs: z.array(z.unknown()).min(1, 'must hold at least one job').max(MAX_JOBS_PER_MESSAGE),
});

export type DeliveryMessage =
  { ok: true; format: 'single' | 'batch'; entries: unknown[] } | { ok: false; reason: string };

/**
 * Which format a message is and its entries, each still to be validated as a job on its own (one bad job must not
 * cost the others). An object with a `jobs` field is a batch; anything else is read as one job. A compact batch's
 * entries come back whole, `{ ...shared, ...entry }`; an entry that is not an object is passed on as it is, so its
 * own validation names it (spreading a string or an array would make up fields).
 */
export function readDeliveryMessage(data: unknown): DeliveryMessage {
  if (typeof data !== 'object' || data === null || !('jobs' in data)) {
    return { ok: true, format: 'single', entries: [data] };
  }
  const parsed = batchSchema.safeParse(data);
  if (!parsed.success) return { ok: false, reason: describeIssues('message', parsed.error) };
  const { shared, jobs } = parsed.data;
  if (!shared) return { ok: true, format: 'batch', entries: jobs };
  return {
    ok: true,
    format: 'batch',
    entries: jobs.map((entry) => (isRecord(entry) ? { ...shared, ...entry } : entry)),
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** What `publishJobs` sends for one part of `splitIntoMessages`, in one of the formats above. */
export type DeliveryMessageData =
  DeliveryJob | { jobs: readonly DeliveryJob[] } | { shared: Partial<DeliveryJob>; jobs: Partial<DeliveryJob>[] };

/**
 * The message for one part of `splitIntoMessages`: a lone job bare, several compact when a field is common to all.
 *
 * A field is shared when every job holds the first job's value: primitives by `===`; `data` (a flat string record)
 * and `fallback` (a list of channels) element by element, since each recipient's jobs get their own copies; anything
 * else (`content`) only when it is the very same object. No JSON is made to compare: this runs per fan-out chunk, and
 * the point is to spend less than stringifying the repeated fields cost. A field absent or undefined in the first job
 * is never shared (JSON would leave it out anyway), and a field only later jobs have stays with them.
 *
 * Sizes: `splitIntoMessages` keeps measuring whole jobs, a safe bound: each shared field is written once instead of
 * once per job (a message here has at least two), so the compact message is at most `"shared":{},` (12 bytes, inside
 * MAX_MESSAGE_BYTES' headroom) over the `{ jobs }` one, and smaller as soon as a shared field is longer than that.
 */
export function deliveryMessage(jobs: readonly DeliveryJob[]): DeliveryMessageData {
  const [first] = jobs;
  if (!first) throw new Error('a delivery message needs at least one job');
  if (jobs.length === 1) return first;
  const shared: Record<string, unknown> = {};
  const sharedKeys = new Set<string>();
  for (const key in first) {
    const field = key as keyof DeliveryJob;
    const value = first[field];
    if (value === undefined) continue;
    const same = SAME_VALUE[field] ?? identical;
    let everyJob = true;
    for (let i = 1; i < jobs.length && everyJob; i++) everyJob = same(value, jobs[i]![field]);
    if (everyJob) {
      shared[key] = value;
      sharedKeys.add(key);
    }
  }
  if (sharedKeys.size === 0) return { jobs };
  const compact = jobs.map((job) => {
    const own: Record<string, unknown> = {};
    for (const key in job) if (!sharedKeys.has(key)) own[key] = job[key as keyof DeliveryJob];
    return own as Partial<DeliveryJob>;
  });
  return { shared: shared as Partial<DeliveryJob>, jobs: compact };
}

type SameValue = (a: unknown, b: unknown) => boolean;

const identical: SameValue = (a, b) => a === b;

/** Flat values compared element by element (any other object field is shared only when it is the same object). */
const SAME_VALUE: Partial<Record<keyof DeliveryJob, SameValue>> = {
  data: (a, b) => a === b || (isRecord(a) && isRecord(b) && sameFlatRecord(a, b)),
  fallback: (a, b) =>
    a === b || (Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => item === b[i])),
};

function sameFlatRecord(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  let keys = 0;
  for (const key in a) {
    if (a[key] !== b[key] || !Object.hasOwn(b, key)) return false;
    keys++;
  }
  for (const key in b) if (Object.hasOwn(b, key)) keys--;
  return keys === 0;
}
/** The jobs in a message of any format, validated (for tests and operator tools; consumers validate per job). */
export function jobsInMessage(data: unknown): DeliveryJob[] {
  const message = readDeliveryMessage(data);
  if (!message.ok) throw new Error(message.reason);
  return message.entries.map((entry) => deliveryJobSchema.parse(entry));
}

/**
 * Splits one channel's jobs into messages of at most MAX_JOBS_PER_MESSAGE jobs and MAX_MESSAGE_BYTES of JSON, in
 * order. A single job over the byte limit still goes alone (Pub/Sub will refuse it, visibly, rather than have it
 * silently merged or dropped here).
 *
 * Sizes are first taken as upper bounds (`jsonBytesAtMost`, no JSON made: a fan-out chunk's 500 jobs are far below
 * the limit); only when the bounds of a message would pass the limit are its jobs measured exactly, from there on.
 * So the split is the one exact sizes give, at a fraction of the cost.
 */
export function splitIntoMessages<T>(
  jobs: readonly T[],
  limits: { maxJobs: number; maxBytes: number } = { maxJobs: MAX_JOBS_PER_MESSAGE, maxBytes: MAX_MESSAGE_BYTES },
): T[][] {
  // One job is one message whatever its size: no need to measure it (the per-recipient path, the common one).
  if (jobs.length <= 1) return jobs.length === 1 ? [[jobs[0]!]] : [];
  const messages: T[][] = [];
  let current: T[] = [];
  // The current message's bytes: exact once `exact`, else an upper bound.
  let bytes = 0;
  let exact = false;
  for (const job of jobs) {
    // Each job's JSON plus its comma; the envelope `{"jobs":[]}` is within the headroom.
    let size = exact ? exactBytes(job) : jsonBytesAtMost(job) + 1;
    if (!exact && bytes + size > limits.maxBytes) {
      bytes = current.reduce((sum, j) => sum + exactBytes(j), 0);
      size = exactBytes(job);
      exact = true;
    }
    if (current.length > 0 && (current.length >= limits.maxJobs || bytes + size > limits.maxBytes)) {
      messages.push(current);
      current = [];
      bytes = 0;
      exact = false;
    }
    current.push(job);
    bytes += size;
  }
  if (current.length > 0) messages.push(current);
  return messages;
}

/** A job's JSON in UTF-8 bytes, plus its comma. */
const exactBytes = (job: unknown) => Buffer.byteLength(JSON.stringify(job)) + 1;

/**
 * At least as many bytes as `JSON.stringify(value)` takes in UTF-8, without making it: a string's UTF-16 unit is at
 * most 6 bytes (a `\uXXXX` escape; otherwise 1-3, or 4 for a pair of units), a number at most 25 characters
 * (`-0.0000012345678901234567`), a Date's ISO string at most 29 with its quotes; what goes through another `toJSON` is
 * measured exactly. Several times cheaper than stringifying.
 */
export function jsonBytesAtMost(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return 6 * value.length + 2;
    case 'number':
      return 25;
    case 'boolean':
      return 5;
    case 'object': {
      if (value === null) return 4;
      if (value instanceof Date) return 29;
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function')
        return Buffer.byteLength(JSON.stringify(value) ?? '');
      if (Array.isArray(value)) {
        let n = 2;
        for (const item of value) n += jsonBytesAtMost(item) + 1;
        return n;
      }
      let n = 2;
      // for…in also counts inherited enumerable keys, which JSON leaves out: still an upper bound.
      for (const key in value) n += 6 * key.length + 4 + jsonBytesAtMost((value as Record<string, unknown>)[key]);
      return n;
    }
    default:
      // undefined, functions and symbols: left out of objects, `null` in arrays.
      return 4;
  }
}
