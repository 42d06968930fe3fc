import type { Clock, DocumentStore, Logger, MessageIndex, ObjectStorage } from '../../ports.js';
import { paths } from '../../domain/paths.js';
import type { RetentionRule } from '../../domain/compliance/retention.js';
import { cutoffFor, RETENTION_RULES } from '../../domain/compliance/retention.js';
import { searchRecordIdOfPath } from '../../domain/search/record.js';

const BATCH = 450;
/** Longer than any export may run (the export callables' 540 s timeout): a job still running after this has died. */
export const STALE_EXPORT_MS = 15 * 60_000;

/**
 * The daily retention sweep: deletes what is older than its rule allows (notifications, deliveries and moderation
 * items after a year, messages after seven, events, receipts and digests after 90 days), in batches, and removes
 * deleted messages from the search index. Firestore TTL policies on `expiresAt` do the same where writers set it;
 * the sweep also covers documents written without one. Running it twice deletes nothing more.
 */
export class Retention {
  constructor(
    private readonly store: DocumentStore,
    private readonly index: MessageIndex,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly rules: readonly RetentionRule[] = RETENTION_RULES,
    /** Where exports are written: jobs whose instance died mid-upload lose their partial object. */
    private readonly exportStorage?: ObjectStorage,
  ) {}

  async sweep(): Promise<Record<string, number>> {
    const now = this.clock.now();
    const deleted: Record<string, number> = {};
    for (const rule of this.rules) {
      // A collection may have several rules (events: occurredAt, or rejectedAt when it was rejected).
      deleted[rule.collection] = (deleted[rule.collection] ?? 0) + (await this.sweepRule(rule, cutoffFor(rule, now)));
    }
    if (this.exportStorage) {
      const failed = await this.failStaleExports(this.exportStorage, now);
      if (failed > 0) deleted.staleExports = failed;
    }
    this.logger.info('retention sweep', deleted);
    return deleted;
  }

  /**
   * An export whose instance died (timeout, crash, deploy) stays `running` (or `queued`) with whatever part of its file reached
   * storage. Past any possible run time it is failed and the partial object deleted, so no job waits forever and no
   * partial file stays behind. Running jobs are few, so they are read by status alone (an automatic index).
   */
  private async failStaleExports(storage: ObjectStorage, now: Date): Promise<number> {
    const cutoff = now.getTime() - STALE_EXPORT_MS;
    // Queued too: a PDF whose renderer never ran (or was never deployed) must not leave its client waiting forever.
    const running = [
      ...(await this.store.query(paths.exports(), { where: [['status', '==', 'running']], limit: BATCH })),
      ...(await this.store.query(paths.exports(), { where: [['status', '==', 'queued']], limit: BATCH })),
    ];
    let failed = 0;
    for (const job of running) {
      const createdAt = job.data?.createdAt;
      if (!(createdAt instanceof Date) || createdAt.getTime() > cutoff) continue;
      if (typeof job.data?.path === 'string') await storage.deletePrefix(job.data.path);
      await this.store.update(job.path, {
        status: 'failed',
        error: 'the export did not finish (its function instance stopped)',
        finishedAt: now,
      });
      failed += 1;
    }
    return failed;
  }

  private async sweepRule(rule: RetentionRule, cutoff: Date): Promise<number> {
    let total = 0;
    // Timestamps, and ISO strings for writers that store times as text (they sort correctly as strings).
    for (const bound of [cutoff, cutoff.toISOString()] as const) {
      for (;;) {
        const where = [
          [rule.field, '<', bound] as const,
          ...(typeof bound === 'string' ? [[rule.field, '>=', ''] as const] : []),
        ];
        const spec = { where, orderBy: [{ field: rule.field }], limit: BATCH };
        const page = rule.group
          ? await this.store.queryGroup(rule.collection, spec)
          : await this.store.query(rule.collection, spec);
        if (page.length === 0) break;
        if (rule.collection === 'notifications') await this.deleteNotifications(page.map((doc) => doc.path));
        else await this.store.commit(page.map((doc) => ({ kind: 'delete' as const, path: doc.path })));
        if (rule.collection === 'messages')
          await this.index.deleteRecords(page.map((doc) => searchRecordIdOfPath(doc.path)));
        total += page.length;
      }
    }
    return total;
  }

  /**
   * An unread notification that goes must leave the unread counts too: each user's notifications are deleted through
   * the notification center, in one transaction with the counter (the total and the category's count). The
   * transaction reads them first, so a sweep run twice (or alongside the user deleting them) lowers nothing twice.
   */
  private async deleteNotifications(docPaths: readonly string[]): Promise<void> {
    // Loaded here, not at import: the compliance functions that never sweep (exports) stay off the notification code.
    const { NotificationCenter } = await import('../notifications/notificationCenter.js');
    const center = new NotificationCenter(this.store, this.clock);
    const byUser = new Map<string, string[]>();
    const elsewhere: string[] = [];
    for (const path of docPaths) {
      const m = /^users\/([^/]+)\/notifications\/([^/]+)$/.exec(path);
      if (m) byUser.set(m[1]!, [...(byUser.get(m[1]!) ?? []), m[2]!]);
      else elsewhere.push(path); // a `notifications` collection outside the center: no counter to keep
    }
    for (const [uid, ids] of byUser) await center.remove(uid, ids);
    if (elsewhere.length) await this.store.commit(elsewhere.map((path) => ({ kind: 'delete' as const, path })));
  }
}
