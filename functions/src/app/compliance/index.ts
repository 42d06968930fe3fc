import type { Infra } from '../../ports.js';
import type { AuditLog } from '../audit.js';
import type { MessageIndexer } from '../search/messageIndexer.js';
import { Erasure } from './erasure.js';
import { Exports } from './exports.js';
import { Retention } from './retention.js';
import { StaffProfiles } from '../staffAccess.js';

/** `services.compliance`: exports, erasure, the retention sweep and staff reads of profiles. No settings of its own. */
export function complianceServices(
  infra: Pick<Infra, 'store' | 'messageIndex' | 'exportStorage' | 'mediaStorage' | 'clock' | 'logger' | 'accounts'>,
  _settings: Record<string, never>,
  deps: { audit: AuditLog; indexer: MessageIndexer },
) {
  return {
    exports: new Exports(infra.store, infra.exportStorage, deps.audit, infra.clock, infra.logger),
    erasure: new Erasure(
      infra.store,
      infra.messageIndex,
      infra.exportStorage,
      deps.indexer,
      deps.audit,
      infra.logger,
      infra.clock,
      infra.accounts,
      infra.mediaStorage,
    ),
    staff: new StaffProfiles(infra.store, deps.audit),
    retention: new Retention(
      infra.store,
      infra.messageIndex,
      infra.clock,
      infra.logger,
      undefined,
      infra.exportStorage,
    ),
  };
}
