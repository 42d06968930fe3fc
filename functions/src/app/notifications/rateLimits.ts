import type { Channel } from '../../domain/channels.js';
import { paths } from '../../domain/paths.js';
import { localDay, safeZone } from '../../domain/notifications/schedule.js';
import type { DocumentStore, Transaction } from '../../ports.js';

/** Daily limits per channel; a channel without one (push) is unlimited. */
export type DailyLimits = Partial<Record<Channel, number>>;

export interface ConsumeRequest {
  uid: string;
  channel: Channel;
  /** The user's IANA zone: the day resets at their local midnight. */
  timeZone: string;
  now: Date;
}

export interface ConsumeResult {
  allowed: boolean;
  count: number;
  limit: number;
}

/**
 * Per-user, per-channel daily counters in users/{uid}/counters/rate_{channel}_{yyyy-MM-dd} (the user's local day).
 * Exact under concurrency: the read and the increment are one transaction, so ten concurrent SMS get counts 1…10 and
 * the eleventh is refused, never eleven. `reserveIn` does the same inside a caller's transaction, so a delivery
 * document and its count commit together (a retried trigger neither re-counts nor loses the count).
 */
export class RateLimiter {
  constructor(
    private readonly store: DocumentStore,
    private readonly limits: DailyLimits,
  ) {}

  limitFor(channel: Channel): number {
    return this.limits[channel] ?? Number.POSITIVE_INFINITY;
  }

  async tryConsume(request: ConsumeRequest): Promise<ConsumeResult> {
    return this.store.transaction(async (tx) => {
      const reservation = await this.reserveIn(tx, request);
      if (reservation.allowed) reservation.commit();
      return { allowed: reservation.allowed, count: reservation.count, limit: reservation.limit };
    });
  }

  /**
   * Reads the counter inside `tx` (call it with the transaction's other reads, before any write). `commit()` adds
   * the increment; call it only if you go ahead. An unlimited channel reads and writes nothing.
   */
  async reserveIn(
    tx: Transaction,
    { uid, channel, timeZone, now }: ConsumeRequest,
  ): Promise<ConsumeResult & { commit: () => void }> {
    const limit = this.limitFor(channel);
    if (!Number.isFinite(limit)) return { allowed: true, count: 0, limit, commit: () => undefined };
    const day = localDay(now, safeZone(timeZone));
    const path = paths.counter(uid, `rate_${channel}_${day}`);
    const used = Number((await tx.get(path)).data?.count ?? 0);
    const allowed = used < limit;
    return {
      allowed,
      count: allowed ? used + 1 : used,
      limit,
      commit: () => tx.set(path, { count: used + 1, channel, day, limit, updatedAt: now }),
    };
  }
}
