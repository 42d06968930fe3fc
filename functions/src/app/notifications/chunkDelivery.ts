import { randomUUID } from 'node:crypto';
import type { Channel } from '../../domain/channels.js';
import type { DeliveryJob } from '../../domain/delivery.js';
import { AlreadyExistsError } from '../../domain/errors.js';
import { paths } from '../../domain/paths.js';
import type { PlannedNotification } from '../../domain/notifications/plans.js';
import type { EffectivePreferences } from '../../domain/notifications/preferences.js';
import {
  contactOf,
  planRecipient,
  renderer,
  routeChannels,
  withinRateLimits,
} from '../../domain/notifications/recipientPlan.js';
import type { Burst, Contact, RecipientPlan } from '../../domain/notifications/recipientPlan.js';
import type { ChannelDecision } from '../../domain/notifications/routing.js';
import { safeZone } from '../../domain/notifications/schedule.js';
import { userProfileSchema } from '../../domain/users.js';
import type { DocData, DocSnapshot, DocumentStore, WriteOp } from '../../ports.js';
import { fieldOps } from '../../ports.js';
import { expiresAtFor } from '../../domain/compliance/retention.js';
import { hashedId } from '../../domain/ids.js';
import { digestPaths } from './digests.js';
import { deliveryDoc, publishJobs } from './jobs.js';
import { NotificationCenter, burstUpdateFields, newNotificationDoc, unreadIncrement } from './notificationCenter.js';
import { preferencesFromSnapshot } from './preferencesRepo.js';
import type { ConsumeRequest } from './rateLimits.js';
import { profileRole, type RecipientRole } from '../../domain/notifications/limits.js';
import { BURST_WINDOW_MS, ORPHAN_AFTER_MS, receiptDoc, receiptJobs, recipientPaths } from './recipientDelivery.js';
import type { RecipientDeps } from './recipientDelivery.js';
import type { Rendered } from '../../domain/notifications/templates.js';
import type { ContentOverride } from '../../domain/analytics/experimentContent.js';
import { applyChannelMix, contentForUser, contentRenderer } from '../../domain/analytics/experimentContent.js';
import { experimentDocs } from '../analytics/experiments.js';
import { forEachWithLimit } from '../concurrency.js';

/** Firestore's (and the memory store's) cap on writes per batch or transaction. */
export const MAX_BATCH_OPS = 500;
/**
 * What a chunk's write batches are filled to (a recipient needing more still gets one batch of its own, up to
 * MAX_BATCH_OPS), and how many of a chunk's batches are in flight at once. Many small commits in parallel beat a few
 * 500-op ones: on the Firestore emulator (issue 14, warm JVM, machine load 6-9), 2,000 recipients' 12,000 writes took
 * 4.4-5.3 s as 24 parallel 500-op batches and 1.9-2.5 s as 100-op batches 8 at a time, and the 2,000-follower
 * fan-out's commit phase shrank from 12.4 to 7.6 s. Firestore's best practices say the same of production (parallel
 * small writes beat large batches for bulk writes; BulkWriter sends 20-op batches). Bounded, so a chunk neither opens
 * hundreds of streams at once nor starves the other invocations of its instance.
 */
export const COMMIT_BATCH_OPS = 100;
export const COMMIT_CONCURRENCY = 8;
/** How often a batch that lost a race on a receipt is re-read and retried before the chunk gives up (and is redelivered). */
const RACE_RETRIES = 3;

export interface ChunkOutcome {
  delivered: number;
  duplicate: number;
  republished: number;
  skipped: number;
  /** Store transactions this chunk ran (rate-limit reservations, orphan takeover). */
  transactions: number;
  /** Write batches committed (first tries and retries after a lost race). */
  batches: number;
}

/** One recipient as the chunk's reads found them, routed but not yet rate-limited. */
interface Pending {
  uid: string;
  /** For the rate limits: from the profile this chunk read already, so the limiter need not read it again. */
  role: RecipientRole;
  /** This recipient's A/B variant or rolled-out content for the type, if any (issue 19). */
  content?: ContentOverride;
  locale: string;
  timeZone: string;
  contact: Contact;
  routed: ChannelDecision[];
  burst: Burst | undefined;
  /** The burst group's document (read in the first round). */
  groupPath: string;
  /** The burst's notification, read in the second round. */
  existing?: DocSnapshot;
  digests: Map<number, DocSnapshot>;
  /** The channels it may send on: uncapped ones, and capped ones the chunk's reservation allowed (reserveRateLimits). */
  allowed: Partial<Record<Channel, boolean>>;
}

/** A recipient's writes: committed together (never split across batches), the create-only receipt among them. */
interface Planned {
  uid: string;
  ops: WriteOp[];
  jobs: DeliveryJob[];
}

/**
 * One fan-out chunk (up to a few hundred audience members of one event), handled as a whole instead of one
 * transaction per recipient (issue 14):
 *
 * 1. one round of getAll (profiles, preferences, receipts, burst groups), then one for what routing asked for (the
 *    burst's notification, the digests held notifications join);
 * 2. routing and rendering in a plain loop: each preference document is interpreted once, each routing outcome is
 *    computed once per (zone, preferences, contact, burst), each template once per locale and count;
 * 3. the capped channels (SMS, email, in-app daily limits) reserved in one transaction for the chunk
 *    (`RateLimiter.reserveManyIn`: keyed by the event, so a replay neither counts twice nor is refused);
 * 4. everything else in parallel batches of ≤ 500 writes, each recipient's writes in one batch with its create-only
 *    receipt: a batch commits all its recipients or none, and a replayed or racing chunk fails on the receipt instead
 *    of notifying twice. A batch that fails that way is re-read and retried with only the recipients still unhandled.
 *    The receipt keeps what it takes to publish the recipient's jobs again, not the jobs (recipientDelivery.ts
 *    `receiptDoc`): per job its channel, content and fallback chain, once the jobs' locale and createdAt;
 * 5. the chunk's jobs published at once (`publishJobs`), then one publication marker for the run
 *    (`events/{eventId}/publications/{run}`): each receipt names its run (`batch`), so one write says every receipt
 *    of the run is published, instead of one update per recipient.
 *
 * Receipts found unpublished (neither `published` nor their run's marker) belong to a run that died after committing
 * (or to this attempt, retried): they are taken over in a transaction, as `deliverToRecipient` does (which re-reads
 * the receipts and their markers, and moves them to this run), and their jobs, rebuilt from the receipt and the
 * event's notification (`receiptJobs`: the same jobs as first published), published again. A run is one
 * invocation, not one attempt: two invocations of the same Pub/Sub message may overlap, and one's marker must not
 * vouch for receipts the other has yet to publish.
 *
 * What is not isolated as in the per-recipient transaction: the burst group and the digest are read before the
 * batch, not in a transaction. Two different events of one group reaching the same user in the same instant may both
 * open a notification; digest items are added with field transforms (count +1, delivery id array-union), so
 * concurrent events never lose each other's items.
 */
export async function deliverChunk(
  deps: RecipientDeps,
  eventId: string,
  attemptId: string,
  uids: readonly string[],
  notification: PlannedNotification,
): Promise<ChunkOutcome> {
  const { store } = deps;
  const outcome: ChunkOutcome = { delivered: 0, duplicate: 0, republished: 0, skipped: 0, transactions: 0, batches: 0 };
  if (uids.length === 0) return outcome;
  const now = deps.clock.now();
  const run = randomUUID().replaceAll('-', '');
  // The burst group's id is a hash of the group key alone: hashed once for the chunk, not once per recipient.
  const groupTemplate = recipientPaths.group(UID_SLOT, notification.groupKey);
  const groupPath = (uid: string) => groupTemplate.replace(UID_SLOT, () => uid);

  // ── 1. reads, round one ──
  const [profiles, prefDocs, receipts, groups, experiment] = await Promise.all([
    store.getAll(uids.map((uid) => paths.user(uid))),
    store.getAll(uids.map((uid) => paths.preferences(uid))),
    store.getAll(uids.map((uid) => recipientPaths.receipt(eventId, uid))),
    store.getAll(uids.map(groupPath)),
    experimentDocs(store, notification.type),
  ]);

  const published = await publishedRuns(eventId, receipts, (paths) => store.getAll(paths));
  const orphans: string[] = [];
  const pending: Pending[] = [];
  const preferencesByDoc = new Map<string, EffectivePreferences>();
  const routes = new Map<string, ChannelDecision[]>();
  for (const [i, uid] of uids.entries()) {
    const receipt = receipts[i]!;
    if (receipt.exists) {
      if (isOrphaned(receipt.data!, attemptId, now, published)) orphans.push(uid);
      else outcome.duplicate++;
      continue;
    }
    const parsed = profiles[i]!.exists ? userProfileSchema.safeParse(profiles[i]!.data ?? {}) : undefined;
    if (!parsed?.success) {
      // No profile (deleted account) or an unreadable one: nobody to notify; not an error for the event.
      outcome.skipped++;
      continue;
    }
    const profile = parsed.data;
    // Most users never changed their preferences: one interpretation per distinct stored document.
    const prefKey = prefDocs[i]!.exists ? JSON.stringify(prefDocs[i]!.data) : '';
    let prefs = preferencesByDoc.get(prefKey);
    if (!prefs) {
      prefs = preferencesFromSnapshot(prefDocs[i]!);
      preferencesByDoc.set(prefKey, prefs);
    }
    const timeZone = zoneOf(prefs.timeZone ?? profile.timeZone);
    const contact = contactOf(profile);
    const group = groups[i]!.data;
    const burst =
      group && (group.windowEndsAt as Date) > now
        ? {
            notificationId: String(group.notificationId),
            count: Number(group.count ?? 1),
            windowEndsAt: group.windowEndsAt as Date,
          }
        : undefined;
    // Routing (time-zone windows, digest times) depends only on these: computed once per distinct combination.
    const routeKey = `${prefKey}|${timeZone}|${+contact.emailVerified}${+contact.phoneVerified}|${burst?.windowEndsAt.getTime() ?? ''}`;
    let routed = routes.get(routeKey);
    if (!routed) {
      routed = routeChannels(notification, { prefs, timeZone, contact, burst, now });
      routes.set(routeKey, routed);
    }
    const content = contentForUser(uid, experiment);
    if (content) routed = applyChannelMix(routed, content);
    pending.push({
      uid,
      role: profileRole(profile),
      locale: profile.locale,
      timeZone,
      contact,
      routed,
      burst,
      groupPath: groups[i]!.path,
      digests: new Map(),
      content,
      allowed: {},
    });
  }

  // ── 1b and 2, side by side: reads round two (the bursts' notifications, the digests held channels join) and the
  // rate-limit transaction, which needs only the routing above ──
  await Promise.all([readSecondRound(deps, pending), reserveRateLimits(deps, eventId, pending, now, outcome)]);

  // ── 3. plan and build each recipient's writes ──
  const render = renderer(notification, deps.webAppUrl);
  // Recipients in an experiment's variant: one renderer per distinct content, each rendering once per locale and count.
  const variantRenders = new Map<string, (locale: string, count: number) => Rendered>();
  const variantRender = (content: ContentOverride) => {
    const key = JSON.stringify(content);
    let r = variantRenders.get(key);
    if (!r) {
      r = contentRenderer(notification, deps.webAppUrl, content) ?? render;
      variantRenders.set(key, r);
    }
    return r;
  };
  // What every recipient's writes hold alike, built once (the store copies what it is given, and never mutates it).
  const shared: SharedData = {
    receiptExpiresAt: expiresAtFor('recipients', now),
    unread: unreadIncrement(notification.category),
  };
  const planned: Planned[] = pending.map((p) => {
    const decisions = withinRateLimits(p.routed, (channel) => p.allowed[channel] === true);
    const plan = planRecipient({
      eventId,
      uid: p.uid,
      locale: p.locale,
      notification,
      decisions,
      inAppAllowed: p.allowed.inApp === true,
      contact: p.contact,
      burst: p.burst,
      webAppUrl: deps.webAppUrl,
      now,
      render: p.content ? variantRender(p.content) : render,
    });
    return {
      uid: p.uid,
      ops: recipientOps({ eventId, attemptId, run, notification, p, plan, decisions, now, shared }),
      jobs: plan.jobs,
    };
  });

  // ── 4. write: parallel batches, each recipient whole; races on receipts re-read and retried ──
  const committed = await commitRecipients(deps, eventId, planned, outcome);
  outcome.delivered = committed.length;

  // ── orphans: receipts of a run that died before publishing (or of this attempt, retried) ──
  const republished =
    orphans.length > 0 ? await takeOver(deps, { eventId, attemptId, run, notification }, orphans, outcome) : [];
  outcome.republished = republished.length;

  // ── 5. publish the chunk's jobs at once, then say so once for the run ──
  const withJobs = [...committed, ...republished].filter((r) => r.jobs.length > 0);
  if (withJobs.length > 0) {
    await publishJobs(
      deps.publisher,
      withJobs.flatMap((r) => r.jobs),
    );
    const at = deps.clock.now();
    await store.set(chunkPaths.publication(eventId, run), {
      at,
      receipts: withJobs.length,
      expiresAt: expiresAtFor('recipients', at),
    });
    outcome.batches++;
  }
  return outcome;
}

/** Stands for the uid in a path built once per chunk; only the template's own first one is replaced. */
const UID_SLOT = '\u0000';

/**
 * `safeZone`, remembered: it asks luxon whether the zone exists (~0.1 ms), and a chunk's recipients live in a few
 * zones. Bounded, since zones come from profiles.
 */
const zones = new Map<string, string>();
function zoneOf(zone: string | undefined): string {
  if (zone === undefined) return safeZone(zone);
  let safe = zones.get(zone);
  if (safe === undefined) {
    if (zones.size >= 1_000) zones.clear();
    safe = safeZone(zone);
    zones.set(zone, safe);
  }
  return safe;
}

export const chunkPaths = {
  /** Written once a run has published the jobs of every receipt whose `batch` names it. Holds no uid. */
  publication: (eventId: string, run: string) => `events/${eventId}/publications/${run}`,
};

/** The runs, among those the unpublished receipts name, whose publication marker exists. */
async function publishedRuns(
  eventId: string,
  receipts: readonly DocSnapshot[],
  read: (paths: string[]) => Promise<DocSnapshot[]>,
): Promise<Set<string>> {
  const runs = [
    ...new Set(
      receipts.flatMap((r) =>
        r.exists && !r.data!.published && typeof r.data!.batch === 'string' ? [r.data!.batch] : [],
      ),
    ),
  ];
  if (runs.length === 0) return new Set();
  const markers = await read(runs.map((run) => chunkPaths.publication(eventId, run)));
  return new Set(runs.filter((_, i) => markers[i]!.exists));
}

/** The receipts among `receipts` whose jobs are not known to be out: neither `published` nor vouched for by their run. */
export async function unpublishedReceipts(
  store: Pick<DocumentStore, 'getAll'>,
  eventId: string,
  receipts: readonly DocSnapshot[],
): Promise<DocSnapshot[]> {
  const published = await publishedRuns(eventId, receipts, (paths) => store.getAll(paths));
  return receipts.filter(
    (r) => r.exists && !r.data!.published && !(typeof r.data!.batch === 'string' && published.has(r.data!.batch)),
  );
}

/**
 * A receipt whose jobs were never published as far as it shows (not `published`, its run left no marker): this
 * attempt retried, or a run that died long enough ago.
 */
function isOrphaned(receipt: DocData, attemptId: string, now: Date, publishedRuns: ReadonlySet<string>): boolean {
  if (receipt.published || (typeof receipt.batch === 'string' && publishedRuns.has(receipt.batch))) return false;
  return receipt.owner === attemptId || (receipt.claimedAt as Date).getTime() < now.getTime() - ORPHAN_AFTER_MS;
}

async function readSecondRound(deps: RecipientDeps, pending: Pending[]): Promise<void> {
  const wanted: string[] = [];
  const handlers: Array<(snap: DocSnapshot) => void> = [];
  for (const p of pending) {
    if (p.burst) {
      wanted.push(paths.notification(p.uid, p.burst.notificationId));
      handlers.push((snap) => (p.existing = snap));
    }
    for (const d of p.routed) {
      if (d.action !== 'batch' || p.digests.has(d.releaseAt.getTime())) continue;
      const at = d.releaseAt.getTime();
      p.digests.set(at, undefined as unknown as DocSnapshot);
      wanted.push(digestPaths.digest(p.uid, d.releaseAt));
      handlers.push((snap) => p.digests.set(at, snap));
    }
  }
  if (wanted.length === 0) return;
  const snaps = await deps.store.getAll(wanted);
  snaps.forEach((snap, i) => handlers[i]!(snap));
  // A digest already released for its time cannot take more items: they go into the next minute's one (rare).
  const released = pending.flatMap((p) =>
    [...p.digests].filter(([, snap]) => snap.exists && snap.data?.status !== 'pending').map(([at]) => ({ p, at })),
  );
  if (released.length === 0) return;
  const next = await deps.store.getAll(released.map(({ p, at }) => digestPaths.digest(p.uid, new Date(at + 60_000))));
  released.forEach(({ p, at }, i) => p.digests.set(at, next[i]!));
}

/**
 * Reserves every capped channel the chunk's recipients would send on, in one transaction for the whole chunk, and
 * fills each recipient's `allowed`. Unlimited channels (push) need none. Firestore limits a transaction by request
 * size (10 MiB), not by a count of writes (https://cloud.google.com/firestore/quotas, "Writes and transactions"): a
 * chunk of 1,000 recipients writes 1,000 day documents (one per recipient, each with up to three channels' counts).
 */
async function reserveRateLimits(
  deps: RecipientDeps,
  eventId: string,
  pending: readonly Pending[],
  now: Date,
  outcome: ChunkOutcome,
): Promise<void> {
  const capped: Array<{ p: Pending; request: ConsumeRequest }> = [];
  for (const p of pending) {
    for (const d of p.routed) {
      if (d.action !== 'send') continue;
      const request = { uid: p.uid, channel: d.channel, timeZone: p.timeZone, now, role: p.role };
      if (deps.rateLimiter.counterPath(request) === undefined) p.allowed[d.channel] = true;
      else capped.push({ p, request });
    }
  }
  if (capped.length === 0) return;
  outcome.transactions++;
  const allowed = await deps.store.transaction((tx) =>
    deps.rateLimiter.reserveManyIn(
      tx,
      eventId,
      capped.map((c) => c.request),
    ),
  );
  capped.forEach((c, i) => (c.p.allowed[c.request.channel] = allowed[i]!));
}

/** Data every recipient of a chunk writes alike. */
interface SharedData {
  receiptExpiresAt: Date;
  unread: DocData;
}

/** The unread counter's increment (a module function: a closure in recipientOps would be one more per recipient). */
function unreadOp(uid: string, shared: SharedData): WriteOp {
  return { kind: 'set', path: NotificationCenter.unreadCounterPath(uid), data: shared.unread, merge: true };
}

/** The recipient's writes, as `deliverToRecipient` makes them in its transaction (minus the rate-limit counters). */
function recipientOps({
  eventId,
  attemptId,
  run,
  notification,
  p,
  plan,
  decisions,
  now,
  shared,
}: {
  eventId: string;
  attemptId: string;
  run: string;
  notification: PlannedNotification;
  p: Pending;
  plan: RecipientPlan;
  decisions: readonly ChannelDecision[];
  now: Date;
  shared: SharedData;
}): WriteOp[] {
  const { uid } = p;
  const ops: WriteOp[] = [];
  // The receipt first: the create that makes a replayed chunk's batch fail instead of notifying twice.
  ops.push({
    kind: 'create',
    path: recipientPaths.receipt(eventId, uid),
    data: receiptDoc({
      uid,
      attemptId,
      plan,
      decisions,
      now,
      expiresAt: shared.receiptExpiresAt,
      // The run whose publication marker will say its jobs went out (none needed without jobs).
      batch: run,
    }),
  });
  if (plan.inApp) {
    const write = {
      eventId,
      notification,
      notificationId: plan.notificationId,
      count: plan.count,
      rendered: plan.rendered,
      now,
    };
    if (p.existing?.exists) {
      ops.push({ kind: 'update', path: p.existing.path, data: burstUpdateFields(write) });
      if (p.existing.data?.read) ops.push(unreadOp(uid, shared));
    } else {
      ops.push({ kind: 'create', path: paths.notification(uid, plan.notificationId), data: newNotificationDoc(write) });
      ops.push(unreadOp(uid, shared));
    }
  }
  ops.push({
    kind: 'set',
    path: p.groupPath,
    data: p.burst
      ? { count: fieldOps.increment(1), lastAt: now }
      : {
          groupKey: notification.groupKey,
          notificationId: plan.notificationId,
          count: 1,
          startedAt: now,
          lastAt: now,
          windowEndsAt: new Date(now.getTime() + BURST_WINDOW_MS),
        },
    merge: true,
  });
  const digestItems = new Map<number, Record<string, DocData>>();
  for (const d of plan.deliveries) {
    const path = paths.delivery(d.base.deliveryId);
    if (d.status === 'suppressed') {
      ops.push({ kind: 'set', path, data: deliveryDoc(d.base, 'suppressed', now, d.reason) });
    } else if (d.status === 'batched') {
      ops.push({ kind: 'set', path, data: deliveryDoc(d.base, 'batched', now, d.reason, { releaseAt: d.releaseAt }) });
      const items = digestItems.get(d.releaseAt.getTime()) ?? {};
      // Transforms, not a read-modify-write: the newest event's fields win, the count and ids accumulate.
      items[hashedId(`${d.base.channel}|${notification.groupKey}`, { length: 16 })] = {
        channel: d.base.channel,
        type: notification.type,
        category: notification.category,
        priority: notification.priority,
        groupKey: notification.groupKey,
        notificationId: plan.notificationId,
        vars: notification.vars,
        data: notification.data,
        // When it happened, for the digest's "when" line (the newest event's time, like its variables).
        at: now,
        count: fieldOps.increment(1),
        deliveryIds: fieldOps.arrayUnion(d.base.deliveryId),
      };
      digestItems.set(d.releaseAt.getTime(), items);
    } else {
      ops.push({
        kind: 'set',
        path,
        data: deliveryDoc(d.base, 'queued', now, undefined, d.fallback.length ? { fallback: d.fallback } : {}),
      });
    }
  }
  for (const [at, items] of digestItems) {
    const target = p.digests.get(at)!;
    // The next minute's digest when this one was released already (readSecondRound swapped the snapshot).
    const releaseAt = target.path === digestPaths.digest(uid, new Date(at)) ? new Date(at) : new Date(at + 60_000);
    ops.push({
      kind: 'set',
      path: target.path,
      data: {
        uid,
        releaseAt,
        items,
        updatedAt: now,
        // Only a new digest is stamped pending: one released meanwhile must not be reopened by a late item.
        ...(target.exists ? {} : { status: 'pending', createdAt: now, expiresAt: expiresAtFor('digests', now) }),
      },
      merge: true,
    });
  }
  return ops;
}

/**
 * Commits the recipients in parallel batches of about COMMIT_BATCH_OPS writes (COMMIT_CONCURRENCY at a time), each
 * recipient whole. A batch that fails because a receipt exists (a racing run of the same chunk got there first) is
 * re-read: recipients with a receipt now are counted as duplicates, the others are committed again. Any other failure
 * stops the chunk from starting more batches and is rethrown once those in flight settle. Returns the recipients this
 * run committed.
 */
async function commitRecipients(
  deps: RecipientDeps,
  eventId: string,
  planned: readonly Planned[],
  outcome: ChunkOutcome,
): Promise<Planned[]> {
  const committed: Planned[] = [];
  let todo = packBatches(planned, COMMIT_BATCH_OPS);
  for (let round = 0; todo.length > 0; round++) {
    const lost: Planned[] = [];
    let failure: unknown;
    await forEachWithLimit(
      todo,
      COMMIT_CONCURRENCY,
      async (batch) => {
        outcome.batches++;
        try {
          await deps.store.commit(batch.flatMap((r) => r.ops));
          committed.push(...batch);
        } catch (error) {
          if (error instanceof AlreadyExistsError) lost.push(...batch);
          else failure ??= error;
        }
      },
      () => failure !== undefined,
    );
    // Anything else (unavailable, a crash): rethrown so Pub/Sub redelivers; committed receipts make that a resume.
    if (failure !== undefined) throw failure;
    if (lost.length === 0) break;
    if (round >= RACE_RETRIES) throw new Error(`fan-out chunk of ${eventId}: receipts kept colliding`);
    const receipts = await deps.store.getAll(lost.map((r) => recipientPaths.receipt(eventId, r.uid)));
    const still = lost.filter((_, i) => !receipts[i]!.exists);
    outcome.duplicate += lost.length - still.length;
    todo = packBatches(still, COMMIT_BATCH_OPS);
  }
  return committed;
}

/**
 * Recipients into batches of at most `target` writes (MAX_BATCH_OPS unless smaller); a recipient is never split, and
 * one needing more than `target` gets a batch of its own (more than MAX_BATCH_OPS is refused).
 */
export function packBatches<T extends { ops: readonly unknown[] }>(
  recipients: readonly T[],
  target: number = MAX_BATCH_OPS,
): T[][] {
  const limit = Math.min(target, MAX_BATCH_OPS);
  const batches: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const r of recipients) {
    if (r.ops.length > MAX_BATCH_OPS) throw new Error(`one recipient needs ${r.ops.length} writes`);
    if (current.length > 0 && size + r.ops.length > limit) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(r);
    size += r.ops.length;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** What a takeover needs of the chunk: its event and notification (to rebuild jobs), this attempt and run. */
interface TakeOverContext {
  eventId: string;
  attemptId: string;
  run: string;
  notification: PlannedNotification;
}

/** Takes over orphaned receipts in one transaction (so two racing runs do not both republish), returning their jobs. */
async function takeOver(
  deps: RecipientDeps,
  context: TakeOverContext,
  uids: readonly string[],
  outcome: ChunkOutcome,
): Promise<Array<{ uid: string; jobs: DeliveryJob[] }>> {
  const parts = await Promise.all(slices(uids, MAX_BATCH_OPS).map((part) => takeOverPart(deps, context, part)));
  outcome.transactions += parts.length;
  const taken = parts.flat();
  outcome.duplicate += uids.length - taken.length;
  return taken;
}

async function takeOverPart(
  deps: RecipientDeps,
  { eventId, attemptId, run, notification }: TakeOverContext,
  uids: readonly string[],
): Promise<Array<{ uid: string; jobs: DeliveryJob[] }>> {
  return deps.store.transaction(async (tx) => {
    const now = deps.clock.now();
    const snaps = await tx.getAll(uids.map((uid) => recipientPaths.receipt(eventId, uid)));
    // The markers are read in the transaction too: a run that marks its receipts published meanwhile makes it retry.
    const published = await publishedRuns(eventId, snaps, (paths) => tx.getAll(paths));
    const out: Array<{ uid: string; jobs: DeliveryJob[] }> = [];
    snaps.forEach((snap, i) => {
      if (!snap.exists || !isOrphaned(snap.data!, attemptId, now, published)) return;
      // Moved to this run: its marker, once the jobs are out again, is the one that vouches for them.
      tx.update(snap.path, { owner: attemptId, claimedAt: now, batch: run });
      out.push({ uid: uids[i]!, jobs: receiptJobs(snap.data!, eventId, uids[i]!, notification) });
    });
    return out;
  });
}

function slices<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
