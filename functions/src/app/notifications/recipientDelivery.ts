import type { Channel } from '../../domain/channels.js';
import type { DeliveryJob } from '../../domain/delivery.js';
import { paths } from '../../domain/paths.js';
import type { PlannedNotification } from '../../domain/notifications/plans.js';
import type { EffectivePreferences } from '../../domain/notifications/preferences.js';
import {
  contactOf,
  planRecipient,
  rebuildJobs,
  routeChannels,
  storedJobs,
  withinRateLimits,
} from '../../domain/notifications/recipientPlan.js';
import type { Burst, RecipientPlan, StoredJob } from '../../domain/notifications/recipientPlan.js';
import type { ChannelDecision } from '../../domain/notifications/routing.js';
import { safeZone } from '../../domain/notifications/schedule.js';
import type { UserProfile } from '../../domain/users.js';
import type { Clock, DocData, DocumentStore, DocSnapshot, Publisher, Transaction } from '../../ports.js';
import { fieldOps } from '../../ports.js';
import { DigestWriter } from './digests.js';
import { deliveryDoc, publishJobs } from './jobs.js';
import {
  NotificationCenter,
  burstUpdateFields,
  newNotificationDoc,
  toNotification,
  unreadIncrement,
} from './notificationCenter.js';
import type { RateLimiter } from './rateLimits.js';
import { profileRole, type RecipientRole } from '../../domain/notifications/limits.js';
import { expiresAtFor } from '../../domain/compliance/retention.js';
import { hashedId } from '../../domain/ids.js';
import { applyChannelMix, contentRenderer } from '../../domain/analytics/experimentContent.js';
import { experimentContentFor } from '../analytics/experiments.js';

/** Events of one group within this window collapse into the first one's notification. */
export const BURST_WINDOW_MS = 5 * 60_000;
/** A receipt whose jobs were never marked published after this long belongs to a run that died: take it over. */
export const ORPHAN_AFTER_MS = 2 * 60_000;

export const recipientPaths = {
  /** One per event × recipient, written with everything else: the proof this recipient was handled. */
  receipt: (eventId: string, uid: string) => `events/${eventId}/recipients/${uid}`,
  group: (uid: string, groupKey: string) => `users/${uid}/notificationGroups/${hashedId(groupKey, { length: 24 })}`,
};

export interface RecipientDeps {
  store: DocumentStore;
  publisher: Publisher;
  clock: Clock;
  rateLimiter: RateLimiter;
  webAppUrl: string;
}

export interface Recipient {
  uid: string;
  profile: UserProfile;
  prefs: EffectivePreferences;
}

export type RecipientOutcome = 'delivered' | 'duplicate' | 'republished';

/**
 * One recipient of one event, in one transaction: the receipt (idempotency), the in-app notification (new, or the
 * burst it joins) with the unread count, the deliveries docs (queued / batched / suppressed), the rate-limit
 * counts and digest items. Jobs are published after the commit and the receipt marked published; a retry of the
 * same attempt (same Pub/Sub message or trigger event) that finds an unpublished receipt publishes them again.
 *
 * The transaction reads what the decision needs, decides with pure domain code (recipientPlan.ts), then writes the
 * plan. Every read comes before the first write, as Firestore transactions require.
 */
export async function deliverToRecipient(
  deps: RecipientDeps,
  eventId: string,
  attemptId: string,
  recipient: Recipient,
  notification: PlannedNotification,
): Promise<RecipientOutcome> {
  const { uid, profile, prefs } = recipient;
  const timeZone = safeZone(prefs.timeZone ?? profile.timeZone);
  const contact = contactOf(profile);
  const receiptPath = recipientPaths.receipt(eventId, uid);

  const result = await deps.store.transaction(async (tx) => {
    const now = deps.clock.now();
    const receipt = await tx.get(receiptPath);
    if (receipt.exists) return resumeReceipt(tx, receipt, { eventId, uid, notification, attemptId, now });

    const burst = await readBurst(tx, uid, notification, now);
    // An A/B experiment (or a rolled-out winner) on the type: this user's variant's channels and texts (issue 19).
    const content = await experimentContentFor(tx, uid, notification.type);
    const routed = applyChannelMix(
      routeChannels(notification, { prefs, timeZone, contact, burst: burst?.burst, now }),
      content,
    );
    // The role from the profile read before the transaction: the limiter need not read it again.
    const role = profileRole(profile);
    const limits = await reserveRateLimits(tx, deps.rateLimiter, routed, { uid, timeZone, now, role });
    const decisions = withinRateLimits(routed, (channel) => limits.get(channel)!.allowed);
    const digests = await readDigests(tx, uid, decisions);
    const plan = planRecipient({
      eventId,
      uid,
      locale: profile.locale,
      notification,
      decisions,
      inAppAllowed: limits.get('inApp')?.allowed ?? false,
      contact,
      burst: burst?.burst,
      webAppUrl: deps.webAppUrl,
      now,
      render: contentRenderer(notification, deps.webAppUrl, content),
    });

    writeInApp(tx, { uid, eventId, notification, plan, existing: burst?.notification, limits, now });
    writeGroup(tx, { uid, notification, plan, burst: burst?.burst, now });
    writeDeliveries(tx, { notification, plan, digests, limits, now });
    digests.write(tx, now);
    tx.create(
      receiptPath,
      receiptDoc({ uid, attemptId, plan, decisions, now, expiresAt: expiresAtFor('recipients', now) }),
    );
    return { outcome: 'delivered' as const, jobs: plan.jobs };
  });

  if (result.jobs.length > 0) {
    await publishJobs(deps.publisher, result.jobs);
    await deps.store.update(receiptPath, { published: true, publishedAt: deps.clock.now() });
  }
  return result.outcome;
}

type Reservation = Awaited<ReturnType<RateLimiter['reserveIn']>>;
type StepResult = { outcome: RecipientOutcome; jobs: DeliveryJob[] };

/**
 * This recipient was handled already. A receipt whose jobs were never marked published belongs to this attempt
 * retried, or to a run that died (claimed long ago): take it over and publish its jobs again, rebuilt from what the
 * receipt keeps (`receiptJobs`). Otherwise a duplicate.
 */
function resumeReceipt(
  tx: Transaction,
  receipt: DocSnapshot,
  {
    eventId,
    uid,
    notification,
    attemptId,
    now,
  }: { eventId: string; uid: string; notification: PlannedNotification; attemptId: string; now: Date },
): StepResult {
  const r = receipt.data!;
  const orphaned =
    !r.published && (r.owner === attemptId || (r.claimedAt as Date).getTime() < now.getTime() - ORPHAN_AFTER_MS);
  if (!orphaned) return { outcome: 'duplicate', jobs: [] };
  tx.update(receipt.path, { owner: attemptId, claimedAt: now });
  return { outcome: 'republished', jobs: receiptJobs(r, eventId, uid, notification) };
}

/** The group's open burst (its window has not ended) and the notification it collapsed into, if still there. */
async function readBurst(
  tx: Transaction,
  uid: string,
  notification: PlannedNotification,
  now: Date,
): Promise<{ burst: Burst; notification: DocSnapshot } | undefined> {
  const group = (await tx.get(recipientPaths.group(uid, notification.groupKey))).data;
  if (!group || !((group.windowEndsAt as Date) > now)) return undefined;
  const notificationId = String(group.notificationId);
  return {
    burst: { notificationId, count: Number(group.count ?? 1), windowEndsAt: group.windowEndsAt as Date },
    notification: await tx.get(paths.notification(uid, notificationId)),
  };
}

/** Rate-limit counters of the channels that would send, read in this transaction so count and delivery commit together. */
async function reserveRateLimits(
  tx: Transaction,
  rateLimiter: RateLimiter,
  decisions: readonly ChannelDecision[],
  { uid, timeZone, now, role }: { uid: string; timeZone: string; now: Date; role: RecipientRole },
): Promise<Map<Channel, Reservation>> {
  const reservations = new Map<Channel, Reservation>();
  for (const d of decisions) {
    if (d.action === 'send')
      reservations.set(d.channel, await rateLimiter.reserveIn(tx, { uid, channel: d.channel, timeZone, now, role }));
  }
  return reservations;
}

/** The pending digests the batched channels go into. */
async function readDigests(tx: Transaction, uid: string, decisions: readonly ChannelDecision[]): Promise<DigestWriter> {
  const digests = new DigestWriter(uid);
  await digests.read(
    tx,
    decisions.flatMap((d) => (d.action === 'batch' ? [d.releaseAt] : [])),
  );
  return digests;
}

/** The in-app notification, new or the burst's one updated, and the unread count when it turns unread. */
function writeInApp(
  tx: Transaction,
  {
    uid,
    eventId,
    notification,
    plan,
    existing,
    limits,
    now,
  }: {
    uid: string;
    eventId: string;
    notification: PlannedNotification;
    plan: RecipientPlan;
    existing: DocSnapshot | undefined;
    limits: Map<Channel, Reservation>;
    now: Date;
  },
): void {
  if (!plan.inApp) return;
  limits.get('inApp')!.commit();
  const write = {
    eventId,
    notification,
    notificationId: plan.notificationId,
    count: plan.count,
    rendered: plan.rendered,
    now,
  };
  if (existing?.exists) {
    const before = toNotification(existing);
    tx.update(existing.path, burstUpdateFields(write));
    if (before.read)
      tx.set(NotificationCenter.unreadCounterPath(uid), unreadIncrement(notification.category), { merge: true });
    return;
  }
  tx.create(paths.notification(uid, plan.notificationId), newNotificationDoc(write));
  tx.set(NotificationCenter.unreadCounterPath(uid), unreadIncrement(notification.category), { merge: true });
}

/** The group's burst window: counted into while open, opened by the first notification of a burst. */
function writeGroup(
  tx: Transaction,
  {
    uid,
    notification,
    plan,
    burst,
    now,
  }: { uid: string; notification: PlannedNotification; plan: RecipientPlan; burst: Burst | undefined; now: Date },
): void {
  tx.set(
    recipientPaths.group(uid, notification.groupKey),
    burst
      ? { count: fieldOps.increment(1), lastAt: now }
      : {
          groupKey: notification.groupKey,
          notificationId: plan.notificationId,
          count: 1,
          startedAt: now,
          lastAt: now,
          windowEndsAt: new Date(now.getTime() + BURST_WINDOW_MS),
        },
    { merge: true },
  );
}

/** One delivery record per provider channel; batched ones join their digest, queued ones take their rate-limit unit. */
function writeDeliveries(
  tx: Transaction,
  {
    notification,
    plan,
    digests,
    limits,
    now,
  }: {
    notification: PlannedNotification;
    plan: RecipientPlan;
    digests: DigestWriter;
    limits: Map<Channel, Reservation>;
    now: Date;
  },
): void {
  for (const d of plan.deliveries) {
    const path = paths.delivery(d.base.deliveryId);
    if (d.status === 'suppressed') {
      tx.set(path, deliveryDoc(d.base, 'suppressed', now, d.reason));
    } else if (d.status === 'batched') {
      tx.set(path, deliveryDoc(d.base, 'batched', now, d.reason, { releaseAt: d.releaseAt }));
      digests.add(d.releaseAt, {
        channel: d.base.channel,
        type: notification.type,
        category: notification.category,
        priority: notification.priority,
        groupKey: notification.groupKey,
        notificationId: plan.notificationId,
        vars: notification.vars,
        data: notification.data,
        deliveryId: d.base.deliveryId,
      });
    } else {
      limits.get(d.base.channel)!.commit();
      tx.set(path, deliveryDoc(d.base, 'queued', now, undefined, d.fallback.length ? { fallback: d.fallback } : {}));
    }
  }
}

/**
 * A receipt (both paths write this one; the fan-out chunk adds its run as `batch`): proof this recipient was handled,
 * and what it takes to publish its jobs again if the run dies before that. Not the jobs themselves (issue 14: ~700
 * bytes each, 14 MB for a fan-out to 10,000): per job only its channel, content and fallback chain, and once the
 * jobs' locale and createdAt (`storedJobs`); `receiptJobs` rebuilds the rest from the event's notification, the event
 * id, the uid and the receipt's notificationId.
 */
export function receiptDoc({
  uid,
  attemptId,
  plan,
  decisions,
  now,
  expiresAt,
  batch,
}: {
  uid: string;
  attemptId: string;
  plan: RecipientPlan;
  decisions: readonly ChannelDecision[];
  now: Date;
  expiresAt: Date;
  /** The run whose publication marker will say the jobs went out (chunkDelivery.ts); unused without jobs. */
  batch?: string;
}): DocData {
  const stored = storedJobs(plan.jobs);
  return {
    uid,
    notificationId: plan.notificationId,
    owner: attemptId,
    claimedAt: now,
    published: stored === undefined,
    ...(stored && batch !== undefined ? { batch } : {}),
    expiresAt,
    ...(stored ? { locale: stored.locale, createdAt: stored.createdAt } : {}),
    jobs: (stored?.jobs ?? []) as unknown as DocData[],
    channels: Object.fromEntries(decisions.map((d) => [d.channel, d.action])),
  };
}

/**
 * The jobs of a receipt that is taken over, to publish again: deep-equal to those published (or not) first, rebuilt
 * from what the receipt keeps and from `notification`, which the takeover plans again from the same stored event.
 *
 * A receipt written before the compact form (issue 14) holds whole jobs (entries with a deliveryId): they are
 * published as they are. Such a receipt can still be taken over while its chunk or event message is redelivered
 * (Pub/Sub keeps a message up to 7 days), and keeping it costs one check per receipt taken over, not a migration.
 */
export function receiptJobs(
  receipt: DocData,
  eventId: string,
  uid: string,
  notification: PlannedNotification,
): DeliveryJob[] {
  const entries = (receipt.jobs ?? []) as Array<StoredJob | DeliveryJob>;
  if (entries.length === 0) return [];
  if ('deliveryId' in entries[0]!) return entries as DeliveryJob[];
  return rebuildJobs(eventId, uid, notification, String(receipt.notificationId), {
    locale: String(receipt.locale),
    createdAt: String(receipt.createdAt),
    jobs: entries as StoredJob[],
  });
}
