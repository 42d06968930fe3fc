import type { Clock, DocumentStore, Logger, MessageIndex } from '../../ports.js';
import type { RetentionRule } from '../../domain/compliance/retention.js';
import { cutoffFor, RETENTION_RULES } from '../../domain/compliance/retention.js';
import { searchRecordIdOfPath } from '../../domain/search/record.js';

const BATCH = 450;

/**
 * The daily retention sweep: deletes what is older than its rule allows (notifications and deliveries after a year,
 * messages after seven), in batches, and removes deleted messages from the search index. Firestore TTL policies on
 * `expiresAt` do the same where writers set it; the sweep also covers documents written without one. Running it
 * twice deletes nothing more.
 */
export class Retention {
  constructor(
    private readonly store: DocumentStore,
    private readonly index: MessageIndex,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly rules: readonly RetentionRule[] = RETENTION_RULES,
  ) {}

  async sweep(): Promise<Record<string, number>> {
    const now = this.clock.now();
    const deleted: Record<string, number> = {};
    for (const rule of this.rules) {
      deleted[rule.collection] = await this.sweepRule(rule, cutoffFor(rule, now));
    }
    this.logger.info('retention sweep', deleted);
    return deleted;
  }

  private async sweepRule(rule: RetentionRule, cutoff: Date): Promise<number> {
    let total = 0;
    // Timestamps, and ISO strings for writers that store times as text (they sort correctly as strings).
    for (const bound of [cutoff, cutoff.toISOString()] as const) {
      for (;;) {
        const where = [[rule.field, '<', bound] as const, ...(typeof bound === 'string' ? [[rule.field, '>=', ''] as const] : [])];
        const spec = { where, orderBy: [{ field: rule.field }], limit: BATCH };
        const page = rule.group ? await this.store.queryGroup(rule.collection, spec) : await this.store.query(rule.collection, spec);
        if (page.length === 0) break;
        await this.store.commit(page.map((doc) => ({ kind: 'delete' as const, path: doc.path })));
        if (rule.collection === 'messages') await this.index.deleteRecords(page.map((doc) => searchRecordIdOfPath(doc.path)));
        total += page.length;
      }
    }
    return total;
  }
}
