import { AlgoliaMessageIndex } from '../../../src/adapters/algolia/algoliaMessageIndex.js';
import type { AlgoliaSandbox } from '../../../src/local/sandbox/algolia.js';

/** The sandbox Algolia (src/local/sandbox/algolia.ts), on its own loopback port per test file. */
export { AlgoliaSandbox as FakeAlgolia, decodeSecuredKey, parseFilters } from '../../../src/local/sandbox/algolia.js';
export type { AlgoliaRequest as FakeRequest } from '../../../src/local/sandbox/algolia.js';

/** The real Algolia adapter pointed at a running fake, so what the index holds is checked at the wire. */
export function algoliaIndexOn(fake: AlgoliaSandbox): AlgoliaMessageIndex {
  return new AlgoliaMessageIndex({
    credentials: () => ({ appId: fake.appId, adminKey: fake.adminKey, searchKey: fake.searchKey }),
    indexName: () => 'messages',
    hosts: fake.hosts,
  });
}
