/** The sandbox Algolia (src/local/sandbox/algolia.ts), on its own loopback port per test file. */
export { AlgoliaSandbox as FakeAlgolia, decodeSecuredKey, parseFilters } from '../../../src/local/sandbox/algolia.js';
export type { AlgoliaRequest as FakeRequest } from '../../../src/local/sandbox/algolia.js';
