import type { z } from 'zod';
import type { DocData } from '../../ports.js';
import { fieldOps } from '../../ports.js';
import type { Caller } from '../../domain/caller.js';
import { requireRole } from '../../domain/caller.js';
import { failedPrecondition, invalidArgument, notFound, permissionDenied } from '../../domain/errors.js';
import { paths } from '../../domain/paths.js';
import type { Flag } from '../../domain/messaging/moderationFilter.js';
import type { decideInput, reportInput } from './inputs.js';
import type { MessagingDeps } from './conversations.js';
import { tombstone } from './messages.js';
import { guardConversation } from './guard.js';
import { messageAuditKeys } from '../../domain/messaging/messageChange.js';
import { expiresAtFor } from '../../domain/compliance/retention.js';
import { hashedId } from '../../domain/ids.js';

/** One queue item per message, whoever flagged it (the filter, any number of reporters): moderators decide once. */
export function moderationItemId(cid: string, mid: string): string {
  return hashedId(`${cid}/${mid}`, { length: 32 });
}

export const moderationItemPath = (id: string) => `${paths.moderationQueue()}/${id}`;

export interface FlaggedMessage {
  conversationId: string;
  messageId: string;
  senderId: string;
  /** What moderators see without opening the conversation (never plaintext of an encrypted message). */
  excerpt: string;
}

/**
 * Moderation: the automated filter and member reports put messages into `moderationQueue`; an admin decides
 * keep / remove / warn / ban. Every step is in the audit log (who, what, on what, when).
 */
export class Moderation {
  constructor(private readonly deps: MessagingDeps) {}

  /** Called by the new-message trigger; safe to run twice (same item, same audit entry). */
  async flagAutomated(message: FlaggedMessage, flags: readonly Flag[]): Promise<string> {
    const id = moderationItemId(message.conversationId, message.messageId);
    const now = this.deps.clock.now();
    await this.deps.store.transaction(async (tx) => {
      const existing = await tx.get(moderationItemPath(id));
      const reasons = flags.map((f) => f.reason);
      if (existing.exists) {
        tx.update(moderationItemPath(id), {
          sources: fieldOps.arrayUnion('automated'),
          reasons: fieldOps.arrayUnion(...reasons),
          flags: [...flags],
          updatedAt: now,
        });
      } else {
        tx.create(
          moderationItemPath(id),
          newItem(message, now, { sources: ['automated'], reasons, flags: [...flags] }),
        );
      }
      this.deps.audit.recordIn(
        tx,
        {
          actorUid: 'system:moderation-filter',
          action: 'moderation.flagged',
          target: { type: 'message', id: `${message.conversationId}/${message.messageId}` },
          details: { itemId: id, reasons },
        },
        `moderation.flagged:${id}`,
      );
    });
    return id;
  }

  /** A member flags a message of someone else in a conversation they belong to. */
  async report(caller: Caller, input: z.output<typeof reportInput>) {
    const { conversationId: cid, messageId: mid } = input;
    const id = moderationItemId(cid, mid);
    const now = this.deps.clock.now();
    return this.deps.store.transaction(async (tx) => {
      await guardConversation(tx, caller, cid, 'report');
      const [message, existing] = await tx.getAll([paths.message(cid, mid), moderationItemPath(id)]);
      if (!message?.exists || !message.data || message.data.deleted === true)
        throw notFound(`data.messageId: no message ${mid} in this conversation`);
      const senderId = String(message.data.senderId);
      if (senderId === caller.uid)
        throw invalidArgument('data.messageId: you cannot report your own message', { fields: ['data.messageId'] });
      const report = {
        reporterIds: fieldOps.arrayUnion(caller.uid),
        reasons: fieldOps.arrayUnion(`reported:${input.reason}`),
        updatedAt: now,
      };
      if (!existing?.exists) {
        tx.create(moderationItemPath(id), {
          ...newItem({ conversationId: cid, messageId: mid, senderId, excerpt: excerptOf(message.data) }, now, {
            sources: ['report'],
            reasons: [`reported:${input.reason}`],
            flags: [],
          }),
          reporterIds: [caller.uid],
          notes: input.note ? [{ by: caller.uid, note: input.note }] : [],
        });
      } else {
        const alreadyReported = ((existing.data?.reporterIds as string[] | undefined) ?? []).includes(caller.uid);
        tx.update(moderationItemPath(id), {
          ...report,
          sources: fieldOps.arrayUnion('report'),
          // A new reporter after a "keep" decision puts the message back in front of a moderator.
          ...(alreadyReported ? {} : { status: 'open' }),
          ...(input.note ? { notes: fieldOps.arrayUnion({ by: caller.uid, note: input.note }) } : {}),
        });
      }
      this.deps.audit.recordIn(
        tx,
        {
          actorUid: caller.uid,
          action: 'moderation.reported',
          target: { type: 'message', id: `${cid}/${mid}` },
          details: { itemId: id, reason: input.reason },
        },
        `moderation.reported:${id}:${caller.uid}`,
      );
      return { itemId: id };
    });
  }

  /**
   * An admin's decision. `remove` tombstones the message; `warn` and `ban` also record on the sender's profile.
   * Nobody decides their own case: an admin who sent the message or reported it leaves it to another admin.
   */
  async decide(caller: Caller, input: z.output<typeof decideInput>) {
    requireRole(caller, 'admin');
    const now = this.deps.clock.now();
    return this.deps.store.transaction(async (tx) => {
      const item = await tx.get(moderationItemPath(input.itemId));
      if (!item.exists || !item.data) throw notFound(`moderation item ${input.itemId} does not exist`);
      if (item.data.status !== 'open') throw failedPrecondition(`moderation item ${input.itemId} is already decided`);
      const cid = String(item.data.conversationId);
      const mid = String(item.data.messageId);
      const senderId = String(item.data.senderId);
      const reporters = Array.isArray(item.data.reporterIds) ? (item.data.reporterIds as unknown[]) : [];
      if (senderId === caller.uid)
        throw permissionDenied('you cannot decide on a message you sent; another admin must');
      if (reporters.includes(caller.uid))
        throw permissionDenied('you cannot decide on a report you filed; another admin must');
      const [message, sender] = await tx.getAll([paths.message(cid, mid), paths.user(senderId)]);
      const target = { type: 'message', id: `${cid}/${mid}` };
      tx.update(moderationItemPath(input.itemId), {
        status: 'decided',
        decision: { action: input.action, by: caller.uid, at: now, note: input.note ?? null },
        updatedAt: now,
      });
      this.deps.audit.recordIn(tx, {
        actorUid: caller.uid,
        action: 'moderation.decided',
        target,
        details: { itemId: input.itemId, decision: input.action, note: input.note ?? null },
      });
      if ((input.action === 'remove' || input.action === 'ban') && message?.exists && message.data?.deleted !== true) {
        tx.update(paths.message(cid, mid), tombstone(`moderation:${caller.uid}`, now));
        // Keyed like every tombstone's entry (messageAuditKeys.deleted), so the update trigger does not audit it again.
        this.deps.audit.recordIn(
          tx,
          { actorUid: caller.uid, action: 'message.removed', target, details: { itemId: input.itemId, senderId } },
          messageAuditKeys.deleted(cid, mid),
        );
      }
      // Recorded on the sender's profile only while it exists: a set-merge would re-create an erased user's profile.
      if (input.action === 'warn' && sender?.exists) {
        tx.set(
          paths.user(senderId),
          { moderation: { warnings: fieldOps.increment(1), lastWarnedAt: now } },
          { merge: true },
        );
        this.deps.audit.recordIn(tx, {
          actorUid: caller.uid,
          action: 'user.warned',
          target: { type: 'user', id: senderId },
          details: { itemId: input.itemId },
        });
      }
      if (input.action === 'ban' && sender?.exists) {
        tx.set(
          paths.user(senderId),
          { moderation: { banned: true, bannedAt: now, bannedBy: caller.uid } },
          { merge: true },
        );
        this.deps.audit.recordIn(tx, {
          actorUid: caller.uid,
          action: 'user.banned',
          target: { type: 'user', id: senderId },
          details: { itemId: input.itemId },
        });
      }
      return { itemId: input.itemId, action: input.action };
    });
  }
}

function newItem(
  message: FlaggedMessage,
  now: Date,
  extra: { sources: string[]; reasons: string[]; flags: Flag[] },
): DocData {
  return {
    ...message,
    ...extra,
    status: 'open',
    reporterIds: [],
    createdAt: now,
    updatedAt: now,
    expiresAt: expiresAtFor('moderationQueue', now),
  };
}

/** A short excerpt for moderators: never the plaintext of an encrypted message (there is none on the server). */
export function excerptOf(data: DocData): string {
  if (data.encrypted) return '[end-to-end encrypted]';
  const text = typeof data.text === 'string' ? data.text : `[${String(data.type)} message]`;
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}
