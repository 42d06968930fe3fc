/**
 * A DocumentStore and Publisher that count what passes through them, for the fan-out benchmarks: round trips (each
 * store call or transaction read/commit is one request to Firestore; each publish is one message), documents read and
 * written, transactions. Counts only; every call goes to the wrapped adapter unchanged.
 */
import type { DocData, DocSnapshot, DocumentStore, Publisher, QuerySpec, Transaction, WriteOp } from '../src/ports.js';

export interface Counts {
  roundTrips: number;
  docsRead: number;
  docsWritten: number;
  transactions: number;
  batches: number;
  publishes: number;
}

export const zeroCounts = (): Counts => ({
  roundTrips: 0,
  docsRead: 0,
  docsWritten: 0,
  transactions: 0,
  batches: 0,
  publishes: 0,
});

export class CountingStore implements DocumentStore {
  counts = zeroCounts();
  /** Wall milliseconds spent in each kind of call (overlapping calls both count), when BENCH_TIMINGS is set. */
  readonly ms: Record<string, number> = {};

  private async timed<T>(kind: string, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await run();
    } finally {
      this.ms[kind] = (this.ms[kind] ?? 0) + performance.now() - started;
    }
  }

  constructor(private readonly inner: DocumentStore) {}

  reset(): void {
    this.counts = zeroCounts();
  }

  private read<T extends DocSnapshot | DocSnapshot[]>(result: T): T {
    this.counts.roundTrips++;
    this.counts.docsRead += Array.isArray(result) ? result.length : 1;
    return result;
  }

  private wrote(n: number): void {
    this.counts.roundTrips++;
    this.counts.docsWritten += n;
  }

  async get(path: string) {
    return this.read(await this.inner.get(path));
  }
  async getAll(paths: readonly string[]) {
    return this.read(await this.timed('getAll', () => this.inner.getAll(paths)));
  }
  async query(collectionPath: string, spec?: QuerySpec) {
    return this.read(await this.inner.query(collectionPath, spec));
  }
  async queryGroup(collectionId: string, spec?: QuerySpec) {
    return this.read(await this.inner.queryGroup(collectionId, spec));
  }
  async create(path: string, data: DocData) {
    this.wrote(1);
    return this.inner.create(path, data);
  }
  async set(path: string, data: DocData, options?: { merge?: boolean }) {
    this.wrote(1);
    return this.inner.set(path, data, options);
  }
  async update(path: string, data: DocData) {
    this.wrote(1);
    return this.inner.update(path, data);
  }
  async delete(path: string) {
    this.wrote(1);
    return this.inner.delete(path);
  }
  async commit(ops: readonly WriteOp[]) {
    this.wrote(ops.length);
    this.counts.batches++;
    return this.timed('commit', () => this.inner.commit(ops));
  }
  async listIds(collectionPath: string) {
    this.counts.roundTrips++;
    return this.timed('listIds', () => this.inner.listIds(collectionPath));
  }
  async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    this.counts.transactions++;
    let writes = 0;
    const result = await this.timed('transaction', () =>
      this.inner.transaction((tx) => {
        writes = 0;
        const counted: Transaction = {
          get: async (path) => this.read(await tx.get(path)),
          getAll: async (paths) => this.read(await tx.getAll(paths)),
          query: async (c, spec) => this.read(await tx.query(c, spec)),
          create: (path, data) => (writes++, tx.create(path, data)),
          set: (path, data, options) => (writes++, tx.set(path, data, options)),
          update: (path, data) => (writes++, tx.update(path, data)),
          delete: (path) => (writes++, tx.delete(path)),
        };
        return fn(counted);
      }),
    );
    this.wrote(writes); // the commit
    return result;
  }
}

export class CountingPublisher implements Publisher {
  publishes = 0;
  constructor(private readonly inner: Publisher) {}
  async publish(topic: string, data: unknown, attributes?: Record<string, string>) {
    this.publishes++;
    return this.inner.publish(topic, data, attributes);
  }
}
