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
  /** The local day per zone and instant: a fan-out chunk asks for the same few zones hundreds of times. */
  private readonly days = new Map<string, string>();

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
      // Merged, so the holders a fan-out chunk recorded (reserveManyIn) survive a reservation made here.
      commit: () => tx.set(path, { count: used + 1, channel, day, limit, updatedAt: now }, { merge: true }),
    };
  }

  /** The counter document a request reads and writes; undefined for an unlimited channel. */
  counterPath({ uid, channel, timeZone, now }: ConsumeRequest): string | undefined {
    if (!Number.isFinite(this.limitFor(channel))) return undefined;
    return paths.counter(uid, `rate_${channel}_${this.dayOf(now, timeZone)}`);
  }

  private dayOf(now: Date, timeZone: string): string {
    const key = `${timeZone}|${now.getTime()}`;
    let day = this.days.get(key);
    if (day === undefined) {
      if (this.days.size > 1_000) this.days.clear();
      day = localDay(now, safeZone(timeZone));
      this.days.set(key, day);
    }
    return day;
  }

  /**
   * Many reservations in one transaction (a fan-out chunk), each held by `holder` (the event): the counters are read
   * with one getAll, every allowed request is counted and its holder recorded in the counter (`holders`, at most
   * `limit` entries a day), and a request whose holder is already there is allowed again without counting. So the
   * chunk's other writes can commit after this transaction, in batches: a replay of the chunk (after a crash, or
   * racing the first run) finds its reservations held and neither counts twice nor is refused. Requests for the same
   * counter are decided in order. Returns one result per request; unlimited channels read and write nothing.
   */
  async reserveManyIn(tx: Transaction, holder: string, requests: readonly ConsumeRequest[]): Promise<boolean[]> {
    const pathsOf = requests.map((r) => this.counterPath(r));
    const unique = [...new Set(pathsOf.filter((p): p is string => p !== undefined))];
    const snaps = await tx.getAll(unique);
    const counters = new Map(
      unique.map((path, i) => {
        const data = snaps[i]!.data;
        return [
          path,
          {
            used: Number(data?.count ?? 0),
            held: typeof data?.holders === 'object' && data.holders !== null && holder in data.holders,
            changed: false,
          },
        ];
      }),
    );
    const allowed = requests.map((r, i) => {
      const path = pathsOf[i];
      if (path === undefined) return true;
      const counter = counters.get(path)!;
      if (counter.held) return true;
      if (counter.used >= this.limitFor(r.channel)) return false;
      counter.used++;
      counter.held = true;
      counter.changed = true;
      return true;
    });
    for (const [i, r] of requests.entries()) {
      const path = pathsOf[i];
      const counter = path === undefined ? undefined : counters.get(path);
      if (!counter?.changed) continue;
      counter.changed = false;
      tx.set(
        path!,
        {
          count: counter.used,
          channel: r.channel,
          day: this.dayOf(r.now, r.timeZone),
          limit: this.limitFor(r.channel),
          updatedAt: r.now,
          holders: { [holder]: true },
        },
        { merge: true },
      );
    }
    return allowed;
  }
}
