import type { Channel } from '../../domain/channels.js';
import { LIMITS, RECIPIENT_ROLES, limitFor, profileRole, sameForEveryRole } from '../../domain/notifications/limits.js';
import type { LimitCeilings, LimitTable, RecipientRole } from '../../domain/notifications/limits.js';
import { paths } from '../../domain/paths.js';
import { localDay, safeZone } from '../../domain/notifications/schedule.js';
import type { DocumentStore, Transaction } from '../../ports.js';

/**
 * Ceilings per channel over every role (the SMS_/EMAIL_/IN_APP_DAILY_LIMIT params): each role's own limit comes from
 * the table in src/domain/notifications/limits.ts, and a ceiling only lowers it.
 */
export type DailyLimits = LimitCeilings;

export interface ConsumeRequest {
  uid: string;
  channel: Channel;
  /** The user's IANA zone: the day resets at their local midnight. */
  timeZone: string;
  now: Date;
  /**
   * The recipient's role, when the caller knows it (src/domain/notifications/limits.ts `recipientRole`). Without it,
   * the limiter reads `users/{uid}` in the same transaction (once per transaction and user), and only for a channel
   * whose limit differs between roles (email, in-app; not SMS or push).
   */
  role?: RecipientRole;
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

  /** Roles read per transaction and user: a recipient's channels (and a chunk's) share one profile read. */
  private readonly roles = new WeakMap<Transaction, Map<string, Promise<RecipientRole>>>();

  constructor(
    private readonly store: DocumentStore,
    private readonly ceilings: DailyLimits = {},
    private readonly table: LimitTable = LIMITS,
  ) {}

  /** The limit of `role` on `channel` (Infinity: unlimited). */
  limitFor(channel: Channel, role: RecipientRole): number {
    return limitFor(role, channel, this.ceilings, this.table);
  }

  /** Whether `channel` is limited for `role`, or (role unknown) for any role. */
  private limited(channel: Channel, role: RecipientRole | undefined): boolean {
    if (role !== undefined) return Number.isFinite(this.limitFor(channel, role));
    return RECIPIENT_ROLES.some((r) => Number.isFinite(this.limitFor(channel, r)));
  }

  /** Whether deciding `request` needs the recipient's profile: no role given, and the roles' limits differ. */
  private needsProfile(request: ConsumeRequest): boolean {
    return request.role === undefined && !sameForEveryRole(request.channel, this.ceilings, this.table);
  }

  /** The recipient's role: given, not needed (every role alike: any will do), or read from `users/{uid}` in `tx`. */
  private roleIn(tx: Transaction, request: ConsumeRequest): Promise<RecipientRole> {
    if (request.role !== undefined) return Promise.resolve(request.role);
    if (!this.needsProfile(request)) return Promise.resolve('buyer');
    let perUser = this.roles.get(tx);
    if (!perUser) this.roles.set(tx, (perUser = new Map()));
    let role = perUser.get(request.uid);
    if (!role) {
      role = tx.get(paths.user(request.uid)).then((snap) => profileRole(snap.data));
      perUser.set(request.uid, role);
    }
    return role;
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
   * the increment; call it only if you go ahead. An unlimited channel reads and writes nothing; a channel whose limit
   * depends on the role also reads the recipient's profile (see `ConsumeRequest.role`).
   */
  async reserveIn(tx: Transaction, request: ConsumeRequest): Promise<ConsumeResult & { commit: () => void }> {
    const { uid, channel, timeZone, now } = request;
    if (!this.limited(channel, request.role))
      return { allowed: true, count: 0, limit: Number.POSITIVE_INFINITY, commit: () => undefined };
    const role = await this.roleIn(tx, request);
    const limit = this.limitFor(channel, role);
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
      commit: () => tx.set(path, { count: used + 1, channel, day, limit, role, updatedAt: now }, { merge: true }),
    };
  }

  /**
   * The counter document a request reads and writes; undefined for a channel unlimited for the request's role (role
   * unknown: for every role).
   */
  counterPath({ uid, channel, timeZone, now, role }: ConsumeRequest): string | undefined {
    if (!this.limited(channel, role)) return undefined;
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
   * counter are decided in order. Returns one result per request; unlimited channels read and write nothing. The
   * profiles of recipients whose role decides a limit (and was not given) are read in the same getAll.
   */
  async reserveManyIn(tx: Transaction, holder: string, requests: readonly ConsumeRequest[]): Promise<boolean[]> {
    const pathsOf = requests.map((r) => this.counterPath(r));
    const unique = [...new Set(pathsOf.filter((p): p is string => p !== undefined))];
    const profileUids = [
      ...new Set(requests.filter((r, i) => pathsOf[i] !== undefined && this.needsProfile(r)).map((r) => r.uid)),
    ];
    const snaps = await tx.getAll([...unique, ...profileUids.map((uid) => paths.user(uid))]);
    const readRoles = new Map(profileUids.map((uid, i) => [uid, profileRole(snaps[unique.length + i]!.data)]));
    const roleOf = (r: ConsumeRequest): RecipientRole => r.role ?? readRoles.get(r.uid) ?? 'buyer';
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
      if (counter.used >= this.limitFor(r.channel, roleOf(r))) return false;
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
          limit: this.limitFor(r.channel, roleOf(r)),
          role: roleOf(r),
          updatedAt: r.now,
          holders: { [holder]: true },
        },
        { merge: true },
      );
    }
    return allowed;
  }
}
