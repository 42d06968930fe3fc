import type { Clock, DocData, DocSnapshot, DocumentStore, Transaction } from '../../ports.js';
import { fieldOps } from '../../ports.js';
import { paths } from '../../domain/paths.js';
import type { DeliveryJob, DeliveryStatus } from '../../domain/delivery.js';
import { canAdvance, deliveryJobSchema, fallbackJob } from '../../domain/delivery.js';
import { MAX_SWEEPS } from '../../domain/delivery/sweep.js';
import { isStale } from '../../domain/delivery/stale.js';
import { STATUS_TIMESTAMP } from '../../domain/delivery/providerStatus.js';
import { CHANNEL_PROVIDER, deliveryExpiresAt, deliveryRecord } from '../../domain/delivery/record.js';
import type { ProviderChannel } from '../../domain/channels.js';
import { PROVIDER_CHANNELS } from '../../domain/channels.js';
import type { AttemptError } from './resilience.js';

/** `deliveries/{id}` as channel delivery reads it (the pipeline writes the first fields; we add the rest). */
export interface DeliveryDoc extends DocData {
  deliveryId: string;
  uid: string;
  channel: ProviderChannel;
  status: DeliveryStatus;
  attempts: number;
  errors: AttemptError[];
  timestamps: Record<string, Date>;
  leaseUntil?: Date;
  fallbackTo?: ProviderChannel;
  fallbackPublished?: boolean;
  updatedAt?: Date;
  /**
   * The job itself, kept while the delivery is in flight (claimed, or failed with its fallback not yet published) so
   * the sweeper can republish it; removed at the terminal write. Server-only like the rest of the record.
   */
  job?: unknown;
  /** Set just before a provider call, cleared when its outcome is written: "a call may have reached the provider". */
  providerCallStartedAt?: Date;
  /** The rate-limit unit this delivery took (a fallback SMS), so a redelivery does not take another. */
  rateUnit?: { takenAt: Date; count: number; limit: number };
  /** Times the sweeper republished the job. */
  sweeps?: number;
}

export type Claim =
  /**
   * `unknownOutcome`: a takeover of a claim whose provider call started and never recorded an outcome (the instance
   * died during or right after the call, and no provider callback has moved the status since).
   */
  | { kind: 'claimed'; attempts: number; unknownOutcome?: { callStartedAt: Date } }
  /** Another invocation holds a live lease: it may still be sending, or it died; hand the job back to Pub/Sub. */
  | { kind: 'busy'; leaseUntil: Date }
  | { kind: 'skip'; status: DeliveryStatus | 'stale' }
  /** Failed earlier but the fallback job was not published (the function died in between): publish it now. */
  | { kind: 'republish-fallback'; to: ProviderChannel };

/** A claim on a delivery that is still being sent; after this, another delivery of the job may take over. */
export const LEASE_MS = 2 * 60_000;

const CLAIMABLE: readonly DeliveryStatus[] = ['queued', 'batched'];

export type SweepOutcome =
  | { action: 'none' }
  | { action: 'republished'; job: DeliveryJob }
  /** `job` is set when the delivery's critical fallback is now to be published. */
  | { action: 'failed'; reason: string; job?: DeliveryJob };

/** The job as the record keeps it: its JSON form (no undefined fields, which Firestore refuses). */
const storedJob = (job: DeliveryJob): DocData => JSON.parse(JSON.stringify(job)) as DocData;

/**
 * The delivery ledger. Every change is a check-and-set in a transaction: a job that Pub/Sub delivers twice is
 * claimed once (so the provider is called once), and statuses only move forward (canAdvance).
 */
export class DeliveryRepo {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
  ) {}

  get(deliveryId: string): Promise<DeliveryDoc | undefined> {
    return this.store.get(paths.delivery(deliveryId)).then((snap) => snap.data as DeliveryDoc | undefined);
  }

  /** Moves the delivery to `sending` if nobody has (creating it if missing, e.g. for a fallback job), or drops it as stale. */
  claim(job: DeliveryJob): Promise<Claim> {
    const path = paths.delivery(job.deliveryId);
    return this.store.transaction(async (tx) => {
      const now = this.clock.now();
      const snap = await tx.get(path);
      const doc = snap.data as DeliveryDoc | undefined;
      const stale = isStale(job, now);
      if (!doc) {
        // No document from routing: a fallback job (or one whose routing write was lost). Same record shape as routing's.
        const status: DeliveryStatus = stale ? 'stale' : 'sending';
        const { deliveryId, eventId, uid, channel, type, category, priority, critical, notificationId, groupKey } = job;
        tx.create(
          path,
          deliveryRecord(
            { deliveryId, eventId, uid, channel, type, category, priority, critical, notificationId, groupKey },
            status,
            now,
            {
              ...(stale
                ? { reason: 'stale' }
                : { leaseUntil: new Date(now.getTime() + LEASE_MS), job: storedJob(job) }),
              ...(job.fallbackFrom ? { fallbackFrom: job.fallbackFrom } : {}),
            },
            ['queued'],
          ),
        );
        return stale ? { kind: 'skip', status: 'stale' } : { kind: 'claimed', attempts: 0 };
      }
      const leaseOver = doc.status === 'sending' && (!doc.leaseUntil || doc.leaseUntil.getTime() <= now.getTime());
      // A live lease: acknowledging this delivery would lose the job if the holder died before the provider call.
      if (doc.status === 'sending' && !leaseOver) return { kind: 'busy', leaseUntil: doc.leaseUntil! };
      if (!CLAIMABLE.includes(doc.status) && !leaseOver) {
        if (doc.status === 'failed' || doc.status === 'suppressed') {
          if (doc.fallbackTo && !doc.fallbackPublished) return { kind: 'republish-fallback', to: doc.fallbackTo };
        }
        return { kind: 'skip', status: doc.status };
      }
      if (stale) {
        tx.update(path, { status: 'stale', reason: 'stale', 'timestamps.staleAt': now, updatedAt: now });
        return { kind: 'skip', status: 'stale' };
      }
      // sendingAt is the first try; later tries (after a released claim) show in errors[].at.
      tx.update(path, {
        status: 'sending',
        leaseUntil: new Date(now.getTime() + LEASE_MS),
        updatedAt: now,
        job: storedJob(job),
        ...(doc.timestamps?.sendingAt ? {} : { 'timestamps.sendingAt': now }),
        ...(doc.providerCallStartedAt ? { providerCallStartedAt: fieldOps.delete() } : {}),
      });
      // A provider callback (Twilio status, SendGrid processed) would have moved the status past `sending`: none came.
      const unknownOutcome =
        leaseOver && doc.providerCallStartedAt ? { callStartedAt: doc.providerCallStartedAt } : undefined;
      return { kind: 'claimed', attempts: doc.attempts ?? 0, ...(unknownOutcome ? { unknownOutcome } : {}) };
    });
  }

  /** The provider accepted the message. */
  recordSent(
    deliveryId: string,
    result: { provider: string; providerMessageId: string; attempts: number; errors: AttemptError[]; extra?: DocData },
  ): Promise<void> {
    return this.finish(
      deliveryId,
      'sent',
      {
        provider: result.provider,
        providerMessageId: result.providerMessageId,
        ...result.extra,
      },
      result,
    );
  }

  /** Could not deliver on this channel (permanent error, no device, opted out, over the limit, gave up retrying). */
  recordFailed(
    deliveryId: string,
    status: 'failed' | 'suppressed',
    result: {
      reason: string;
      provider?: string;
      attempts: number;
      errors: AttemptError[];
      fallbackTo?: ProviderChannel;
    },
  ): Promise<void> {
    return this.finish(
      deliveryId,
      status,
      {
        reason: result.reason,
        ...(result.provider ? { provider: result.provider } : {}),
        ...(result.fallbackTo ? { fallbackTo: result.fallbackTo, fallbackPublished: false } : {}),
      },
      result,
    );
  }

  /** A transient failure: keep the errors, release the claim so Pub/Sub's redelivery can try again. */
  async recordRetryLater(deliveryId: string, result: { attempts: number; errors: AttemptError[] }): Promise<void> {
    const path = paths.delivery(deliveryId);
    await this.store.transaction(async (tx) => {
      const doc = (await tx.get(path)).data as DeliveryDoc | undefined;
      if (!doc || doc.status !== 'sending') return;
      tx.update(path, {
        attempts: (doc.attempts ?? 0) + result.attempts,
        errors: [...(doc.errors ?? []), ...result.errors],
        leaseUntil: new Date(0),
        // The calls of this invocation all ended with an error: nothing is in flight any more.
        ...(doc.providerCallStartedAt ? { providerCallStartedAt: fieldOps.delete() } : {}),
        updatedAt: this.clock.now(),
      });
    });
  }

  /** The fallback job is on its topic: the job payload is no longer needed. */
  async markFallbackPublished(deliveryId: string): Promise<void> {
    await this.store.update(paths.delivery(deliveryId), {
      fallbackPublished: true,
      job: fieldOps.delete(),
      updatedAt: this.clock.now(),
    });
  }

  /** Written just before the first provider call of a claim: a takeover that finds it knows a call may have gone out. */
  async markProviderCall(deliveryId: string): Promise<void> {
    const now = this.clock.now();
    await this.store.update(paths.delivery(deliveryId), { providerCallStartedAt: now, updatedAt: now });
  }

  /**
   * Takes one rate-limit unit for this delivery, once: the unit and the mark on the delivery commit together, so a
   * redelivered job (after a transient failure, a crash or a takeover) finds the mark and takes no second unit.
   */
  takeRateUnitOnce(
    deliveryId: string,
    reserve: (tx: Transaction) => Promise<{ allowed: boolean; count: number; limit: number; commit: () => void }>,
  ): Promise<{ allowed: boolean; count: number; limit: number }> {
    const path = paths.delivery(deliveryId);
    return this.store.transaction(async (tx) => {
      const doc = (await tx.get(path)).data as DeliveryDoc | undefined;
      if (doc?.rateUnit) return { allowed: true, count: doc.rateUnit.count, limit: doc.rateUnit.limit };
      const reservation = await reserve(tx);
      if (!reservation.allowed) return { allowed: false, count: reservation.count, limit: reservation.limit };
      reservation.commit();
      // An unlimited channel has an infinite limit, which Firestore cannot store: only finite units are marked.
      if (doc && Number.isFinite(reservation.limit)) {
        tx.update(path, {
          rateUnit: { takenAt: this.clock.now(), count: reservation.count, limit: reservation.limit },
        });
      }
      return { allowed: true, count: reservation.count, limit: reservation.limit };
    });
  }

  /** Deliveries in `status` not touched since `before`, oldest first (index: deliveries status + updatedAt). */
  untouchedSince(status: 'sending' | 'queued', before: Date, limit: number): Promise<DocSnapshot[]> {
    return this.store.query(paths.deliveries(), {
      where: [
        ['status', '==', status],
        ['updatedAt', '<=', before],
      ],
      orderBy: [{ field: 'updatedAt' }],
      limit,
    });
  }

  /** Failed or suppressed deliveries whose fallback job has not been published yet. */
  fallbackPending(limit: number): Promise<DocSnapshot[]> {
    return this.store.query(paths.deliveries(), { where: [['fallbackPublished', '==', false]], limit });
  }

  /**
   * The sweeper's check-and-set on one stuck delivery: still stuck (same status, not touched since `before`)?
   * Republish its job (counting the sweep), or end it `failed` with `reason` when there is no job to republish or it
   * has been swept MAX_SWEEPS times. A critical one that ends here records its fallback, returned for publishing.
   */
  sweep(deliveryId: string, expected: 'sending' | 'queued', before: Date): Promise<SweepOutcome> {
    const path = paths.delivery(deliveryId);
    return this.store.transaction(async (tx) => {
      const now = this.clock.now();
      const doc = (await tx.get(path)).data as DeliveryDoc | undefined;
      if (!doc || doc.status !== expected || (doc.updatedAt && doc.updatedAt.getTime() > before.getTime()))
        return { action: 'none' };
      if (doc.leaseUntil && doc.leaseUntil.getTime() > now.getTime()) return { action: 'none' };
      const parsed = deliveryJobSchema.safeParse(doc.job);
      const job = parsed.success ? parsed.data : undefined;
      const sweeps = (doc.sweeps ?? 0) + 1;
      if (job && sweeps <= MAX_SWEEPS) {
        tx.update(path, { sweeps, updatedAt: now });
        return { action: 'republished', job };
      }
      const reason = !job ? (expected === 'queued' ? 'never-claimed' : 'job-lost') : 'stuck';
      const message = !job
        ? `${expected} since ${(doc.updatedAt ?? now).toISOString()} and no job to republish`
        : `still ${expected} after ${MAX_SWEEPS} republished jobs`;
      const next = job ? fallbackJob(job) : undefined;
      tx.update(path, {
        status: 'failed',
        reason,
        'timestamps.failedAt': doc.timestamps?.failedAt ?? now,
        updatedAt: now,
        leaseUntil: null,
        sweeps,
        errors: [
          ...(doc.errors ?? []),
          {
            at: now,
            attempt: doc.attempts ?? 0,
            provider: CHANNEL_PROVIDER[doc.channel] ?? 'none',
            code: reason,
            message,
            transient: false,
          },
        ],
        ...(doc.providerCallStartedAt ? { providerCallStartedAt: fieldOps.delete() } : {}),
        ...(next ? { fallbackTo: next.channel, fallbackPublished: false } : { job: fieldOps.delete() }),
      });
      return { action: 'failed', reason, ...(job && next ? { job } : {}) };
    });
  }

  /** A failed delivery's pending fallback, if it still is pending (its job is still kept). */
  async pendingFallbackJob(deliveryId: string): Promise<DeliveryJob | undefined> {
    const doc = await this.get(deliveryId);
    if (!doc || doc.fallbackPublished !== false) return undefined;
    const parsed = deliveryJobSchema.safeParse(doc.job);
    return parsed.success ? parsed.data : undefined;
  }

  /** A job that could not be parsed: recorded (when it names its delivery) so it is visible, then acknowledged. */
  async recordUnparseable(deliveryId: string, channel: string | undefined, error: string): Promise<void> {
    const now = this.clock.now();
    await this.store.transaction(async (tx) => {
      const path = paths.delivery(deliveryId);
      const doc = (await tx.get(path)).data as DeliveryDoc | undefined;
      const entry = { at: now, attempt: 0, provider: 'none', code: 'invalid-job', message: error, transient: false };
      if (!doc) {
        const known = (PROVIDER_CHANNELS as readonly string[]).includes(channel ?? '')
          ? (channel as ProviderChannel)
          : undefined;
        tx.create(path, {
          deliveryId,
          ...(known ? { channel: known, provider: CHANNEL_PROVIDER[known] } : {}),
          status: 'failed',
          reason: 'invalid-job',
          attempts: 0,
          errors: [entry],
          timestamps: { failedAt: now },
          createdAt: now,
          updatedAt: now,
          expiresAt: deliveryExpiresAt(now),
        });
        return;
      }
      // The same message redelivered (Pub/Sub may deliver twice) records nothing more: the outcome of once.
      if (doc.reason === 'invalid-job' && doc.errors?.some((e) => e.code === 'invalid-job' && e.message === error))
        return;
      const move = canAdvance(doc.status, 'failed') ? { status: 'failed', 'timestamps.failedAt': now } : {};
      tx.update(path, { ...move, reason: 'invalid-job', errors: [...(doc.errors ?? []), entry], updatedAt: now });
    });
  }

  /**
   * A provider callback (Twilio status, SendGrid event): records when it happened even if it arrives out of order,
   * moves the status only forward. `apply` may add fields computed from the current document (e.g. price once).
   */
  applyProviderEvent(
    deliveryId: string,
    event: {
      status?: DeliveryStatus;
      at: Date;
      fields?: DocData;
      timestampField?: string;
      /**
       * A failure the provider reported after accepting the message (bounce, undelivered), kept in `errors` once: a
       * redelivered webhook matches it by the provider's event id, or else by code and message.
       */
      error?: Omit<AttemptError, 'attempt'> & { providerEventId?: string };
    },
    apply?: (doc: DeliveryDoc) => { fields?: DocData; also?: (tx: Transaction) => void } | undefined,
  ): Promise<'updated' | 'missing'> {
    const path = paths.delivery(deliveryId);
    return this.store.transaction(async (tx) => {
      const doc = (await tx.get(path)).data as DeliveryDoc | undefined;
      if (!doc) return 'missing';
      const extra = apply?.(doc);
      const update: DocData = { ...event.fields, ...extra?.fields, updatedAt: this.clock.now() };
      const error = event.error;
      const same = (e: AttemptError & { providerEventId?: string }) =>
        error?.providerEventId
          ? e.providerEventId === error.providerEventId
          : e.provider === error?.provider && e.code === error.code && e.message === error.message;
      if (error && !(doc.errors ?? []).some(same)) {
        update.errors = [...(doc.errors ?? []), { ...error, attempt: doc.attempts ?? 0 }];
      }
      const stampField = event.timestampField ?? (event.status ? STATUS_TIMESTAMP[event.status] : undefined);
      if (stampField && !doc.timestamps?.[stampField]) update[`timestamps.${stampField}`] = event.at;
      if (event.status && canAdvance(doc.status, event.status)) update.status = event.status;
      tx.update(path, update);
      extra?.also?.(tx);
      return 'updated';
    });
  }

  private async finish(
    deliveryId: string,
    status: DeliveryStatus,
    fields: DocData,
    result: { attempts: number; errors: AttemptError[] },
  ): Promise<void> {
    const path = paths.delivery(deliveryId);
    await this.store.transaction(async (tx) => {
      const now = this.clock.now();
      const doc = (await tx.get(path)).data as DeliveryDoc | undefined;
      if (!doc) throw new Error(`delivery ${deliveryId} vanished while sending`);
      const update: DocData = {
        ...fields,
        attempts: (doc.attempts ?? 0) + result.attempts,
        errors: [...(doc.errors ?? []), ...result.errors],
        leaseUntil: null,
        updatedAt: now,
        // The job stays only while its fallback is still to be published (the sweeper republishes it from here).
        ...(fields.fallbackPublished === false ? {} : { job: fieldOps.delete() }),
        ...(doc.providerCallStartedAt ? { providerCallStartedAt: fieldOps.delete() } : {}),
      };
      // A fast provider callback may already have moved it further (delivered before we wrote sent): keep that.
      if (canAdvance(doc.status, status)) update.status = status;
      const stamp = STATUS_TIMESTAMP[status];
      if (stamp && !doc.timestamps?.[stamp]) update[`timestamps.${stamp}`] = now;
      tx.update(path, update);
    });
  }
}
