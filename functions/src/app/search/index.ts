import type { Clock, DocumentStore, Logger, MessageIndex } from '../../ports.js';
import { MessageIndexer } from './messageIndexer.js';
import { MessageSearch } from './messageSearch.js';

/** `services.search`: indexing (triggers, reindex script) and searching (callables). */
export function searchServices(infra: { store: DocumentStore; messageIndex: MessageIndex; clock: Clock; logger: Logger }) {
  const indexer = new MessageIndexer(infra.store, infra.messageIndex, infra.logger);
  const search = new MessageSearch(infra.store, infra.messageIndex, infra.clock, infra.logger);
  return { indexer, search };
}
