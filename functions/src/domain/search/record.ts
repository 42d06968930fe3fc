import { z } from 'zod';
import type { MessageIndexSettings, MessageRecord, MessageSearchQuery } from '../../ports.js';

/**
 * What indexing reads from a message document (conversations/{cid}/messages/{mid}). Deliberately loose: the messaging
 * feature owns the full schema; indexing only needs these fields and must not reject a message for an extra one.
 */
export const indexableMessageSchema = z.looseObject({
  senderId: z.string().min(1),
  type: z.string().min(1),
  text: z.string().optional(),
  attachments: z.array(z.looseObject({ kind: z.string(), name: z.string().optional() })).optional(),
  createdAt: z.date(),
  deleted: z.boolean().optional(),
  encrypted: z.unknown().optional(),
  materialSpec: z.looseObject({ material: z.string().optional(), notes: z.string().optional() }).optional(),
  technique: z.looseObject({ title: z.string().optional() }).optional(),
  workshop: z.looseObject({ title: z.string().optional(), place: z.string().optional() }).optional(),
  /** Set by erasure: the sender's name is no longer shown. */
  senderDeleted: z.boolean().optional(),
});
export type IndexableMessage = z.infer<typeof indexableMessageSchema>;

export const DELETED_USER_NAME = 'Deleted user';

/**
 * Algolia rejects records over 10 KB (100 KB on paid plans). The text is cut so that the whole record, with its other
 * attributes and JSON overhead, stays well under the smaller limit. Measured in UTF-8 bytes, cut on a code point.
 */
export const MAX_TEXT_BYTES = 8_000;

export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  let bytes = 0;
  let out = '';
  for (const char of text) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > maxBytes) break;
    bytes += size;
    out += char;
  }
  return out;
}

/** Why a message is not in the index: end-to-end encrypted text is unreadable to the server, tombstones are gone. */
export function shouldIndex(message: IndexableMessage): boolean {
  return message.encrypted === undefined && message.deleted !== true;
}

/**
 * The index's record id for a message. A message id is unique only inside its conversation (it is
 * `{senderId}_{clientMessageId}`, and a sender may reuse a clientMessageId in another conversation), so the record id
 * carries the conversation too: `{conversationId}/{messageId}`. Firestore ids never contain `/`, so two different
 * messages never share a record, and an operation addressed to one conversation's records never reaches another's.
 */
export function searchRecordId(conversationId: string, messageId: string): string {
  return `${conversationId}/${messageId}`;
}

/** The record id of the message at `conversations/{cid}/messages/{mid}` (a collection-group query's document path). */
export function searchRecordIdOfPath(path: string): string {
  const [, cid, , mid] = path.split('/');
  return searchRecordId(cid ?? '', mid ?? '');
}

/** The message id inside a record id (what clients address the message by). */
export function messageIdOfRecord(objectID: string): string {
  return objectID.slice(objectID.indexOf('/') + 1);
}

export function toMessageRecord(input: {
  conversationId: string;
  messageId: string;
  message: IndexableMessage;
  senderName: string;
  memberIds: readonly string[];
}): MessageRecord {
  const { message } = input;
  const attachments = message.attachments ?? [];
  return {
    objectID: searchRecordId(input.conversationId, input.messageId),
    conversationId: input.conversationId,
    senderId: message.senderId,
    senderName: message.senderDeleted ? DELETED_USER_NAME : input.senderName,
    type: message.type,
    text: truncateUtf8(searchableText(message), MAX_TEXT_BYTES),
    createdAt: message.createdAt.getTime(),
    attachmentKinds: [...new Set(attachments.map((a) => a.kind))],
    attachmentNames: attachments.flatMap((a) => (a.name ? [a.name] : [])),
    visibleTo: [...new Set(input.memberIds)].sort(),
  };
}

/** The words a message is found by: its text, or the titles of a structured message (material, technique, workshop). */
export function searchableText(message: IndexableMessage): string {
  const parts = [
    message.text,
    message.materialSpec?.material,
    message.materialSpec?.notes,
    message.technique?.title,
    message.workshop?.title,
    message.workshop?.place,
  ];
  return parts.filter((p): p is string => typeof p === 'string' && p.length > 0).join('\n');
}

/** Applied by code on every reindex and by `npm run reindex`; setting the same settings twice changes nothing. */
export const MESSAGE_INDEX_SETTINGS: MessageIndexSettings = {
  searchableAttributes: ['text', 'senderName', 'attachmentNames'],
  attributesForFaceting: ['filterOnly(visibleTo)', 'conversationId', 'senderId', 'type'],
  customRanking: ['desc(createdAt)'],
};

/** The visibility filter a user's searches (server-side and through secured keys) always carry. */
export const visibleToFilter = (uid: string) => `visibleTo:${quoteFilterValue(uid)}`;

/** Algolia filter values with anything but [A-Za-z0-9_-] are quoted; quotes inside are escaped. */
export function quoteFilterValue(value: string): string {
  return /^[A-Za-z0-9_-]+$/.test(value) ? value : `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The Algolia `filters` string for a search: visibility first, then the user's own narrowing. */
export function buildSearchFilters(q: Omit<MessageSearchQuery, 'query' | 'page' | 'hitsPerPage'>): string {
  const parts = [visibleToFilter(q.visibleTo)];
  if (q.conversationId) parts.push(`conversationId:${quoteFilterValue(q.conversationId)}`);
  if (q.senderId) parts.push(`senderId:${quoteFilterValue(q.senderId)}`);
  if (q.types && q.types.length > 0) parts.push(`(${q.types.map((t) => `type:${quoteFilterValue(t)}`).join(' OR ')})`);
  if (q.from !== undefined) parts.push(`createdAt >= ${q.from}`);
  if (q.to !== undefined) parts.push(`createdAt <= ${q.to}`);
  return parts.join(' AND ');
}
