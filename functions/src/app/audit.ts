import { randomUUID } from 'node:crypto';
import type { Clock, DocData, DocumentStore, Transaction } from '../ports.js';
import { paths } from '../domain/paths.js';
import { hashedId } from '../domain/ids.js';

/** Every communication action worth a compliance trail. Extend as features land. */
export interface AuditEntry {
  actorUid: string;
  action: string;
  target: { type: string; id: string };
  details?: DocData;
}

/**
 * The audit trail (`auditLog/{id}`), append-only (the rules deny updates and deletes; only admins read).
 * Pass `key` when the action can be retried (a trigger running twice): the entry id is derived from it, so a retry
 * writes the same entry instead of a second one.
 */
export class AuditLog {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
  ) {}

  private entry(entry: AuditEntry, key?: string) {
    const at = this.clock.now();
    const id = key ? hashedId(key, { length: 24 }) : `${at.getTime()}-${randomUUID()}`;
    return { path: paths.auditEntry(id), data: { ...entry, details: entry.details ?? {}, at } };
  }

  async record(entry: AuditEntry, key?: string): Promise<void> {
    const { path, data } = this.entry(entry, key);
    await this.store.create(path, data);
  }

  /** Records inside a transaction, so the entry exists if and only if the action committed. */
  recordIn(tx: Transaction, entry: AuditEntry, key?: string): void {
    const { path, data } = this.entry(entry, key);
    tx.set(path, data);
  }
}
