import type { DocData, DocSnapshot, DocumentStore, QuerySpec, Transaction, WriteOp } from '../ports.js';

/**
 * A DocumentStore that remembers which documents were written, in order, so the local run can fire the Firestore
 * triggers of the deploy surface the way the emulator would (see localFunctions.ts). Reads and writes go straight
 * to the store it wraps; a transaction's writes count only for the attempt that committed.
 */
export class ObservedStore implements DocumentStore {
  private written: string[] = [];

  constructor(readonly inner: DocumentStore) {}

  /** Paths written since the last call, oldest first, each once. */
  takeWritten(): string[] {
    const paths = [...new Set(this.written)];
    this.written = [];
    return paths;
  }

  get(path: string): Promise<DocSnapshot> {
    return this.inner.get(path);
  }
  getAll(paths: readonly string[]): Promise<DocSnapshot[]> {
    return this.inner.getAll(paths);
  }
  query(collectionPath: string, spec?: QuerySpec): Promise<DocSnapshot[]> {
    return this.inner.query(collectionPath, spec);
  }
  queryGroup(collectionId: string, spec?: QuerySpec): Promise<DocSnapshot[]> {
    return this.inner.queryGroup(collectionId, spec);
  }
  listIds(collectionPath: string): Promise<string[]> {
    return this.inner.listIds(collectionPath);
  }

  async create(path: string, data: DocData): Promise<boolean> {
    const created = await this.inner.create(path, data);
    if (created) this.written.push(path);
    return created;
  }
  async set(path: string, data: DocData, options?: { merge?: boolean }): Promise<void> {
    await this.inner.set(path, data, options);
    this.written.push(path);
  }
  async update(path: string, data: DocData): Promise<void> {
    await this.inner.update(path, data);
    this.written.push(path);
  }
  async delete(path: string): Promise<void> {
    await this.inner.delete(path);
    this.written.push(path);
  }
  async commit(ops: readonly WriteOp[]): Promise<void> {
    await this.inner.commit(ops);
    this.written.push(...ops.map((op) => op.path));
  }

  async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    let attempt: string[] = [];
    const result = await this.inner.transaction((tx) => {
      attempt = [];
      return fn(recording(tx, attempt));
    });
    this.written.push(...attempt);
    return result;
  }
}

function recording(tx: Transaction, written: string[]): Transaction {
  return {
    get: (path) => tx.get(path),
    getAll: (paths) => tx.getAll(paths),
    query: (collectionPath, spec) => tx.query(collectionPath, spec),
    create: (path, data) => {
      tx.create(path, data);
      written.push(path);
    },
    set: (path, data, options) => {
      tx.set(path, data, options);
      written.push(path);
    },
    update: (path, data) => {
      tx.update(path, data);
      written.push(path);
    },
    delete: (path) => {
      tx.delete(path);
      written.push(path);
    },
  };
}
