import { z } from 'zod';
import { nullAsAbsent } from './message.js';

/**
 * What an update of a message document was, told from its before and after states. Clients edit and tombstone
 * messages directly under firestore.rules, so the update trigger is where the server learns of (and audits) them.
 */

/**
 * The fields the trigger reads from the event's before/after documents; anything else is left alone. Clients may
 * write the optional ones as null (absent), as the rules allow.
 */
export const messageStateSchema = nullAsAbsent(
  ['deleted', 'deletedBy', 'editHistory', 'editedAt'],
  z.looseObject({
    senderId: z.string().min(1),
    type: z.string().min(1),
    deleted: z.literal(true).optional(),
    deletedBy: z.string().optional(),
    editHistory: z.array(z.unknown()).optional(),
    editedAt: z.date().optional(),
  }),
);
export type MessageState = z.infer<typeof messageStateSchema>;

export type MessageChange =
  | { kind: 'deleted'; deletedBy: string }
  /** `edit` counts the message's edits (1 for the first): one per accepted edit, as both write paths add one history entry. */
  | { kind: 'edited'; edit: number; editedAt: Date | undefined }
  /** Anything else: moderation bookkeeping, erasure pseudonymising the sender, a retried no-op write. */
  | { kind: 'other' };

export function messageChange(before: MessageState, after: MessageState): MessageChange {
  if (after.deleted && !before.deleted) return { kind: 'deleted', deletedBy: after.deletedBy ?? after.senderId };
  if (!after.deleted) {
    const edits = after.editHistory?.length ?? 0;
    if (edits > (before.editHistory?.length ?? 0)) return { kind: 'edited', edit: edits, editedAt: after.editedAt };
  }
  return { kind: 'other' };
}

/**
 * Audit entry keys (AuditLog derives the entry id from them): the same action on the same message is one entry, whether
 * the trigger runs twice or a callable recorded it first in its own transaction.
 */
export const messageAuditKeys = {
  sent: (cid: string, mid: string) => `message.sent:${cid}/${mid}`,
  edited: (cid: string, mid: string, edit: number) => `message.edited:${cid}/${mid}#${edit}`,
  /** A message is tombstoned once, by whichever path: deleteMessage, a moderation removal or a client's own write. */
  deleted: (cid: string, mid: string) => `message.deleted:${cid}/${mid}`,
} as const;
