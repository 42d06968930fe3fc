import type { Channel } from '../../domain/channels.js';
import { LIMITS, RECIPIENT_ROLES, limitFor, profileRole, sameForEveryRole } from '../../domain/notifications/limits.js';
import type { LimitCeilings, LimitTable, RecipientRole } from '../../domain/notifications/limits.js';
import { paths } from '../../domain/paths.js';
import { localDay, safeZone } from '../../domain/notifications/schedule.js';
import type { DocData, DocSnapshot, DocumentStore, Transaction } from '../../ports.js';

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

/** The day document of a user's rate counters: every channel's count for their local day `yyyy-MM-dd`. */
export function rateCounterPath(uid: string, day: string): string {
  return paths.counter(uid, `rate_${day}`);
}

/**
 * When a day document may go (a TTL policy on `counters.expiresAt` deletes it, and the retention sweep where TTL is not
 * there): its local day has ended everywhere by then (a day lasts until at most 38 h after it began in UTC, from
 * UTC+14 to UTC-12), with a day to spare. Without it, every user kept one document per active day for ever.
 */
export const RATE_COUNTER_KEPT_MS = 3 * 24 * 60 * 60 * 1000;
const rateCounterExpiry = (now: Date): Date => new Date(now.getTime() + RATE_COUNTER_KEPT_MS);

/** One channel's map in a day document; `holders` only where a fan-out chunk reserved (reserveManyIn). */
interface ChannelCount {
  count: number;
  holders: Record<string, unknown> | undefined;
}

function channelCount(data: DocData | undefined, channel: Channel): ChannelCount {
  const map = data?.[channel] as { count?: unknown; holders?: unknown } | undefined;
  const holders = map?.holders;
  return {
    count: Number(map?.count ?? 0),
    holders: typeof holders === 'object' && holders !== null ? (holders as Record<string, unknown>) : undefined,
  };
}

/**
 * Per-user daily counters, one document per user and local day: users/{uid}/counters/rate_{yyyy-MM-dd}, holding
 * `{ day, role, updatedAt, expiresAt, <channel>: { count, limit, holders? } }` for each capped channel used that day. One
 * document, not one per channel, so a fan-out recipient who gets email and in-app costs one counter read and write
 * (issue 14).
 *
 * Exact under concurrency: the read and the increment are one transaction, so ten concurrent SMS get counts 1…10 and
 * the eleventh is refused, never eleven. `reserveIn` does the same inside a caller's transaction, so a delivery
 * document and its count commit together (a retried trigger neither re-counts nor loses the count). Every write is a
 * set with merge of the channels it counted only: Firestore (and the memory store) merge nested maps field by field,
 * so two channels reserved in one transaction (each read the same document) each keep their own increment, and the
 * holders a chunk recorded survive a later `reserveIn`.
 *
 * `role` is the recipient's role as the last reservation that knew it found it (given, or read from the profile); a
 * reservation on a channel whose limit is the same for every role (SMS) does not need it and leaves it as it is.
 */
export class RateLimiter {
  /** The local day per zone and instant: a fan-out chunk asks for the same few zones hundreds of times. */
  private readonly days = new Map<string, string>();

  /**
   * Documents read per transaction, by path: a recipient's channels share one read of their day document and one of
   * their profile (the role), however many reserveIn calls the transaction makes. A retried transaction is a new
   * Transaction object, so it reads afresh.
   */
  private readonly reads = new WeakMap<Transaction, Map<string, Promise<DocSnapshot>>>();

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

  /** `path` read in `tx`, once per transaction. */
  private readIn(tx: Transaction, path: string): Promise<DocSnapshot> {
    let perPath = this.reads.get(tx);
    if (!perPath) this.reads.set(tx, (perPath = new Map()));
    let read = perPath.get(path);
    if (!read) {
      read = tx.get(path);
      perPath.set(path, read);
    }
    return read;
  }

  /**
   * The recipient's role: given, read from `users/{uid}` in `tx`, or undefined when the limit is the same for every
   * role (then any role decides it, and none is recorded).
   */
  private async knownRoleIn(tx: Transaction, request: ConsumeRequest): Promise<RecipientRole | undefined> {
    if (request.role !== undefined) return request.role;
    if (!this.needsProfile(request)) return undefined;
    return profileRole((await this.readIn(tx, paths.user(request.uid))).data);
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
   * depends on the role also reads the recipient's profile (see `ConsumeRequest.role`). Several channels of one user
   * in one transaction share the day document's read, and each commit merges only its own channel's map.
   */
  async reserveIn(tx: Transaction, request: ConsumeRequest): Promise<ConsumeResult & { commit: () => void }> {
    const { uid, channel, timeZone, now } = request;
    if (!this.limited(channel, request.role))
      return { allowed: true, count: 0, limit: Number.POSITIVE_INFINITY, commit: () => undefined };
    const role = await this.knownRoleIn(tx, request);
    const limit = this.limitFor(channel, role ?? 'buyer');
    if (!Number.isFinite(limit)) return { allowed: true, count: 0, limit, commit: () => undefined };
    const day = this.dayOf(now, timeZone);
    const path = rateCounterPath(uid, day);
    const used = channelCount((await this.readIn(tx, path)).data, channel).count;
    const allowed = used < limit;
    return {
      allowed,
      count: allowed ? used + 1 : used,
      limit,
      commit: () =>
        tx.set(
          path,
          {
            day,
            ...(role && { role }),
            updatedAt: now,
            expiresAt: rateCounterExpiry(now),
            [channel]: { count: used + 1, limit },
          },
          { merge: true },
        ),
    };
  }

  /**
   * The counter document a request reads and writes; undefined for a channel unlimited for the request's role (role
   * unknown: for every role).
   */
  counterPath({ uid, channel, timeZone, now, role }: ConsumeRequest): string | undefined {
    if (!this.limited(channel, role)) return undefined;
    return rateCounterPath(uid, this.dayOf(now, timeZone));
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
   * Many reservations in one transaction (a fan-out chunk), each held by `holder` (the event): the day documents are
   * read with one getAll, each once however many requests (users' channels) share it, every allowed request is
   * counted and its holder recorded in its channel's map (`<channel>.holders`, at most `limit` entries a day), and a
   * request whose holder is already there is allowed again without counting. So the chunk's other writes can commit
   * after this transaction, in batches: a replay of the chunk (after a crash, or racing the first run) finds its
   * reservations held and neither counts twice nor is refused. Requests for the same counter (user, day, channel) are
   * decided in order. Each changed day document is written once, with the channels the chunk counted. Returns one
   * result per request; unlimited channels read and write nothing. The profiles of recipients whose role decides a
   * limit (and was not given) are read in the same getAll.
   */
  async reserveManyIn(tx: Transaction, holder: string, requests: readonly ConsumeRequest[]): Promise<boolean[]> {
    const pathsOf = requests.map((r) => this.counterPath(r));
    const unique = [...new Set(pathsOf.filter((p): p is string => p !== undefined))];
    const profileUids = [
      ...new Set(requests.filter((r, i) => pathsOf[i] !== undefined && this.needsProfile(r)).map((r) => r.uid)),
    ];
    const snaps = await tx.getAll([...unique, ...profileUids.map((uid) => paths.user(uid))]);
    const readRoles = new Map(profileUids.map((uid, i) => [uid, profileRole(snaps[unique.length + i]!.data)]));
    /** The role that decides `r`, given or read; undefined when its limit is alike for every role (none recorded). */
    const roleOf = (r: ConsumeRequest): RecipientRole | undefined => r.role ?? readRoles.get(r.uid);
    const docs = new Map(
      unique.map((path, i) => [
        path,
        {
          data: snaps[i]!.data,
          /** Per channel: its count so far, and whether `holder` holds it. */
          channels: new Map<Channel, { used: number; held: boolean }>(),
          /** What this chunk writes: the channels it counted, and the fields every day document carries. */
          write: undefined as DocData | undefined,
        },
      ]),
    );
    const allowed = requests.map((r, i) => {
      const path = pathsOf[i];
      if (path === undefined) return true;
      const role = roleOf(r);
      const limit = this.limitFor(r.channel, role ?? 'buyer');
      // Capped for some role, not this recipient's: unlimited, as reserveIn has it.
      if (!Number.isFinite(limit)) return true;
      const doc = docs.get(path)!;
      let counter = doc.channels.get(r.channel);
      if (!counter) {
        const { count, holders } = channelCount(doc.data, r.channel);
        counter = { used: count, held: holders !== undefined && holder in holders };
        doc.channels.set(r.channel, counter);
      }
      if (counter.held) return true;
      if (counter.used >= limit) return false;
      counter.used++;
      counter.held = true;
      doc.write ??= { day: this.dayOf(r.now, r.timeZone), updatedAt: r.now, expiresAt: rateCounterExpiry(r.now) };
      if (role) doc.write.role = role;
      doc.write[r.channel] = { count: counter.used, limit, holders: { [holder]: true } };
      return true;
    });
    for (const [path, doc] of docs) if (doc.write) tx.set(path, doc.write, { merge: true });
    return allowed;
  }
}
