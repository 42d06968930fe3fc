import type { Clock, DocData, DocumentStore, Logger } from '../../ports.js';
import { paths } from '../../domain/paths.js';
import { acceptedEvent } from '../acceptedEvent.js';
import type { Entry } from '../../domain/activity/feed.js';
import {
  activityPaths,
  eventEntries,
  followEntry,
  followingEdgeSchema,
  messageEntry,
  moderationEntries,
  moderationItemSchema,
  sentMessageSchema,
} from '../../domain/activity/feed.js';
import { accountStateOf } from '../accounts.js';

export interface Recorded {
  written: number;
  skipped: number;
}

/**
 * Keeps each user's activity feed (`users/{uid}/activity`, src/domain/activity/feed.ts) from the triggers on what
 * they did (src/functions/activity.ts): their following edges, the events recorded in `events/` (bids, auctions won,
 * orders and sales), the messages they send and moderation decisions. Each item's id derives from its source and is
 * created only when absent, in one transaction with a read of the owner's account state: a redelivered trigger, or
 * the same event by two doors, writes one item, and nothing is written for an erased account (erasure marks the
 * account before it deletes the feed, so a trigger racing it conflicts on that document and sees the mark).
 */
export class ActivityFeed {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** `users/{uid}/following/{creatorId}` written: followed (created) or unfollowed (deleted). */
  async onFollowingWritten(
    uid: string,
    creatorId: string,
    before: DocData | undefined,
    after: DocData | undefined,
  ): Promise<Recorded> {
    const b = before ? followingEdgeSchema.safeParse(before) : undefined;
    const a = after ? followingEdgeSchema.safeParse(after) : undefined;
    if ((b && !b.success) || (a && !a.success)) return this.ignored('following edge without createdAt', { uid });
    const entry = followEntry(uid, creatorId, { before: b?.data, after: a?.data }, this.clock.now());
    if (!entry) return { written: 0, skipped: 0 };
    // An edge deleted because the creator's account was erased is not the user's unfollow.
    return this.record([entry], entry.item.verb === 'unfollowed' ? [creatorId] : []);
  }

  /**
   * An `events/{eventId}` document written: applied when it appears, or when a rejected one is replaced by a valid
   * retry (publishEvent overwrites the rejection); the pipeline's own status updates are ignored cheaply.
   */
  async onEventWritten(eventId: string, before: DocData | undefined, after: DocData | undefined): Promise<Recorded> {
    const { event, ignored, rejected } = acceptedEvent(
      before,
      after,
      ({ type }) =>
        typeof type === 'string' &&
        (type.startsWith('order.') || type === 'auction.bid_placed' || type === 'auction.won'),
      'not an activity event',
    );
    // Only a rejected event is worth a log line; deletions, later writes and other types are the common case.
    if (!event) return rejected ? this.ignored(ignored, { eventId }) : { written: 0, skipped: 0 };
    return this.record(eventEntries(event));
  }

  /** `conversations/{cid}/messages/{mid}` created: the sender's "message sent". */
  async onMessageCreated(cid: string, mid: string, data: DocData): Promise<Recorded> {
    const message = sentMessageSchema.safeParse(data);
    if (!message.success) return this.ignored('message without sender, type or createdAt', { cid, mid });
    const entry = messageEntry(cid, mid, message.data);
    return entry ? this.record([entry]) : { written: 0, skipped: 0 };
  }

  /** `moderationQueue/{itemId}` written: a decision reaches the sender's and the reporters' feeds. */
  async onModerationWritten(
    itemId: string,
    before: DocData | undefined,
    after: DocData | undefined,
  ): Promise<Recorded> {
    if (!after) return { written: 0, skipped: 0 };
    const a = moderationItemSchema.safeParse(after);
    if (!a.success) return this.ignored('moderation item not readable', { itemId });
    const b = before ? moderationItemSchema.safeParse(before) : undefined;
    return this.record(moderationEntries(itemId, b?.success ? b.data : undefined, a.data));
  }

  /**
   * Creates the entries' items that do not exist yet, for owners whose account is not erased; `alsoActive` are
   * further accounts that must not be erased (the creator of an unfollow).
   */
  private async record(entries: readonly Entry[], alsoActive: readonly string[] = []): Promise<Recorded> {
    if (entries.length === 0) return { written: 0, skipped: 0 };
    const owners = [...new Set(entries.map((e) => e.uid))];
    const others = alsoActive.filter((u) => !owners.includes(u));
    return this.store.transaction(async (tx) => {
      const snaps = await tx.getAll([
        ...owners.map((u) => paths.accountState(u)),
        ...others.map((u) => paths.accountState(u)),
        ...entries.map((e) => activityPaths.item(e.uid, e.item.id)),
      ]);
      const states = new Map(owners.map((u, i) => [u, accountStateOf(snaps[i])]));
      const othersErased = others.some((_, i) => accountStateOf(snaps[owners.length + i]) === 'deleted');
      let written = 0;
      let skipped = 0;
      entries.forEach((e, i) => {
        const exists = snaps[owners.length + others.length + i]!.exists;
        if (exists || states.get(e.uid) === 'deleted' || othersErased) {
          skipped++;
          return;
        }
        tx.create(activityPaths.item(e.uid, e.item.id), { ...e.item });
        written++;
      });
      return { written, skipped };
    });
  }

  private ignored(reason: string, context: Record<string, unknown>): Recorded {
    this.logger.warn('activity: source not recorded', { ...context, reason });
    return { written: 0, skipped: 1 };
  }
}
