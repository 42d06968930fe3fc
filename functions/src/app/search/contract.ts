import { z } from 'zod';
import { defineContracts } from '../contract.js';

/** The search callables' answers and errors (messageSearch.ts; the input is src/domain/search/searchRequest.ts). */

/** A hit: the index record without its member list, plus the message id. */
export const searchHitOutput = z.strictObject({
  objectID: z.string(),
  messageId: z.string(),
  conversationId: z.string(),
  senderId: z.string(),
  senderName: z.string(),
  type: z.string(),
  text: z.string(),
  /** Epoch milliseconds. */
  createdAt: z.number(),
  attachmentKinds: z.array(z.string()),
  attachmentNames: z.array(z.string()),
});

export const searchContracts = defineContracts({
  searchMessages: {
    summary:
      'Searches the messages the caller may read (always restricted to `visibleTo:<caller>` on the server); ' +
      '`degraded: true` when the index was down and a conversation-scoped search fell back to Firestore.',
    who: 'own data: only conversations the caller is a member of',
    output: z.strictObject({
      hits: z.array(searchHitOutput),
      page: z.number().int(),
      nbPages: z.number().int(),
      nbHits: z.number().int(),
      degraded: z.boolean(),
    }),
    errors: [
      { code: 'permission-denied', when: '`conversationId` names a conversation the caller is not a member of' },
      { code: 'unavailable', when: 'the index is down and the search is not limited to one conversation' },
    ],
  },
  getSearchKey: {
    summary:
      "A secured Algolia search key limited to the caller's messages, valid for an hour (search from the client).",
    who: 'own data',
    output: z.strictObject({
      apiKey: z.string(),
      appId: z.string(),
      indexName: z.string(),
      expiresAt: z.iso.datetime(),
    }),
    errors: [],
  },
});
