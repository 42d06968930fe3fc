import type { Clock, DocData, DocumentStore, Logger, Transaction } from '../../ports.js';
import { fieldOps } from '../../ports.js';
import { paths } from '../../domain/paths.js';
import { deliveryExpiresAt } from '../../domain/delivery/record.js';
import { canonicalLocale } from '../../domain/validation.js';
import type { CountPlan, DeliveryView, Increments, Mark } from '../../domain/analytics/aggregates.js';
import {
  dailyId,
  dayOf,
  deliveryViewSchema,
  freshMark,
  healthId,
  planCounts,
  shardOf,
} from '../../domain/analytics/aggregates.js';
import { assignVariant } from '../../domain/analytics/experiments.js';
import type { Variant } from '../../domain/analytics/experiments.js';
import { analyticsPaths } from '../../domain/analytics/paths.js';

/** `analyticsTouches/{uid}`: the latest notification the user opened or clicked, for conversion attribution. */
export interface Touch {
  markKey: string;
  at: Date;
  channel: string;
  type: string;
  expiresAt: Date;
}

const increments = (values: Increments): DocData =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [k, fieldOps.increment(v)]));

/**
 * Counts deliveries and in-app notifications into the aggregates (see src/domain/analytics/aggregates.ts for what
 * is counted and why it stays exact): one transaction reads the marker, writes the increments and the new marker.
 * Counter shards are only written (blind increments), never read, inside the transaction: concurrent counts of
 * different deliveries do not conflict on them; the only read-write document is the delivery's own marker.
 */
export class DeliveryCounter {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** The `deliveries/{id}` onWrite trigger. */
  async onDeliveryWritten(deliveryId: string, after: DocData | undefined): Promise<void> {
    const view = after ? deliveryViewSchema.safeParse(after) : undefined;
    if (view && !view.success) {
      this.logger.warn('analytics: delivery record not counted', { deliveryId, reason: view.error.message });
      return;
    }
    await this.count(deliveryId, deliveryId, view?.data, { health: true });
  }

  /**
   * `users/{uid}/notifications/{id}` written: the in-app channel. Created counts as sent, read as opened (the
   * notification center's read, linked to the deliveries of the same notification by its id).
   */
  async onInAppWritten(uid: string, notificationId: string, after: DocData | undefined): Promise<void> {
    const createdAt = after?.createdAt instanceof Date ? after.createdAt : undefined;
    const view: DeliveryView | undefined =
      after && createdAt
        ? deliveryViewSchema.parse({
            uid,
            channel: 'inApp',
            type: typeof after.type === 'string' ? after.type : 'unknown',
            status: after.read ? 'opened' : 'sent',
            createdAt,
            updatedAt: after.updatedAt instanceof Date ? after.updatedAt : createdAt,
            timestamps: {
              sentAt: createdAt,
              ...(after.read && after.readAt instanceof Date ? { openedAt: after.readAt } : {}),
            },
          })
        : undefined;
    if (after && !view) return;
    await this.count(`inApp_${uid}_${notificationId}`, notificationId, view, { health: false });
  }

  private async count(
    markKey: string,
    shardKey: string,
    view: DeliveryView | undefined,
    options: { health: boolean },
  ): Promise<void> {
    const markPath = analyticsPaths.mark(markKey);
    await this.store.transaction(async (tx) => {
      const now = this.clock.now();
      const snap = await tx.get(markPath);
      let mark = snap.data as Mark | undefined;
      if (!mark) {
        if (!view) return; // deleted before it was ever counted: nothing to release
        mark = await this.newMark(tx, view, now);
      }
      const plan = planCounts(view, mark, now);
      const touch = view && plan.daily.opened ? await this.touchUpdate(tx, markKey, view, now) : undefined;
      if (!options.health) plan.health = {};
      if (!snap.exists || JSON.stringify(plan.mark) !== JSON.stringify(mark) || hasAny(plan)) {
        this.write(tx, shardOf(shardKey), plan);
        tx.set(markPath, plan.mark as unknown as DocData);
      }
      if (touch) tx.set(analyticsPaths.touch(touch.uid), touch.data);
    });
  }

  /** A delivery's bucket: its day and type, its channel, the locale it was rendered in; its experiment variant. */
  private async newMark(tx: Transaction, view: DeliveryView, now: Date): Promise<Mark> {
    // The locale travels on the in-flight job; a record seen before its claim (queued, suppressed) has none.
    const needProfile = !view.job?.locale && view.uid !== undefined;
    const activePath = analyticsPaths.activeExperiment(view.type.replace(/\//g, '_'));
    const snaps = await tx.getAll(needProfile ? [activePath, paths.user(view.uid!)] : [activePath]);
    const [active, profile] = [snaps[0], snaps[1]];
    const profileLocale = typeof profile?.data?.locale === 'string' ? canonicalLocale(profile.data.locale) : undefined;
    const locale = view.job?.locale ?? profileLocale ?? 'en';
    const createdAt = view.createdAt ?? now;
    const mark = freshMark(view, locale, now, deliveryExpiresAt(createdAt));
    const experiment = active?.data as { experimentId?: string; variants?: Variant[]; status?: string } | undefined;
    if (view.uid && experiment?.status === 'running' && experiment.experimentId && experiment.variants?.length) {
      mark.experiment = {
        experimentId: experiment.experimentId,
        variant: assignVariant(experiment.experimentId, view.uid, experiment.variants),
      };
    }
    return mark;
  }

  /** The latest opened/clicked notification of the user (reads before the transaction writes). */
  private async touchUpdate(tx: Transaction, markKey: string, view: DeliveryView, now: Date) {
    if (!view.uid) return undefined;
    const at = view.timestamps.openedAt ?? view.timestamps.clickedAt ?? now;
    const current = (await tx.get(analyticsPaths.touch(view.uid))).data as Touch | undefined;
    if (current && current.at.getTime() >= at.getTime()) return undefined;
    const data: Touch = {
      markKey,
      at,
      channel: view.channel,
      type: view.type,
      expiresAt: new Date(at.getTime() + 30 * 24 * 3600_000),
    };
    return { uid: view.uid, data: data as unknown as DocData };
  }

  private write(tx: Transaction, shard: number, plan: CountPlan): void {
    const m = plan.mark;
    if (Object.keys(plan.daily).length > 0) {
      tx.set(
        analyticsPaths.dailyDoc(dailyId(m, shard)),
        {
          day: m.day,
          type: m.type,
          channel: m.channel,
          locale: m.locale,
          shard,
          ...(plan.costUnit ? { costUnit: plan.costUnit } : {}),
          ...increments(plan.daily),
        },
        { merge: true },
      );
    }
    if (plan.daily.cost && m.channel === 'sms') {
      tx.set(
        analyticsPaths.smsSpend(m.day, shard),
        { day: m.day, shard, unit: plan.costUnit ?? 'USD', ...increments({ cost: plan.daily.cost, messages: 1 }) },
        { merge: true },
      );
    }
    for (const [slot, values] of Object.entries(plan.health)) {
      tx.set(
        analyticsPaths.healthDoc(healthId(slot, m.channel, shard)),
        { slot, channel: m.channel, shard, ...increments(values) },
        { merge: true },
      );
    }
    if (Object.keys(plan.backlog).length > 0) {
      tx.set(analyticsPaths.backlogDoc(shard), { shard, ...increments(plan.backlog) }, { merge: true });
    }
    if (m.experiment && Object.keys(plan.variant).length > 0) {
      const { experimentId, variant } = m.experiment;
      tx.set(
        analyticsPaths.variantDoc(experimentId, variant, shard),
        { experimentId, variant, shard, ...increments(plan.variant) },
        { merge: true },
      );
    }
  }
}

const hasAny = (plan: CountPlan) =>
  [plan.daily, plan.backlog, plan.variant, ...Object.values(plan.health)].some((v) => Object.keys(v).length > 0);

export { dayOf };
