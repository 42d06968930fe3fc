import type { DocData, Logger, Publisher } from '../../ports.js';
import { fieldOps } from '../../ports.js';
import { TOPICS } from '../../domain/channels.js';
import { DocNotFoundError } from '../../domain/errors.js';
import { paths } from '../../domain/paths.js';
import type { Member } from '../../domain/messaging/conversation.js';
import { pushRecipients } from '../../domain/messaging/conversation.js';
import type { Message } from '../../domain/messaging/message.js';
import { messageSchema, previewOf } from '../../domain/messaging/message.js';
import { screenText, screenableText } from '../../domain/messaging/moderationFilter.js';
import { describeIssues } from '../../domain/validation.js';
import type { MessagingDeps } from './conversations.js';
import type { Moderation } from './moderation.js';
import { excerptOf } from './moderation.js';
import { messageAudit } from './messageAudit.js';
import { loadMembers, toConversation } from './records.js';

/** The envelope the notification pipeline consumes from `domain-events` (its contract). */
export interface NewMessageEvent {
  type: 'messaging.new_message';
  idempotencyKey: string;
  occurredAt: string;
  payload: {
    conversationId: string;
    messageId: string;
    senderId: string;
    senderName: string;
    recipientIds: string[];
    conversationTitle?: string;
    preview: string;
    messageType: string;
    encrypted: boolean;
  };
}

/**
 * Marks that the counters of one message were applied (and whether its push went out). Created in the same
 * transaction as the increments, so a trigger that runs twice counts once. Server-only: firestore.rules denies it.
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

  async handle(cid: string, mid: string, raw: DocData): Promise<TriggerOutcome> {
    const log = this.deps.logger.child({ conversationId: cid, messageId: mid });
    const parsed = messageSchema.safeParse(raw);
    if (!parsed.success) {
      // The rules should make this impossible; if one slips through, a moderator sees it rather than members' phones.
      const reason = describeIssues('message', parsed.error);
      log.warn('malformed message skipped', { reason });
      await this.auditSent(cid, mid, { senderId: String(raw.senderId ?? 'unknown'), type: String(raw.type ?? 'unknown'), system: raw.system });
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
    await this.auditSent(cid, mid, { senderId: message.senderId, type: message.type, encrypted: !!message.encrypted, system: message.system });

    const marker = await this.countUnread(cid, mid, message.senderId, counts);
    await this.updateSummary(cid, mid, message);

    let pushedTo: string[] = [];
    if (counts && !marker.published) {
      const members = await loadMembers(this.deps.store, cid);
      pushedTo = await this.recipients(members, message.senderId);
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
        await this.deps.moderation.flagAutomated({ conversationId: cid, messageId: mid, senderId: message.senderId, excerpt: excerptOf(raw) }, flags);
      }
    }
    log.info('message processed', { counted: marker.counted, pushedTo: pushedTo.length, flagged });
    return { status: 'processed', counted: marker.counted, pushedTo, flagged };
  }

  /**
   * `message.sent`, keyed by the message, so a second run adds nothing. Clients write messages directly, so this is
   * the one place every message passes. System messages of group changes are not: the callable that made the change
   * audited it (group.created, group.members_added, …) in the same transaction.
   */
  private async auditSent(cid: string, mid: string, message: { senderId: string; type: string; encrypted?: boolean; system?: unknown }): Promise<void> {
    if (message.system !== undefined) return;
    const { entry, key } = messageAudit.sent(cid, mid, message);
    await this.deps.audit.record(entry, key);
  }

  /**
   * +1 on every other member's own document, in one transaction with the marker. The transaction reads only the
   * marker, so concurrent messages never contend with each other; increments are exact by construction.
   */
  private async countUnread(cid: string, mid: string, senderId: string, counts: boolean): Promise<{ counted: boolean; published: boolean }> {
    for (let attempt = 0; ; attempt++) {
      const others = counts ? (await loadMembers(this.deps.store, cid)).map((m) => m.uid).filter((uid) => uid !== senderId) : [];
      try {
        return await this.deps.store.transaction(async (tx) => {
          const marker = await tx.get(processedMarker(cid, mid));
          if (marker.exists) return { counted: false, published: marker.data?.published === true };
          const now = this.deps.clock.now();
          // expireAt: a TTL policy (firestore.indexes.json) removes markers once no retry can come any more.
          tx.create(processedMarker(cid, mid), { countedFor: others, published: false, at: now, expireAt: new Date(now.getTime() + MARKER_TTL_MS) });
          for (const uid of others) tx.update(paths.member(cid, uid), { unreadCount: fieldOps.increment(1) });
          return { counted: true, published: false };
        });
      } catch (error) {
        // A member left between the read and the commit: count again over the current members.
        if (error instanceof DocNotFoundError && error.path.includes('/members/') && attempt < 3) continue;
        throw error;
      }
    }
  }

  /**
   * The newest message wins, whatever order the triggers run in (ties by id, so the outcome is deterministic).
   *
   * The conversation document is the one hot document of a busy group: every message's trigger wants it. The summary
   * needs a read-modify-write (newest wins, and an edit that landed since must not be undone), so it stays a
   * transaction; on Firestore that means shared read locks and deadlocks between concurrent triggers, which the
   * adapter resolves by retrying (see FirestoreDocumentStore.transaction: 80 triggers at once on the emulator failed
   * 78 of 80 summaries before, none after). Unread counters need no read and are blind increments on each member's
   * own document (countUnread), which never deadlock. (A lock-free read first, to skip the transaction when a newer
   * summary is already there, was measured and dropped: in a burst every trigger reads before any summary commits, so
   * it skipped none of 80.)
   */
  private async updateSummary(cid: string, mid: string, message: Message): Promise<void> {
    await this.deps.store.transaction(async (tx) => {
      const [snap, stored] = await tx.getAll([paths.conversation(cid), paths.message(cid, mid)]);
      if (!snap?.exists) return;
      const current = toConversation(snap.data ?? {});
      // The message as stored now: an edit or tombstone that committed after the trigger read it must not be undone by
      // an older preview (and reading it here makes a concurrent edit retry this transaction).
      const now = stored?.exists ? messageSchema.safeParse(stored.data) : undefined;
      const latest = now?.success ? now.data : message;
      const at = message.createdAt.getTime();
      const currentAt = current.lastMessageAt?.getTime() ?? -Infinity;
      const currentId = current.lastMessage?.messageId ?? '';
      if (at < currentAt || (at === currentAt && mid <= currentId)) return;
      tx.update(paths.conversation(cid), {
        lastMessage: { messageId: mid, senderId: message.senderId, type: message.type, preview: previewOf(latest), createdAt: message.createdAt },
        lastMessageAt: message.createdAt,
      });
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

