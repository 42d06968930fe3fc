import type { Algoliasearch } from 'algoliasearch';
import type {
  MessageIndex,
  MessageIndexSettings,
  MessageRecord,
  MessageSearchQuery,
  MessageSearchResult,
} from '../../ports.js';
import { buildSearchFilters } from '../../domain/search/record.js';

export interface AlgoliaHost {
  url: string;
  protocol: 'http' | 'https';
  accept: 'read' | 'write' | 'readWrite';
}

export interface AlgoliaConfig {
  /** Read at first use (secrets are only readable inside a running function). */
  credentials: () => { appId: string; adminKey: string; searchKey: string };
  indexName: () => string;
  /** Tests and the emulator's sandbox providers: a loopback server that speaks Algolia's REST API. */
  hosts?: AlgoliaHost[];
  timeouts?: { connect: number; read: number; write: number };
}

/** Operations per batch request (Algolia allows 1,000; smaller keeps each request small). */
const BATCH = 500;

/**
 * The message index on Algolia, through the official algoliasearch v5 client. The SDK is loaded with `await import`
 * on first use and the client kept for the instance's life: importing this module costs nothing.
 */
export class AlgoliaMessageIndex implements MessageIndex {
  private client: Promise<{ client: Algoliasearch; indexName: string; appId: string; searchKey: string }> | undefined;

  constructor(private readonly config: AlgoliaConfig) {}

  private connect() {
    this.client ??= (async () => {
      const { algoliasearch } = await import('algoliasearch');
      const { appId, adminKey, searchKey } = this.config.credentials();
      const client = algoliasearch(appId, adminKey, {
        ...(this.config.hosts ? { hosts: this.config.hosts } : {}),
        timeouts: this.config.timeouts ?? { connect: 2_000, read: 5_000, write: 30_000 },
      });
      return { client, indexName: this.config.indexName(), appId, searchKey };
    })().catch((error: unknown) => {
      this.client = undefined; // a missing secret now may be set on the next call
      throw error;
    });
    return this.client;
  }

  private async batch(
    requests: Array<{
      action: 'addObject' | 'deleteObject' | 'partialUpdateObjectNoCreate';
      body: Record<string, unknown>;
    }>,
  ) {
    const { client, indexName } = await this.connect();
    for (let i = 0; i < requests.length; i += BATCH) {
      await client.batch({ indexName, batchWriteParams: { requests: requests.slice(i, i + BATCH) } });
    }
  }

  async saveRecords(records: readonly MessageRecord[]): Promise<void> {
    // addObject with an objectID replaces the whole record: saving twice is the same as saving once.
    await this.batch(records.map((record) => ({ action: 'addObject', body: { ...record } })));
  }

  async deleteRecords(objectIDs: readonly string[]): Promise<void> {
    await this.batch(objectIDs.map((objectID) => ({ action: 'deleteObject', body: { objectID } })));
  }

  async partialUpdate(updates: ReadonlyArray<{ objectID: string } & Partial<MessageRecord>>): Promise<void> {
    await this.batch(updates.map((update) => ({ action: 'partialUpdateObjectNoCreate', body: { ...update } })));
  }

  async search(q: MessageSearchQuery): Promise<MessageSearchResult> {
    const { client, indexName } = await this.connect();
    const response = await client.searchSingleIndex<MessageRecord>({
      indexName,
      searchParams: { query: q.query, filters: buildSearchFilters(q), page: q.page, hitsPerPage: q.hitsPerPage },
    });
    return {
      hits: response.hits.map((hit) => pickRecord(hit as unknown as Record<string, unknown>)),
      page: response.page ?? q.page,
      nbPages: response.nbPages ?? 0,
      nbHits: response.nbHits ?? response.hits.length,
    };
  }

  async applySettings(settings: MessageIndexSettings): Promise<void> {
    const { client, indexName } = await this.connect();
    await client.setSettings({ indexName, indexSettings: { ...settings } });
  }

  async securedSearchKey(restrictions: { filters: string; validUntil: Date }) {
    const { client, indexName, appId, searchKey } = await this.connect();
    const apiKey = client.generateSecuredApiKey({
      parentApiKey: searchKey,
      restrictions: {
        filters: restrictions.filters,
        validUntil: Math.floor(restrictions.validUntil.getTime() / 1000),
        restrictIndices: [indexName],
      },
    });
    return { apiKey, appId, indexName };
  }
}

/** Algolia adds _highlightResult and friends; keep only the record's own attributes. */
function pickRecord(hit: Record<string, unknown>): MessageRecord {
  const keys: Array<keyof MessageRecord> = [
    'objectID',
    'conversationId',
    'senderId',
    'senderName',
    'type',
    'text',
    'createdAt',
    'attachmentKinds',
    'attachmentNames',
    'visibleTo',
  ];
  return Object.fromEntries(keys.filter((k) => k in hit).map((k) => [k, hit[k]])) as unknown as MessageRecord;
}
