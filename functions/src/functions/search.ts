import { CALL_LIMITS } from '../app/callLimits.js';
import { callable, inputFrom } from './callable.js';
import { SECRETS } from './options.js';
import { docUpdated, docWritten } from './triggers.js';

/**
 * Keeps the search index in step with messages: created and edited ones are (re)indexed, deleted, tombstoned and
 * end-to-end encrypted ones removed. It re-reads the message, so a retry or an out-of-order run converges.
 */
export const searchIndexMessage = docWritten(
  'conversations/{cid}/messages/{mid}',
  ({ params }, s) => s.search.indexer.syncMessage(params.cid, params.mid),
  {
    secrets: SECRETS.algolia,
  },
);

/** A membership change re-writes `visibleTo` on the conversation's records, so removed members stop matching. */
export const searchSyncMembers = docUpdated(
  'conversations/{cid}',
  ({ params, before, after }, s) => s.search.indexer.onConversationUpdated(params.cid, before, after),
  {
    secrets: SECRETS.algolia,
  },
);

/** Server-side search, always limited to `visibleTo:<caller>`; `degraded: true` when it fell back to Firestore. */
export const searchMessages = callable(
  inputFrom(() => import('../domain/search/searchRequest.js'), 'searchMessagesSchema'),
  (data, { caller, services: s }) => s.search.search.search(caller, data),
  {
    secrets: SECRETS.algolia,
    // Each search is a billed Algolia operation.
    limit: CALL_LIMITS.search,
  },
);

/** A secured Algolia key restricted to the caller's messages, valid for an hour, for searching from the client. */
export const getSearchKey = callable(
  inputFrom(() => import('./inputs.js'), 'noInput'),
  (_data, { caller, services: s }) => s.search.search.searchKey(caller),
  {
    secrets: SECRETS.algolia,
    limit: CALL_LIMITS.searchKey,
  },
);
