/**
 * `npm run reindex [-- --restart]`: rebuilds the Algolia message index from Firestore, conversation by conversation
 * in batches, applying the index settings first. Resumable: progress is checkpointed in Firestore
 * (searchReindex/state) after every conversation and a rerun continues after the last finished one; `--restart`
 * starts over. Re-saving a record is idempotent, so an interrupted conversation is simply done again.
 *
 * Credentials come from the environment (ALGOLIA_APP_ID, ALGOLIA_ADMIN_KEY, ALGOLIA_SEARCH_KEY, ALGOLIA_INDEX) and
 * Firestore from Application Default Credentials or FIRESTORE_EMULATOR_HOST.
 */
import { getFirestore } from 'firebase-admin/firestore';
import { FirestoreDocumentStore } from '../src/adapters/firestore/firestoreDocumentStore.js';
import { AlgoliaMessageIndex } from '../src/adapters/algolia/algoliaMessageIndex.js';
import { systemClock } from '../src/adapters/clocks.js';
import { FunctionsLogger } from '../src/adapters/functionsLogger.js';
import { MessageIndexer } from '../src/app/search/messageIndexer.js';
import { reindexAll } from '../src/app/search/reindex.js';
import { requireSecret } from '../src/config.js';
import { adminApp } from '../src/composition/cloud.js';

async function main() {
  const fromEnv = (name: string) => process.env[name];
  const store = new FirestoreDocumentStore(() => getFirestore(adminApp()));
  const index = new AlgoliaMessageIndex({
    credentials: () => ({
      appId: requireSecret('ALGOLIA_APP_ID', fromEnv),
      adminKey: requireSecret('ALGOLIA_ADMIN_KEY', fromEnv),
      searchKey: requireSecret('ALGOLIA_SEARCH_KEY', fromEnv),
    }),
    indexName: () => process.env.ALGOLIA_INDEX || 'messages',
  });
  const logger = new FunctionsLogger();
  const indexer = new MessageIndexer(store, index, logger);
  const started = Date.now();
  const result = await reindexAll(
    { store, indexer, clock: systemClock, logger },
    { restart: process.argv.includes('--restart') },
  );
  console.log(
    `reindexed ${result.records} messages in ${result.conversations} conversations` +
      `${result.resumedAfter ? ` (resumed after ${result.resumedAfter})` : ''} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

main().catch((error: unknown) => {
  console.error(`✖ reindex failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
