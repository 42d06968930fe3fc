import type { DocData, Logger, Publisher } from '../../ports.js';
import { fieldOps } from '../../ports.js';
import { TOPICS } from '../../domain/channels.js';
import { DocNotFoundError } from '../../domain/errors.js';
import { paths } from '../../domain/paths.js';
import type { EventMessage } from '../../domain/notifications/events.js';
import type { Conversation, Member } from '../../domain/messaging/conversation.js';
import { isAfter, isUnreadAt, pushRecipients, readPosition } from '../../domain/messaging/conversation.js';
import type { Message } from '../../domain/messaging/message.js';
import { messageSchema, previewOf } from '../../domain/messaging/message.js';
import { screenText, screenableText } from '../../domain/messaging/moderationFilter.js';
import { describeIssues } from '../../domain/validation.js';
import type { MessagingDeps } from './conversations.js';
import type { Moderation } from './moderation.js';
import { excerptOf } from './moderation.js';
import { messageAudit } from './messageAudit.js';
import { loadMembers, toConversation } from './records.js';

/**
 * What a new message publishes on `domain-events` for the notification pipeline: the message event of the intake
 * schemas (domain/notifications/events.ts), so the contract is written once.
 */
export type NewMessageEvent = EventMessage<'messaging.new_message'>;

/**
 * Marks that the counters of one message were applied (`countedFor`: the members it was counted for) and whether its
 * push went out. Created in the same transaction as the increments, so a trigger that
 * runs twice counts once. Server-only: firestore.rules denies it.
 */
export const processedMarker = (cid: string, mid: string) => `${paths.conversation(cid)}/processed/${mid}`;

/** Pub/Sub and Firestore retries stop long before this. */
const MARKER_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export interface OnMessageCreatedDeps extends MessagingDeps {
  publisher: Publisher;
  logger: Logger;
  moderation: Moderation;
}

export type TriggerOutcome =
  | { status: 'invalid'; reason: string }
  | { status: 'orphan' }
  | { status: 'processed'; counted: boolean; pushedTo: string[]; flagged: boolean };

/**
 * Everything that follows a new message: summary, unread counters, push, moderation. Each step is idempotent on
 * its own, so a retry after a crash at any point finishes the job without doing any part twice.
 */
export class OnMessageCreated {
  constructor(private readonly deps: OnMessageCreatedDeps) {}

  /**
   * The trigger's entry: it re-reads the message, so it works on the document as it is now, not as the event carried
   * it (a message tombstoned before a late trigger ran must not reach the summary or a push with its old text).
   */
  async onCreated(cid: string, mid: string): Promise<TriggerOutcome | { status: 'gone' }> {
    const snapshot = await this.deps.store.get(paths.message(cid, mid));
    if (!snapshot.exists || !snapshot.data) return { status: 'gone' };
    return this.handle(cid, mid, snapshot.data);
  }

  async handle(cid: string, mid: string, raw: DocData): Promise<TriggerOutcome> {
    const log = this.deps.logger.child({ conversationId: cid, messageId: mid });
    const parsed = messageSchema.safeParse(raw);
    if (!parsed.success) {
      // The rules should make this impossible; if one slips through, a moderator sees it rather than members' phones.
      const reason = describeIssues('message', parsed.error);
      log.warn('malformed message skipped', { reason });
      await this.auditSent(cid, mid, {
        senderId: String(raw.senderId ?? 'unknown'),
        type: String(raw.type ?? 'unknown'),
        system: raw.system,
      });
      await this.deps.moderation.flagAutomated(
        { conversationId: cid, messageId: mid, senderId: String(raw.senderId ?? ''), excerpt: excerptOf(raw) },
        [{ reason: 'malformed', match: reason.slice(0, 200) }],
      );
      return { status: 'invalid', reason };
    }
    const message = parsed.data;
    const conversationSnap = await this.deps.store.get(paths.conversation(cid));
    if (!conversationSnap.exists) {
      log.warn('message in a conversation that does not exist');
      return { status: 'orphan' };
    }
    const conversation = toConversation(conversationSnap.data ?? {});
    const counts = message.type !== 'system';
    await this.auditSent(cid, mid, {
      senderId: message.senderId,
      type: message.type,
      encrypted: !!message.encrypted,
      system: message.system,
    });

    const marker = await this.countUnread(cid, mid, message, counts);
    const summary = await this.updateSummary(cid, mid, message, conversation);

    let pushedTo: string[] = [];
    if (counts && !marker.published) {
      // Only members it was counted for: one who had already read past it when the trigger ran needs no push.
      const unreadBy = new Set(marker.countedFor);
      pushedTo = await this.recipients(
        marker.members.filter((m) => unreadBy.has(m.uid)),
        message.senderId,
      );
      if (pushedTo.length > 0) {
        const sender = await this.deps.store.get(paths.user(message.senderId));
        const event: NewMessageEvent = {
          type: 'messaging.new_message',
          idempotencyKey: `message:${cid}/${mid}`,
          occurredAt: message.createdAt.toISOString(),
          payload: {
            conversationId: cid,
            messageId: mid,
            senderId: message.senderId,
            senderName: typeof sender.data?.displayName === 'string' ? sender.data.displayName : 'Someone',
            recipientIds: pushedTo,
            ...(conversation.type === 'group' && conversation.title ? { conversationTitle: conversation.title } : {}),
            preview: previewOf(message),
            messageType: message.type,
            encrypted: !!message.encrypted,
          },
        };
        await this.deps.publisher.publish(TOPICS.domainEvents, event, { type: event.type });
      }
      await this.deps.store.update(processedMarker(cid, mid), { published: true, recipientIds: pushedTo });
    }

    let flagged = false;
    // The server never sees plaintext of an encrypted message, so there is nothing to screen.
    if (counts && !message.encrypted) {
      const flags = screenText(screenableText(message));
      if (flags.length > 0) {
        flagged = true;
        await this.deps.moderation.flagAutomated(
          { conversationId: cid, messageId: mid, senderId: message.senderId, excerpt: excerptOf(raw) },
          flags,
        );
      }
    }
    log.info('message processed', {
      counted: marker.counted,
      countedFor: marker.countedFor.length,
      summary,
      pushedTo: pushedTo.length,
      flagged,
    });
    return { status: 'processed', counted: marker.counted, pushedTo, flagged };
  }

  /**
   * `message.sent`, keyed by the message, so a second run adds nothing. Clients write messages directly, so this is
   * the one place every message passes. System messages of group changes are not: the callable that made the change
   * audited it (group.created, group.members_added, …) in the same transaction.
   */
  private async auditSent(
    cid: string,
    mid: string,
    message: { senderId: string; type: string; encrypted?: boolean; system?: unknown },
  ): Promise<void> {
    if (message.system !== undefined) return;
    const { entry, key } = messageAudit.sent(cid, mid, message);
    await this.deps.audit.record(entry, key);
  }

  /**
   * +1 on the document of every other member who has not read past this message, in one transaction with the marker.
   *
   * Exact under any order of trigger and read: the count is decided by position, not by arrival. A member's read
   * position lives in `reads/{uid}` (written, with `members/{uid}.lastReadAt` and the reset of `unreadCount`, by every
   * read: markConversationRead, or the client's batch under the rules). The transaction reads those documents, so a
   * read either commits before it (the trigger sees the position and leaves that member out) or after it (the read's
   * reset covers the increment). Nothing but reads writes `reads/*`, so concurrent triggers only share read locks on
   * them and never deadlock; the counters themselves stay blind increments on each member's own document. The member
   * list comes from a lock-free query first (its lastReadAt is the fallback position for members who never read, e.g.
   * their join time), so a late trigger neither counts a message for a member who joined after it.
   */
  private async countUnread(
    cid: string,
    mid: string,
    message: Message,
    counts: boolean,
  ): Promise<{ counted: boolean; published: boolean; countedFor: string[]; members: Member[] }> {
    for (let attempt = 0; ; attempt++) {
      const members = counts ? await loadMembers(this.deps.store, cid) : [];
      const others = members.filter((m) => m.uid !== message.senderId);
      try {
        const outcome = await this.deps.store.transaction(async (tx) => {
          const marker = await tx.get(processedMarker(cid, mid));
          if (marker.exists) {
            const countedFor = Array.isArray(marker.data?.countedFor) ? (marker.data.countedFor as string[]) : [];
            return { counted: false, published: marker.data?.published === true, countedFor };
          }
          const reads = others.length > 0 ? await tx.getAll(others.map((m) => paths.readPosition(cid, m.uid))) : [];
          const countedFor = others
            .filter((m, i) => {
              const read = reads[i]?.data?.lastReadAt;
              return isUnreadAt(message.createdAt, readPosition(m.lastReadAt, read instanceof Date ? read : null));
            })
            .map((m) => m.uid);
          const now = this.deps.clock.now();
          // expireAt: a TTL policy (firestore.indexes.json) removes markers once no retry can come any more.
          tx.create(processedMarker(cid, mid), {
            countedFor,
            published: false,
            at: now,
            expireAt: new Date(now.getTime() + MARKER_TTL_MS),
          });
          for (const uid of countedFor) tx.update(paths.member(cid, uid), { unreadCount: fieldOps.increment(1) });
          return { counted: true, published: false, countedFor };
        });
        return { ...outcome, members };
      } catch (error) {
        // A member left between the read and the commit: count again over the current members.
        if (error instanceof DocNotFoundError && error.path.includes('/members/') && attempt < 3) continue;
        throw error;
      }
    }
  }

  /**
   * The newest message wins, whatever order the triggers run in (ties by id, so the outcome is deterministic), and
   * the conversation document, the one hot document of a busy group, is written as rarely as that allows:
   * - A summary already at or past this message (lock-free reads: the one at the start of the run, and again just
   *   before the transaction) means nothing to do: a reordered or repeated trigger never touches the document.
   * - A newer message already stored means its own trigger will write a summary at least as new (triggers retry
   *   until they succeed), so this one leaves the document alone. In a burst only the messages that are newest when
   *   their trigger runs write; the rest cost one indexed query each. A malformed newer message never writes a
   *   summary (its trigger stops at validation), so it does not count as newer.
   * - Otherwise a transaction re-checks against the stored summary (newest wins) and re-reads the message as stored:
   *   an edit or tombstone that committed after the trigger read it must not be undone by an older preview.
   */
  private async updateSummary(
    cid: string,
    mid: string,
    message: Message,
    current: Conversation,
  ): Promise<'written' | 'current' | 'superseded' | 'overtaken'> {
    const position = { at: message.createdAt, messageId: mid };
    const stored = (c: Conversation) =>
      c.lastMessageAt && c.lastMessage ? { at: c.lastMessageAt, messageId: c.lastMessage.messageId } : null;
    if (!isAfter(position, stored(current))) return 'current';
    const [newer] = await this.deps.store.query(paths.messages(cid), {
      where: [['createdAt', '>', message.createdAt]],
      orderBy: [{ field: 'createdAt', direction: 'desc' }],
      limit: 1,
    });
    if (newer && messageSchema.safeParse(newer.data).success) return 'superseded';
    // Counting took a while under load: read the summary again, lock-free, before taking a lock on it (on the
    // emulator this kept a duplicate run, or a message just overtaken, out of most of the transactions).
    const fresh = await this.deps.store.get(paths.conversation(cid));
    if (!fresh.exists || !isAfter(position, stored(toConversation(fresh.data ?? {})))) return 'current';
    return this.deps.store.transaction(async (tx): Promise<'written' | 'current' | 'overtaken'> => {
      const [snap, again] = await tx.getAll([paths.conversation(cid), paths.message(cid, mid)]);
      if (!snap?.exists) return 'current';
      // A newer summary landed since the lock-free read (its trigger ran meanwhile).
      if (!isAfter(position, stored(toConversation(snap.data ?? {})))) return 'overtaken';
      const now = again?.exists ? messageSchema.safeParse(again.data) : undefined;
      const latest = now?.success ? now.data : message;
      tx.update(paths.conversation(cid), {
        lastMessage: {
          messageId: mid,
          senderId: message.senderId,
          type: message.type,
          preview: previewOf(latest),
          createdAt: message.createdAt,
        },
        lastMessageAt: message.createdAt,
      });
      return 'written';
    });
  }

  /** Members not looking at the conversation, not muting it, and not blocking the sender. */
  private async recipients(members: readonly Member[], senderId: string): Promise<string[]> {
    const candidates = pushRecipients(members, senderId, this.deps.clock.now());
    if (candidates.length === 0) return [];
    const blocks = await this.deps.store.getAll(candidates.map((uid) => paths.block(uid, senderId)));
    return candidates.filter((_, i) => !blocks[i]?.exists);
  }
}
