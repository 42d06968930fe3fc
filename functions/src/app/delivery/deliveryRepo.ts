import type { Clock, DocData, DocumentStore, Transaction } from '../../ports.js';
import { paths } from '../../domain/paths.js';
import type { DeliveryJob, DeliveryStatus } from '../../domain/delivery.js';
import { canAdvance } from '../../domain/delivery.js';
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
}

export type Claim =
  | { kind: 'claimed'; attempts: number }
  | { kind: 'skip'; status: DeliveryStatus | 'stale' }
  /** Failed earlier but the fallback job was not published (the function died in between): publish it now. */
  | { kind: 'republish-fallback'; to: ProviderChannel };

/** A claim on a delivery that is still being sent; after this, another delivery of the job may take over. */
export const LEASE_MS = 2 * 60_000;

const CLAIMABLE: readonly DeliveryStatus[] = ['queued', 'batched'];

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
        tx.create(path, deliveryRecord({ deliveryId, eventId, uid, channel, type, category, priority, critical, notificationId, groupKey }, status, now, {
          ...(stale ? { reason: 'stale' } : { leaseUntil: new Date(now.getTime() + LEASE_MS) }),
          ...(job.fallbackFrom ? { fallbackFrom: job.fallbackFrom } : {}),
        }, ['queued']));
        return stale ? { kind: 'skip', status: 'stale' } : { kind: 'claimed', attempts: 0 };
      }
      const leaseOver = doc.status === 'sending' && (!doc.leaseUntil || doc.leaseUntil.getTime() <= now.getTime());
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
        status: 'sending', leaseUntil: new Date(now.getTime() + LEASE_MS), updatedAt: now, ...(doc.timestamps?.sendingAt ? {} : { 'timestamps.sendingAt': now }),
      });
      return { kind: 'claimed', attempts: doc.attempts ?? 0 };
    });
  }

  /** The provider accepted the message. */
  recordSent(deliveryId: string, result: { provider: string; providerMessageId: string; attempts: number; errors: AttemptError[]; extra?: DocData }): Promise<void> {
    return this.finish(deliveryId, 'sent', {
      provider: result.provider,
      providerMessageId: result.providerMessageId,
      ...result.extra,
    }, result);
  }

  /** Could not deliver on this channel (permanent error, no device, opted out, over the limit, gave up retrying). */
  recordFailed(
    deliveryId: string,
    status: 'failed' | 'suppressed',
    result: { reason: string; provider?: string; attempts: number; errors: AttemptError[]; fallbackTo?: ProviderChannel },
  ): Promise<void> {
    return this.finish(deliveryId, status, {
      reason: result.reason,
      ...(result.provider ? { provider: result.provider } : {}),
      ...(result.fallbackTo ? { fallbackTo: result.fallbackTo, fallbackPublished: false } : {}),
    }, result);
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
        updatedAt: this.clock.now(),
      });
    });
  }

  async markFallbackPublished(deliveryId: string): Promise<void> {
    await this.store.update(paths.delivery(deliveryId), { fallbackPublished: true, updatedAt: this.clock.now() });
  }

  /** A job that could not be parsed: recorded (when it names its delivery) so it is visible, then acknowledged. */
  async recordUnparseable(deliveryId: string, channel: string | undefined, error: string): Promise<void> {
    const now = this.clock.now();
    await this.store.transaction(async (tx) => {
      const path = paths.delivery(deliveryId);
      const doc = (await tx.get(path)).data as DeliveryDoc | undefined;
      const entry = { at: now, attempt: 0, provider: 'none', code: 'invalid-job', message: error, transient: false };
      if (!doc) {
        const known = (PROVIDER_CHANNELS as readonly string[]).includes(channel ?? '') ? (channel as ProviderChannel) : undefined;
        tx.create(path, {
          deliveryId, ...(known ? { channel: known, provider: CHANNEL_PROVIDER[known] } : {}), status: 'failed', reason: 'invalid-job', attempts: 0, errors: [entry],
          timestamps: { failedAt: now }, createdAt: now, updatedAt: now, expiresAt: deliveryExpiresAt(now),
        });
        return;
      }
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
        error?.providerEventId ? e.providerEventId === error.providerEventId : e.provider === error?.provider && e.code === error.code && e.message === error.message;
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
      };
      // A fast provider callback may already have moved it further (delivered before we wrote sent): keep that.
      if (canAdvance(doc.status, status)) update.status = status;
      const stamp = STATUS_TIMESTAMP[status];
      if (stamp && !doc.timestamps?.[stamp]) update[`timestamps.${stamp}`] = now;
      tx.update(path, update);
    });
  }
}
