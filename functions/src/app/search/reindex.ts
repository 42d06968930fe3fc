import type { Clock, DocumentStore, Logger } from '../../ports.js';
import { paths } from '../../domain/paths.js';
import type { MessageIndexer } from './messageIndexer.js';

/** Progress of `npm run reindex`, so an interrupted run resumes after the last finished conversation. */
export const REINDEX_CHECKPOINT = 'searchReindex/state';

export interface ReindexResult {
  conversations: number;
  records: number;
  resumedAfter?: string;
}

/**
 * Rebuilds the whole index from Firestore: settings first, then conversation after conversation (in id order), each
 * in batches. The checkpoint is written after every conversation; `restart` ignores it.
 */
export async function reindexAll(
  deps: { store: DocumentStore; indexer: MessageIndexer; clock: Clock; logger: Logger },
  options: { restart?: boolean } = {},
): Promise<ReindexResult> {
  const { store, indexer, clock, logger } = deps;
  await indexer.applySettings();
  const checkpoint = options.restart ? undefined : await store.get(REINDEX_CHECKPOINT);
  const after =
    typeof checkpoint?.data?.after === 'string' && checkpoint.data.done !== true ? checkpoint.data.after : undefined;
  const ids = (await store.listIds(paths.conversations())).filter((id) => after === undefined || id > after);
  const result: ReindexResult = { conversations: 0, records: 0, ...(after ? { resumedAfter: after } : {}) };
  for (const cid of ids) {
    result.records += await indexer.reindexConversation(cid);
    result.conversations += 1;
    await store.set(REINDEX_CHECKPOINT, { after: cid, done: false, at: clock.now() });
    logger.info('reindexed conversation', { conversationId: cid, total: result.records });
  }
  await store.set(REINDEX_CHECKPOINT, { after: ids.at(-1) ?? after ?? '', done: true, at: clock.now() });
  return result;
}
