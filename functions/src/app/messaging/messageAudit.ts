import type { AuditEntry } from '../audit.js';
import { messageAuditKeys } from '../../domain/messaging/messageChange.js';

/**
 * The audit entries of messages (issue 6: every message sent, edited, deleted), each with its key. The callables
 * record them in their own transactions and the triggers record them for what clients wrote directly; the shared
 * key makes that one entry per action, whichever path writes it first.
 */
export type KeyedEntry = { entry: AuditEntry; key: string };

const target = (cid: string, mid: string) => ({ type: 'message', id: `${cid}/${mid}` });

export const messageAudit = {
  sent(cid: string, mid: string, message: { senderId: string; type: string; encrypted?: boolean }): KeyedEntry {
    return {
      entry: {
        actorUid: message.senderId,
        action: 'message.sent',
        target: target(cid, mid),
        details: { type: message.type, encrypted: message.encrypted ?? false },
      },
      key: messageAuditKeys.sent(cid, mid),
    };
  },

  edited(cid: string, mid: string, senderId: string, edit: number, editedAt: Date | undefined): KeyedEntry {
    return {
      entry: {
        actorUid: senderId,
        action: 'message.edited',
        target: target(cid, mid),
        details: { edit, editedAt: editedAt ?? null },
      },
      key: messageAuditKeys.edited(cid, mid, edit),
    };
  },

  deleted(cid: string, mid: string, actorUid: string, senderId: string): KeyedEntry {
    return {
      entry: { actorUid, action: 'message.deleted', target: target(cid, mid), details: { senderId } },
      key: messageAuditKeys.deleted(cid, mid),
    };
  },
};
