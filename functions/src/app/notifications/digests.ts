import type { Category, Priority, ProviderChannel } from '../../domain/channels.js';
import { deliveryId } from '../../domain/delivery.js';
import type { DeliveryJob } from '../../domain/delivery.js';
import { paths } from '../../domain/paths.js';
import type { NotificationType } from '../../domain/notifications/plans.js';
import { renderDigest } from '../../domain/notifications/templates.js';
import { userProfileSchema } from '../../domain/users.js';
import { safeZone } from '../../domain/notifications/schedule.js';
import type { Clock, DocData, DocumentStore, Logger, Publisher, Transaction } from '../../ports.js';
import type { RateLimiter } from './rateLimits.js';
import { deliveryDoc, publishJobs } from './jobs.js';
import { expiresAtFor } from '../../domain/compliance/retention.js';
import { hashedId } from '../../domain/ids.js';

/**
 * Held notifications (quiet hours, outside working hours, digest frequency, the rest of a burst) wait in
 * digests/{uid}_{releaseAtMillis}, one document per user and release time, one item per channel × group. The
 * scheduled release turns each channel's items into one job: one group → its grouped notification ("11 new bids on
 * 'Walnut bowl'"), several → a summary. Release is a transaction from pending to releasing, so it happens once.
 */

export interface DigestItem {
  channel: ProviderChannel;
  type: NotificationType;
  category: Category;
  priority: Priority;
  groupKey: string;
  notificationId: string;
  vars: Record<string, string>;
  data: Record<string, string>;
  count: number;
  deliveryIds: string[];
  /** When the item's latest notification was held: the digest email says when each item happened. */
  at?: Date;
}

export const digestPaths = {
  digests: () => 'digests',
  digest: (uid: string, releaseAt: Date) => `digests/${uid}_${releaseAt.getTime()}`,
};

const itemKey = (channel: string, groupKey: string) => hashedId(`${channel}|${groupKey}`, { length: 16 });

/** Buffers digest additions inside a recipient transaction: `read` before writes, `write` after. */
export class DigestWriter {
  private readonly docs = new Map<string, { releaseAt: Date; items: Record<string, DigestItem>; exists: boolean }>();
  /** Items added without a time: `write` stamps them with the transaction's `now`, the moment they were held. */
  private readonly untimed = new Set<DigestItem>();

  constructor(private readonly uid: string) {}

  async read(tx: Transaction, releaseAts: readonly Date[]): Promise<void> {
    for (const releaseAt of releaseAts) {
      const path = digestPaths.digest(this.uid, releaseAt);
      if (this.docs.has(path)) continue;
      const snap = await tx.get(path);
      // A digest already released for this time cannot take more items; they go into the next minute's one.
      const released = snap.exists && snap.data?.status !== 'pending';
      const at = released ? new Date(releaseAt.getTime() + 60_000) : releaseAt;
      const target = released ? await tx.get(digestPaths.digest(this.uid, at)) : snap;
      this.docs.set(path, {
        releaseAt: at,
        items: (target.data?.items as Record<string, DigestItem>) ?? {},
        exists: target.exists,
      });
    }
  }

  /** `at`: when the notification happened; without it, the `now` that `write` is given. */
  add(releaseAt: Date, item: Omit<DigestItem, 'count' | 'deliveryIds'> & { deliveryId: string }): void {
    const doc = this.docs.get(digestPaths.digest(this.uid, releaseAt));
    if (!doc) throw new Error('DigestWriter.add before read');
    const key = itemKey(item.channel, item.groupKey);
    const previous = doc.items[key];
    const { deliveryId: id, ...rest } = item;
    // The newest event's variables (and time) win ("Latest: Ana bid $120"); the count says how many there were.
    const next: DigestItem = {
      ...rest,
      count: (previous?.count ?? 0) + 1,
      deliveryIds: [...(previous?.deliveryIds ?? []), id],
    };
    if (previous) this.untimed.delete(previous);
    if (!next.at) this.untimed.add(next);
    doc.items[key] = next;
  }

  write(tx: Transaction, now: Date): void {
    for (const item of this.untimed) item.at = now;
    this.untimed.clear();
    for (const doc of this.docs.values()) {
      if (Object.keys(doc.items).length === 0) continue;
      tx.set(
        digestPaths.digest(this.uid, doc.releaseAt),
        {
          uid: this.uid,
          releaseAt: doc.releaseAt,
          status: 'pending',
          items: doc.items,
          updatedAt: now,
          ...(doc.exists ? {} : { createdAt: now, expiresAt: expiresAtFor('digests', now) }),
        },
        { merge: true },
      );
    }
  }
}

/**
 * A stored item as the template renders it. `at` is a Date once the store has read it back (Timestamp → Date in the
 * Firestore adapter); items stored before digests kept a time, or a value that is not a valid date, render without one.
 */
function digestItemForRender(item: DigestItem): DigestItem {
  const valid = item.at instanceof Date && !Number.isNaN(item.at.getTime());
  if (valid || item.at === undefined) return item;
  const rest = { ...item };
  delete rest.at;
  return rest;
}

export interface DigestReleaseOptions {
  store: DocumentStore;
  publisher: Publisher;
  clock: Clock;
  logger: Logger;
  rateLimiter: RateLimiter;
  webAppUrl: string;
  /** How many due digests one scheduled run releases (the next run takes the rest). */
  batchSize?: number;
}

export class DigestReleaser {
  constructor(private readonly o: DigestReleaseOptions) {}

  /** Releases every digest whose time has come; returns how many it released. */
  async releaseDue(): Promise<number> {
    const now = this.o.clock.now();
    const due = await this.o.store.query(digestPaths.digests(), {
      where: [
        ['status', '==', 'pending'],
        ['releaseAt', '<=', now],
      ],
      orderBy: [{ field: 'releaseAt' }],
      limit: this.o.batchSize ?? 200,
    });
    // A run that crashed between committing and publishing left `releasing` behind: publish those again.
    const stuck = await this.o.store.query(digestPaths.digests(), {
      where: [
        ['status', '==', 'releasing'],
        ['releasedAt', '<=', new Date(now.getTime() - 10 * 60_000)],
      ],
      limit: this.o.batchSize ?? 200,
    });
    let released = 0;
    for (const snap of [...due, ...stuck]) if (await this.release(snap.path)) released++;
    return released;
  }

  private async release(path: string): Promise<boolean> {
    const digestId = path.split('/').at(-1)!;
    const eventId = `digest_${digestId}`;
    const released = await this.o.store.transaction(async (tx) => {
      const snap = await tx.get(path);
      const data = snap.data;
      const now = this.o.clock.now();
      if (!data) return undefined;
      const stale = data.status === 'releasing' && (data.releasedAt as Date) <= new Date(now.getTime() - 10 * 60_000);
      if (data.status !== 'pending' && !stale) return undefined;
      const uid = String(data.uid);
      const held = Object.values(data.items as Record<string, DigestItem>);
      const links = held.flatMap((item) =>
        item.deliveryIds.map((id) => ({ id, digestDeliveryId: deliveryId(eventId, uid, item.channel) })),
      );
      if (stale) return { jobs: (data.jobs as DeliveryJob[]) ?? [], links, at: data.releasedAt as Date };
      const profile = userProfileSchema.safeParse((await tx.get(paths.user(uid))).data ?? {});
      // The reader's language and zone for every time the digest shows (each item's `at`).
      const locale = profile.success ? profile.data.locale : 'en';
      const zone = safeZone(profile.success ? profile.data.timeZone : undefined);
      const byChannel = new Map<ProviderChannel, DigestItem[]>();
      for (const item of held) {
        byChannel.set(item.channel, [...(byChannel.get(item.channel) ?? []), item]);
      }
      const reservations = new Map<ProviderChannel, Awaited<ReturnType<RateLimiter['reserveIn']>>>();
      for (const channel of byChannel.keys()) {
        reservations.set(channel, await this.o.rateLimiter.reserveIn(tx, { uid, channel, timeZone: zone, now }));
      }
      const out: DeliveryJob[] = [];
      for (const [channel, items] of byChannel) {
        const reservation = reservations.get(channel)!;
        const single = items.length === 1 ? items[0] : undefined;
        const first = items[0]!;
        const base = {
          deliveryId: deliveryId(eventId, uid, channel),
          eventId,
          uid,
          channel,
          type: single?.type ?? 'digest',
          category: first.category,
          priority: first.priority,
          critical: false,
          notificationId: single?.notificationId ?? first.notificationId,
          groupKey: single?.groupKey ?? `digest:${uid}`,
        };
        const batchedDeliveryIds = items.flatMap((i) => i.deliveryIds);
        if (!reservation.allowed) {
          tx.set(
            paths.delivery(base.deliveryId),
            deliveryDoc(base, 'suppressed', now, 'rate_limited', { batchedDeliveryIds }),
          );
          continue;
        }
        reservation.commit();
        const rendered = renderDigest(items.map(digestItemForRender), {
          locale,
          timeZone: zone,
          url: `${this.o.webAppUrl}${single?.data.link ?? '/notifications'}`,
        });
        const job: DeliveryJob = {
          ...base,
          locale,
          content: { [channel]: rendered[channel] },
          fallback: [],
          data: { ...(single?.data ?? {}), notificationId: base.notificationId, digestId },
          createdAt: now.toISOString(),
        };
        tx.set(paths.delivery(base.deliveryId), deliveryDoc(base, 'queued', now, undefined, { batchedDeliveryIds }));
        out.push(job);
      }
      tx.update(path, { status: 'releasing', releasedAt: now, jobs: out as unknown as DocData[] });
      return { jobs: out, links, at: now };
    });
    if (!released) return false;
    const { jobs } = released;
    await publishJobs(this.o.publisher, jobs);
    await this.linkHeldDeliveries(released.links, released.at);
    await this.o.store.update(path, { status: 'released', publishedAt: this.o.clock.now() });
    this.o.logger.info('digest released', { digestId, jobs: jobs.length });
    return true;
  }

  /**
   * Each held (batched) delivery points at the digest delivery that carried it, so analytics can follow it to its
   * outcome. Outside the release transaction: a digest may hold more deliveries than one transaction may write, and
   * the merge is idempotent (a stuck release that is published again writes the same links).
   */
  private async linkHeldDeliveries(
    links: readonly { id: string; digestDeliveryId: string }[],
    releasedAt: Date,
  ): Promise<void> {
    const updatedAt = this.o.clock.now();
    for (let i = 0; i < links.length; i += 400) {
      await this.o.store.commit(
        links.slice(i, i + 400).map(({ id, digestDeliveryId }) => ({
          kind: 'set' as const,
          path: paths.delivery(id),
          data: { digestDeliveryId, timestamps: { releasedAt }, updatedAt },
          merge: true,
        })),
      );
    }
  }
}
