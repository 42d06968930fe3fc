import type { DocumentStore, WriteOp } from '../ports.js';
import type { SeedWrite } from './seedDocuments.js';

/** Firestore's batch limit. */
const BATCH = 500;

/**
 * Writes the seed documents (whole-document `set`: loading twice leaves the same data, never duplicates).
 * Works on any DocumentStore: the Firestore emulator through the Admin SDK, or the in-memory store.
 */
export async function applySeed(
  store: DocumentStore,
  writes: readonly SeedWrite[],
): Promise<{ documents: number; batches: number }> {
  let batches = 0;
  for (let i = 0; i < writes.length; i += BATCH) {
    const ops: WriteOp[] = writes.slice(i, i + BATCH).map((w) => ({ kind: 'set', path: w.path, data: w.data }));
    await store.commit(ops);
    batches++;
  }
  return { documents: writes.length, batches };
}
