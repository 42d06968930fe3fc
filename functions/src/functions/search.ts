import { z } from 'zod';
import { onDocumentUpdated, onDocumentWritten } from 'firebase-functions/v2/firestore';
import { secrets } from '../config.js';
import { memberIdsOf } from '../app/search/messageIndexer.js';
import { searchMessagesSchema } from '../domain/search/searchRequest.js';
import { CALL_LIMITS } from '../app/callLimits.js';
import { callable } from './callable.js';
import { REGION } from './options.js';
import { services } from './runtime.js';

const ALGOLIA = [secrets.ALGOLIA_APP_ID, secrets.ALGOLIA_ADMIN_KEY, secrets.ALGOLIA_SEARCH_KEY];

/**
 * Keeps the search index in step with messages: created and edited ones are (re)indexed, deleted, tombstoned and
 * end-to-end encrypted ones removed. It re-reads the message, so a retry or an out-of-order run converges.
 */
export const searchIndexMessage = onDocumentWritten(
  { document: 'conversations/{cid}/messages/{mid}', region: REGION, secrets: ALGOLIA, retry: true },
  async (event) => {
    await services().search.indexer.syncMessage(event.params.cid, event.params.mid);
  },
);

/** A membership change re-writes `visibleTo` on the conversation's records, so removed members stop matching. */
export const searchSyncMembers = onDocumentUpdated(
  { document: 'conversations/{cid}', region: REGION, secrets: ALGOLIA, retry: true },
  async (event) => {
    const before = memberIdsOf(event.data?.before.data());
    const after = memberIdsOf(event.data?.after.data());
    await services().search.indexer.syncMembers(event.params.cid, before, after);
  },
);

/** Server-side search, always limited to `visibleTo:<caller>`; `degraded: true` when it fell back to Firestore. */
export const searchMessages = callable(searchMessagesSchema, (data, { caller, services: s }) => s.search.search.search(caller, data), {
  secrets: ALGOLIA,
  // Each search is a billed Algolia operation.
  limit: CALL_LIMITS.search,
});

/** A secured Algolia key restricted to the caller's messages, valid for an hour, for searching from the client. */
export const getSearchKey = callable(z.object({}).strict(), (_data, { caller, services: s }) => s.search.search.searchKey(caller), {
  secrets: ALGOLIA,
  limit: CALL_LIMITS.searchKey,
});
