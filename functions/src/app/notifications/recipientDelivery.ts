import type { ProviderChannel } from '../../domain/channels.js';
import { deliveryId } from '../../domain/delivery.js';
import type { DeliveryJob, RenderedContent } from '../../domain/delivery.js';
import { paths } from '../../domain/paths.js';
import type { PlannedNotification } from '../../domain/notifications/plans.js';
import type { EffectivePreferences } from '../../domain/notifications/preferences.js';
import { decideChannels, fallbackChannels } from '../../domain/notifications/routing.js';
import type { ChannelDecision } from '../../domain/notifications/routing.js';
import { safeZone } from '../../domain/notifications/schedule.js';
import { renderNotification } from '../../domain/notifications/templates.js';
import type { UserProfile } from '../../domain/users.js';
import type { Clock, DocData, DocumentStore, Publisher } from '../../ports.js';
import { fieldOps } from '../../ports.js';
import { DigestWriter } from './digests.js';
import { deliveryDoc, publishJobs } from './jobs.js';
import type { DeliveryBase } from './jobs.js';
import { NotificationCenter, sortKeyOf, toNotification } from './notificationCenter.js';
import type { RateLimiter } from './rateLimits.js';
import { expiresAtFor } from '../../domain/compliance/retention.js';
import { hashedId } from '../../domain/ids.js';

/** Events of one group within this window collapse into the first one's notification. */
export const BURST_WINDOW_MS = 5 * 60_000;
/** A receipt whose jobs were never marked published after this long belongs to a run that died: take it over. */
const ORPHAN_AFTER_MS = 2 * 60_000;

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
 */
export async function deliverToRecipient(
  deps: RecipientDeps,
  eventId: string,
  attemptId: string,
  recipient: Recipient,
  notification: PlannedNotification,
): Promise<RecipientOutcome> {
  const { store, clock } = deps;
  const { uid, profile, prefs } = recipient;
  const zone = safeZone(prefs.timeZone ?? profile.timeZone);
  const receiptPath = recipientPaths.receipt(eventId, uid);

  const result = await store.transaction(async (tx) => {
    const now = clock.now();
    const receipt = await tx.get(receiptPath);
    if (receipt.exists) {
      const r = receipt.data!;
      const orphaned = !r.published && (r.owner === attemptId || (r.claimedAt as Date).getTime() < now.getTime() - ORPHAN_AFTER_MS);
      if (!orphaned) return { outcome: 'duplicate' as const, jobs: [] };
      tx.update(receiptPath, { owner: attemptId, claimedAt: now });
      return { outcome: 'republished' as const, jobs: r.jobs as DeliveryJob[] };
    }

    // A burst: the group's window is still open. Critical notifications never wait for a burst.
    const groupPath = recipientPaths.group(uid, notification.groupKey);
    const group = (await tx.get(groupPath)).data;
    const burstInto = group && (group.windowEndsAt as Date) > now ? String(group.notificationId) : undefined;
    const existing = burstInto ? await tx.get(paths.notification(uid, burstInto)) : undefined;
    const burstUntil = burstInto && !notification.critical ? (group!.windowEndsAt as Date) : undefined;

    const contact = { emailVerified: profile.emailVerified && !!profile.email, phoneVerified: profile.phoneVerified && !!profile.phone };
    let decisions = decideChannels(notification, {
      prefs, timeZone: zone, now, ...contact,
      ...(burstUntil ? { burstUntil } : {}),
    });

    // Rate limits, read inside this transaction so the count and the delivery commit together.
    const reservations = new Map<string, Awaited<ReturnType<RateLimiter['reserveIn']>>>();
    for (const d of decisions) {
      if (d.action === 'send') reservations.set(d.channel, await deps.rateLimiter.reserveIn(tx, { uid, channel: d.channel, timeZone: zone, now }));
    }
    decisions = decisions.map((d): ChannelDecision =>
      d.action === 'send' && d.channel !== 'inApp' && !reservations.get(d.channel)!.allowed ? { channel: d.channel, action: 'suppress', reason: 'rate_limited' } : d,
    );
    const digests = new DigestWriter(uid);
    await digests.read(tx, decisions.flatMap((d) => (d.action === 'batch' ? [d.releaseAt] : [])));

    // ── writes ──
    const notificationId = burstInto ?? `${eventId}_${notification.type}`;
    const count = burstInto ? Number(group!.count ?? 1) + 1 : 1;
    const rendered = renderNotification(notification.type, notification.vars, {
      locale: profile.locale, count, url: `${deps.webAppUrl}${notification.data.link ?? '/notifications'}`,
    });
    const inApp = decisions.find((d) => d.channel === 'inApp');
    if (inApp && reservations.get('inApp')!.allowed) {
      reservations.get('inApp')!.commit();
      if (existing?.exists) {
        const before = toNotification(existing);
        tx.update(existing.path, {
          title: rendered.title, body: rendered.body, data: notification.data, count, read: false, readAt: null, updatedAt: now,
        });
        if (before.read) tx.set(NotificationCenter.unreadCounterPath(uid), { unread: fieldOps.increment(1) }, { merge: true });
      } else {
        tx.create(paths.notification(uid, notificationId), {
          type: notification.type, category: notification.category, priority: notification.priority, critical: notification.critical,
          title: rendered.title, body: rendered.body, data: notification.data, groupKey: notification.groupKey, count,
          read: false, readAt: null, archived: false, createdAt: now, updatedAt: now,
          expiresAt: expiresAtFor('notifications', now), sortKey: sortKeyOf(now, notificationId), eventId,
        });
        tx.set(NotificationCenter.unreadCounterPath(uid), { unread: fieldOps.increment(1) }, { merge: true });
      }
    }
    tx.set(groupPath, burstInto
      ? { count: fieldOps.increment(1), lastAt: now }
      : { groupKey: notification.groupKey, notificationId, count: 1, startedAt: now, lastAt: now, windowEndsAt: new Date(now.getTime() + BURST_WINDOW_MS) },
    { merge: true });

    const jobs: DeliveryJob[] = [];
    const base = (channel: ProviderChannel): DeliveryBase => ({
      deliveryId: deliveryId(eventId, uid, channel), eventId, uid, channel, type: notification.type, category: notification.category,
      priority: notification.priority, critical: notification.critical, notificationId, groupKey: notification.groupKey,
    });
    const sending = decisions.filter((d) => d.action === 'send' && d.channel !== 'inApp').map((d) => d.channel as ProviderChannel);
    const primary = sending[0];
    for (const d of decisions) {
      if (d.channel === 'inApp') continue;
      const b = base(d.channel);
      if (d.action === 'suppress') {
        tx.set(paths.delivery(b.deliveryId), deliveryDoc(b, 'suppressed', now, d.reason));
      } else if (d.action === 'batch') {
        tx.set(paths.delivery(b.deliveryId), deliveryDoc(b, 'batched', now, d.reason, { releaseAt: d.releaseAt }));
        digests.add(d.releaseAt, {
          channel: d.channel, type: notification.type, category: notification.category, priority: notification.priority,
          groupKey: notification.groupKey, notificationId, vars: notification.vars, data: notification.data, deliveryId: b.deliveryId,
        });
      } else {
        reservations.get(d.channel)!.commit();
        // A critical notification's primary job carries every channel's content, so delivery can fall back.
        const carriesFallback = notification.critical && d.channel === primary;
        const fallback = carriesFallback ? fallbackChannels(decisions, d.channel, contact) : [];
        const content: RenderedContent = carriesFallback
          ? { [d.channel]: rendered[d.channel], ...Object.fromEntries(fallback.map((c) => [c, rendered[c]])) }
          : { [d.channel]: rendered[d.channel] };
        tx.set(paths.delivery(b.deliveryId), deliveryDoc(b, 'queued', now, undefined, fallback.length ? { fallback } : {}));
        jobs.push({
          ...b, locale: profile.locale, content, fallback,
          data: { ...notification.data, notificationId, type: notification.type }, createdAt: now.toISOString(),
        });
      }
    }
    digests.write(tx, now);
    tx.create(receiptPath, {
      uid, notificationId, owner: attemptId, claimedAt: now, published: jobs.length === 0, expiresAt: expiresAtFor('recipients', now),
      jobs: jobs as unknown as DocData[], channels: Object.fromEntries(decisions.map((d) => [d.channel, d.action])),
    });
    return { outcome: 'delivered' as const, jobs };
  });

  if (result.jobs.length > 0) {
    await publishJobs(deps.publisher, result.jobs);
    await store.update(receiptPath, { published: true, publishedAt: clock.now() });
  }
  return result.outcome;
}
