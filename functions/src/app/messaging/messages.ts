import type { z } from 'zod';
import type { DocData } from '../../ports.js';
import { fieldOps } from '../../ports.js';
import type { Caller } from '../../domain/caller.js';
import { hasRole } from '../../domain/caller.js';
import { failedPrecondition, invalidArgument, notFound, permissionDenied } from '../../domain/errors.js';
import { paths } from '../../domain/paths.js';
import { messageIdFor } from '../../domain/messaging/conversation.js';
import { CONTENT_FIELDS, MESSAGE_LIMITS, messageSchema, previewOf } from '../../domain/messaging/message.js';
import { parseInput } from '../../domain/validation.js';
import type { EditMessageInput, SendMessageInput, messageRefInput } from './inputs.js';
import type { MessagingDeps } from './conversations.js';
import { authorize } from './conversations.js';
import { loadConversation, toMember } from './records.js';
import { messageAudit } from './messageAudit.js';
import { guardConversation } from './guard.js';

export { isBanned } from './guard.js';

/**
 * Edits a message keeps in `editHistory`, at most. Each entry holds a previous version (up to the text limit, or an
 * encrypted envelope), so this bounds the document well under Firestore's 1 MiB whatever the edits hold.
 */
export const MAX_EDITS = 20;
/** And at most this many bytes of history (JSON), for large encrypted envelopes (64 KiB of ciphertext each). */
export const MAX_EDIT_HISTORY_BYTES = 256 * 1024;

/**
 * Sending, editing and deleting messages through callables, with the checks firestore.rules makes on the same
 * writes from clients (backend services and clients that prefer a callable use this path).
 */
export class Messages {
  constructor(private readonly deps: MessagingDeps) {}

  /** Stored once per (sender, clientMessageId): a resend returns the first copy's id. */
  async send(caller: Caller, input: SendMessageInput) {
    const { conversationId: cid, ...content } = input;
    const isService = hasRole(caller, 'service');
    if (content.type === 'system' && !isService) throw permissionDenied('only backend services send system messages');
    // Backend services post system messages without being members; everyone else passes the shared guard.
    const conversation =
      isService && content.type === 'system'
        ? await loadConversation(this.deps.store, cid)
        : await guardConversation(this.deps.store, caller, cid, 'post').then(({ conversation: c, me }) => {
            authorize('post', c, me);
            return c;
          });
    if (conversation.settings.e2ee !== !!content.encrypted) {
      throw invalidArgument(
        conversation.settings.e2ee
          ? 'data.encrypted: this conversation is end-to-end encrypted; send only the ciphertext envelope'
          : 'data.encrypted: this conversation is not end-to-end encrypted',
        { fields: ['data.encrypted'] },
      );
    }
    content.attachments?.forEach((a, i) => {
      if (!a.path.startsWith(`conversations/${cid}/${caller.uid}/`)) {
        throw invalidArgument(
          `data.attachments[${i}].path: must be an upload of yours in this conversation (conversations/${cid}/${caller.uid}/…)`,
          {
            fields: [`data.attachments[${i}].path`],
          },
        );
      }
    });
    if (content.replyTo) {
      const original = await this.deps.store.get(paths.message(cid, content.replyTo));
      if (!original.exists)
        throw invalidArgument(`data.replyTo: no message ${content.replyTo} in this conversation`, {
          fields: ['data.replyTo'],
        });
    }
    const messageId = messageIdFor(caller.uid, content.clientMessageId);
    const doc = dropUndefined({ ...content, senderId: caller.uid, createdAt: this.deps.clock.now() });
    const created = await this.deps.store.create(paths.message(cid, messageId), doc);
    return { conversationId: cid, messageId, duplicate: !created };
  }

  /** The sender edits within the window; the previous content goes to `editHistory`. */
  async edit(caller: Caller, input: EditMessageInput) {
    const { conversationId: cid, messageId, ...patch } = input;
    return this.deps.store.transaction(async (tx) => {
      // Still a member, not banned, no block in a direct conversation, and still allowed to post here (an
      // announcement-only group, a demotion): the checks a new message passes, made again for its edit.
      const { conversation, me } = await guardConversation(tx, caller, cid, 'edit');
      authorize('post', conversation, me);
      const snapshot = await tx.get(paths.message(cid, messageId));
      if (!snapshot.exists || !snapshot.data)
        throw notFound(`data.messageId: no message ${messageId} in this conversation`);
      const message = parseInput(messageSchema, snapshot.data, 'message');
      if (message.senderId !== caller.uid) throw permissionDenied('only the sender edits a message');
      if (message.deleted) throw failedPrecondition('a deleted message cannot be edited');
      if (message.type === 'system') throw failedPrecondition('system messages cannot be edited');
      const now = this.deps.clock.now();
      if (now.getTime() - message.createdAt.getTime() > MESSAGE_LIMITS.editWindowMs) {
        throw failedPrecondition(
          `messages can be edited for ${MESSAGE_LIMITS.editWindowMs / 60000} minutes after sending`,
        );
      }
      const changes = dropUndefined(patch);
      const previous = dropUndefined(
        Object.fromEntries(Object.keys(changes).map((k) => [k, (message as Record<string, unknown>)[k]])),
      );
      // The edited message must still be a valid message of its type (an image message cannot become a workshop).
      parseInput(messageSchema, { ...message, ...changes, editedAt: now }, 'data');
      if ((message.editHistory?.length ?? 0) >= MAX_EDITS)
        throw failedPrecondition(`a message can be edited at most ${MAX_EDITS} times`);
      const editHistory = [
        ...(message.editHistory ?? []),
        { ...previous, editedAt: message.editedAt ?? message.createdAt },
      ];
      if (Buffer.byteLength(JSON.stringify(editHistory)) > MAX_EDIT_HISTORY_BYTES) {
        throw failedPrecondition(
          `this message's edit history is full (${MAX_EDIT_HISTORY_BYTES / 1024} KiB): send a new message instead`,
        );
      }
      tx.update(paths.message(cid, messageId), { ...changes, editedAt: now, editHistory });
      // Same key as the update trigger's entry for this edit, so the edit is audited once.
      const audit = messageAudit.edited(cid, messageId, caller.uid, editHistory.length, now);
      this.deps.audit.recordIn(tx, audit.entry, audit.key);
      return { conversationId: cid, messageId, editedAt: now.toISOString() };
    });
  }

  /**
   * Deleting leaves a tombstone: the content fields go, the envelope stays so replies and read positions still
   * resolve. The sender, the group's owner/admins (over lower roles) and platform admins may delete.
   */
  async delete(caller: Caller, input: z.output<typeof messageRefInput>) {
    const { conversationId: cid, messageId } = input;
    return this.deps.store.transaction(async (tx) => {
      const isPlatformAdmin = hasRole(caller, 'admin');
      // Platform admins remove any message (staff moderation, audited below); everyone else passes the shared guard.
      const guarded = isPlatformAdmin ? undefined : await guardConversation(tx, caller, cid, 'delete');
      const [conversationSnap, messageSnap] = await tx.getAll([paths.conversation(cid), paths.message(cid, messageId)]);
      if (!conversationSnap?.exists) throw notFound(`conversation ${cid} does not exist`);
      if (!messageSnap?.exists || !messageSnap.data)
        throw notFound(`data.messageId: no message ${messageId} in this conversation`);
      const senderId = String(messageSnap.data.senderId);
      if (messageSnap.data.deleted === true) return { conversationId: cid, messageId, deleted: true };
      if (messageSnap.data.type === 'system' && !isPlatformAdmin)
        throw failedPrecondition('system messages cannot be deleted');
      if (guarded && senderId !== caller.uid) {
        const senderSnap = await tx.get(paths.member(cid, senderId));
        // A sender who has left counts as a plain member.
        authorize(
          'deleteOthersMessage',
          guarded.conversation,
          guarded.me,
          senderSnap.exists ? toMember(senderSnap).role : 'member',
        );
      }
      const now = this.deps.clock.now();
      tx.update(paths.message(cid, messageId), tombstone(caller.uid, now));
      const last = conversationSnap.data?.lastMessage as { messageId?: string } | null | undefined;
      if (last?.messageId === messageId)
        tx.update(paths.conversation(cid), { 'lastMessage.preview': previewOf({ type: 'text', deleted: true }) });
      // Keyed by the message: the update trigger that sees this tombstone finds the entry and adds none.
      const audit = messageAudit.deleted(cid, messageId, caller.uid, senderId);
      this.deps.audit.recordIn(tx, audit.entry, audit.key);
      return { conversationId: cid, messageId, deleted: true };
    });
  }
}

/** The update that turns a message into a tombstone. */
export function tombstone(deletedBy: string, now: Date): DocData {
  return {
    ...Object.fromEntries([...CONTENT_FIELDS, 'encrypted', 'editHistory'].map((f) => [f, fieldOps.delete()])),
    deleted: true,
    deletedBy,
    deletedAt: now,
  };
}

function dropUndefined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
