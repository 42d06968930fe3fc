import { z } from 'zod';
import type { DocData, Logger, ObjectStorage } from '../../ports.js';
import { paths } from '../../domain/paths.js';
import { messageSchema, previewOf } from '../../domain/messaging/message.js';
import type { MessageChange } from '../../domain/messaging/messageChange.js';
import { messageChange, messageStateSchema } from '../../domain/messaging/messageChange.js';
import { describeIssues } from '../../domain/validation.js';
import type { MessagingDeps } from './conversations.js';
import type { KeyedEntry } from './messageAudit.js';
import { messageAudit } from './messageAudit.js';
import { toConversation } from './records.js';

export interface OnMessageUpdatedDeps extends MessagingDeps {
  logger: Logger;
  /** Where conversation media lives (the default bucket); a tombstoned message's media is deleted there. */
  media?: ObjectStorage;
}

/** The media a message referred to before it was tombstoned (the tombstone drops `attachments`). */
const attachmentPaths = z.object({ attachments: z.array(z.object({ path: z.string() }).loose()).optional() }).loose();

export type UpdateOutcome =
  | { status: 'invalid'; reason: string; summary: SummaryOutcome }
  | { status: 'processed'; change: MessageChange['kind']; summary: SummaryOutcome };

/** What happened to `conversations/{cid}.lastMessage`. */
export type SummaryOutcome = 'updated' | 'unchanged' | 'not-last';

/**
 * Everything that follows an update of a message, mostly written by clients directly under the rules: the audit
 * entry of an edit or a tombstone (keyed, so a second run, or a callable that already recorded it in its own
 * transaction, leaves one entry), and the conversation's `lastMessage` preview when the edited or deleted message is
 * the last one. Both steps work from the state stored now, so runs in any order, or twice, converge.
 */
export class OnMessageUpdated {
  constructor(private readonly deps: OnMessageUpdatedDeps) {}

  async handle(
    cid: string,
    mid: string,
    before: DocData | undefined,
    after: DocData | undefined,
  ): Promise<UpdateOutcome> {
    const log = this.deps.logger.child({ conversationId: cid, messageId: mid });
    const b = messageStateSchema.safeParse(before);
    const a = messageStateSchema.safeParse(after);
    if (!b.success || !a.success) {
      // The rules keep senderId and type fixed; a document without them was not written by a client or a callable.
      const reason = [
        b.success ? '' : describeIssues('before', b.error),
        a.success ? '' : describeIssues('after', a.error),
      ]
        .filter(Boolean)
        .join('; ');
      log.warn('update of a malformed message: not audited', { reason });
      return { status: 'invalid', reason, summary: await this.refreshSummary(cid, mid) };
    }
    const change = messageChange(b.data, a.data);
    const audit = this.auditOf(cid, mid, change, a.data.senderId);
    if (audit) await this.deps.audit.record(audit.entry, audit.key);
    if (change.kind === 'deleted') await this.deleteMedia(cid, a.data.senderId, before);
    const summary = await this.refreshSummary(cid, mid);
    log.info('message update processed', { change: change.kind, summary });
    return { status: 'processed', change: change.kind, summary };
  }

  /**
   * Deletes what a tombstoned message had attached, so nobody who kept its URL can still read it (clients may not
   * delete objects: storage.rules). Only the sender's own uploads in this conversation: a path the message named
   * elsewhere (which the rules and the schema refuse anyway) is never touched. Deleting twice is harmless.
   */
  private async deleteMedia(cid: string, senderId: string, before: DocData | undefined): Promise<void> {
    if (!this.deps.media) return;
    const own = `conversations/${cid}/${senderId}/`;
    const paths = (attachmentPaths.safeParse(before).data?.attachments ?? [])
      .map((a) => a.path)
      .filter((path) => path.startsWith(own) && !path.slice(own.length).includes('/'));
    await Promise.all(paths.map((path) => this.deps.media!.delete(path)));
    if (paths.length > 0)
      this.deps.logger.info('tombstoned message media deleted', { conversationId: cid, objects: paths.length });
  }

  private auditOf(cid: string, mid: string, change: MessageChange, senderId: string): KeyedEntry | undefined {
    switch (change.kind) {
      case 'edited':
        return messageAudit.edited(cid, mid, senderId, change.edit, change.editedAt);
      case 'deleted':
        return messageAudit.deleted(cid, mid, change.deletedBy, senderId);
      case 'other':
        return undefined;
    }
  }

  /**
   * Re-derives the preview of `lastMessage` from the message as stored now, when (and only when) it is the last
   * message: an edit or tombstone never moves the summary to another message, and a newer message that took over
   * in the meantime is left alone. Reading the message in the transaction makes a concurrent edit retry it.
   */
  private async refreshSummary(cid: string, mid: string): Promise<SummaryOutcome> {
    return this.deps.store.transaction(async (tx) => {
      const [conversationSnap, messageSnap] = await tx.getAll([paths.conversation(cid), paths.message(cid, mid)]);
      if (!conversationSnap?.exists || !messageSnap?.exists) return 'not-last';
      const last = toConversation(conversationSnap.data ?? {}).lastMessage;
      if (last?.messageId !== mid) return 'not-last';
      const message = messageSchema.safeParse(messageSnap.data);
      if (!message.success) return 'unchanged';
      const preview = previewOf(message.data);
      if (last.preview === preview) return 'unchanged';
      tx.update(paths.conversation(cid), { 'lastMessage.preview': preview });
      return 'updated';
    });
  }
}
