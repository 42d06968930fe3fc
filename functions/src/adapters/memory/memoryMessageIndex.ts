import type {
  MessageIndex,
  MessageIndexSettings,
  MessageRecord,
  MessageSearchQuery,
  MessageSearchResult,
} from '../../ports.js';
import { paginate, recordMatches } from '../../domain/search/match.js';

/**
 * The message index in memory, for tests and the local run: real filtering (visibility, conversation, sender, type,
 * date range) and a simple prefix text match. Secured keys are opaque strings that only name their restrictions.
 */
export class MemoryMessageIndex implements MessageIndex {
  readonly records = new Map<string, MessageRecord>();
  settings: MessageIndexSettings | undefined;

  async saveRecords(records: readonly MessageRecord[]): Promise<void> {
    for (const record of records) this.records.set(record.objectID, structuredClone(record));
  }

  async deleteRecords(objectIDs: readonly string[]): Promise<void> {
    for (const id of objectIDs) this.records.delete(id);
  }

  async partialUpdate(updates: ReadonlyArray<{ objectID: string } & Partial<MessageRecord>>): Promise<void> {
    for (const update of updates) {
      const existing = this.records.get(update.objectID);
      // A partial update changes attributes of that one record; it never moves it to another conversation.
      if (existing)
        this.records.set(update.objectID, {
          ...existing,
          ...structuredClone(update),
          objectID: existing.objectID,
          conversationId: existing.conversationId,
        });
    }
  }

  async search(query: MessageSearchQuery): Promise<MessageSearchResult> {
    const matching = [...this.records.values()].filter((record) => recordMatches(record, query));
    return structuredClone(paginate(matching, query.page, query.hitsPerPage));
  }

  async applySettings(settings: MessageIndexSettings): Promise<void> {
    this.settings = structuredClone(settings);
  }

  async securedSearchKey(restrictions: { filters: string; validUntil: Date }) {
    const encoded = new URLSearchParams({
      filters: restrictions.filters,
      validUntil: String(Math.floor(restrictions.validUntil.getTime() / 1000)),
    });
    return { apiKey: `memory-secured:${encoded.toString()}`, appId: 'memory', indexName: 'messages' };
  }
}
