import type { MessageRecord, MessageSearchQuery, MessageSearchResult } from '../../ports.js';

/** Lower case, accents folded, split on anything that is not a letter or digit. */
export function words(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/**
 * The simple text match used where Algolia is not (the in-memory index, the degraded Firestore search): every query
 * word must be a prefix of a word in the searchable attributes. An empty query matches everything.
 */
export function textMatches(
  record: Pick<MessageRecord, 'text' | 'senderName' | 'attachmentNames'>,
  query: string,
): boolean {
  const wanted = words(query);
  if (wanted.length === 0) return true;
  const have = words([record.text, record.senderName, ...record.attachmentNames].join(' '));
  return wanted.every((w) => have.some((h) => h.startsWith(w)));
}

/** Every filter of a search, visibility included. */
export function recordMatches(record: MessageRecord, q: MessageSearchQuery): boolean {
  if (!record.visibleTo.includes(q.visibleTo)) return false;
  if (q.conversationId !== undefined && record.conversationId !== q.conversationId) return false;
  if (q.senderId !== undefined && record.senderId !== q.senderId) return false;
  if (q.types && q.types.length > 0 && !q.types.includes(record.type)) return false;
  if (q.from !== undefined && record.createdAt < q.from) return false;
  if (q.to !== undefined && record.createdAt > q.to) return false;
  return textMatches(record, q.query);
}

/** Newest first (the index's custom ranking), then one page. */
export function paginate(matching: readonly MessageRecord[], page: number, hitsPerPage: number): MessageSearchResult {
  const sorted = [...matching].sort((a, b) => b.createdAt - a.createdAt || a.objectID.localeCompare(b.objectID));
  return {
    hits: sorted.slice(page * hitsPerPage, (page + 1) * hitsPerPage),
    page,
    nbHits: sorted.length,
    nbPages: Math.ceil(sorted.length / hitsPerPage),
  };
}
