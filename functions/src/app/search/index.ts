import type { Infra } from '../../ports.js';
import { MessageIndexer } from './messageIndexer.js';
import { MessageSearch } from './messageSearch.js';

/** `services.search`: indexing (triggers, reindex script) and searching (callables). No settings of its own. */
export function searchServices(
  infra: Pick<Infra, 'store' | 'messageIndex' | 'clock' | 'logger'>,
  _settings: Record<string, never>,
  _shared: Record<string, never>,
) {
  const indexer = new MessageIndexer(infra.store, infra.messageIndex, infra.logger);
  const search = new MessageSearch(infra.store, infra.messageIndex, infra.clock, infra.logger);
  return { indexer, search };
}
