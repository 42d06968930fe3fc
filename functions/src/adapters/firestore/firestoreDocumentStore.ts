import type {
  DocumentData,
  DocumentSnapshot,
  Firestore,
  Query,
  QuerySnapshot,
  Transaction as FsTransaction,
} from '@google-cloud/firestore';
import { FieldValue, Timestamp } from '@google-cloud/firestore';
import { AlreadyExistsError, AppError, DocNotFoundError, errorText, invalidArgument } from '../../domain/errors.js';
import type { DocData, DocSnapshot, DocumentStore, QuerySpec, Transaction, WriteOp } from '../../ports.js';
import { isFieldOp } from '../../ports.js';
import { checkQuery } from '../documentRules.js';

const GRPC_ALREADY_EXISTS = 6;
const GRPC_NOT_FOUND = 5;
const GRPC_INVALID_ARGUMENT = 3;
const GRPC_ABORTED = 10;

/**
 * DocumentStore over Cloud Firestore (or its emulator). Dates go in as Timestamps and come out as Dates, so the
 * security rules can compare `createdAt == request.time` and clients get native timestamps.
 */
export class FirestoreDocumentStore implements DocumentStore {
  /** `connect` runs on first use, so constructing the store opens nothing. */
  constructor(private readonly connect: () => Firestore) {}

  private get db(): Firestore {
    return this.connect();
  }

  async get(path: string): Promise<DocSnapshot> {
    const ref = refusing(() => this.db.doc(path));
    return toSnapshot(await ref.get());
  }

  async getAll(paths: readonly string[]): Promise<DocSnapshot[]> {
    if (paths.length === 0) return [];
    const refs = refusing(() => paths.map((p) => this.db.doc(p)));
    const snaps = await this.db.getAll(...refs);
    return snaps.map(toSnapshot);
  }

  async query(collectionPath: string, spec: QuerySpec = {}): Promise<DocSnapshot[]> {
    checkQuery(spec);
    return runQuery(
      refusing(() => buildQuery(this.db.collection(collectionPath), spec)),
      spec,
      (q) => q.get(),
    );
  }

  async queryGroup(collectionId: string, spec: QuerySpec = {}): Promise<DocSnapshot[]> {
    checkQuery(spec);
    return runQuery(
      refusing(() => buildQuery(this.db.collectionGroup(collectionId), spec)),
      spec,
      (q) => q.get(),
    );
  }

  async create(path: string, data: DocData): Promise<boolean> {
    try {
      await this.commit([{ kind: 'create', path, data }]);
      return true;
    } catch (error) {
      if (error instanceof AlreadyExistsError) return false;
      throw error;
    }
  }

  async set(path: string, data: DocData, options?: { merge?: boolean }): Promise<void> {
    await this.commit([{ kind: 'set', path, data, merge: options?.merge ?? false }]);
  }

  async update(path: string, data: DocData): Promise<void> {
    await this.commit([{ kind: 'update', path, data }]);
  }

  async delete(path: string): Promise<void> {
    await this.commit([{ kind: 'delete', path }]);
  }

  /** Single writes go through here too (DocumentReference.set and friends are one-write batches in the SDK as well). */
  async commit(ops: readonly WriteOp[]): Promise<void> {
    const batch = this.db.batch();
    refusing(() => {
      for (const op of ops) {
        const ref = this.db.doc(op.path);
        // Not copied (see toFirestore): the batch is encoded by the commit just below.
        if (op.kind === 'create') batch.create(ref, toFirestore(op.data, false) as DocumentData);
        else if (op.kind === 'set')
          batch.set(ref, toFirestore(op.data, false) as DocumentData, { merge: op.merge ?? false });
        else if (op.kind === 'update') batch.update(ref, toFirestore(op.data, false) as DocumentData);
        else batch.delete(ref);
      }
    });
    try {
      await batch.commit();
    } catch (error) {
      throw mapWriteError(error, ops);
    }
  }

  /**
   * Firestore's runTransaction, made to hold up under the contention the product really sees (a burst of messages
   * updating one conversation summary, concurrent SMS against one rate-limit counter).
   *
   * Why the SDK alone is not enough (measured on the emulator, issue 10): server SDK transactions are pessimistic.
   * Every read takes a shared lock and the commit needs an exclusive one, so N transactions that read the same
   * document and then commit deadlock; the emulator only breaks the deadlock when a lock request times out (2 s,
   * hard-coded: "ABORTED: Transaction lock timeout."), and usually only one of them commits per round. 25 concurrent
   * read-modify-writes took 61 ABORTED and up to 4 attempts each (13 s); 50 of them exhausted the SDK's default
   * 5 attempts (3 of 50 committed). Production Firestore resolves lock conflicts without the 2 s wait (the older
   * transaction wins) but still aborts the younger ones with ABORTED, which the SDK retries.
   *
   * So, two things:
   * - More attempts (MAX_ATTEMPTS) with the SDK's own exponential backoff and jitter (1 s × 1.5ⁿ ± 50 %), which also
   *   keeps passing the aborted transaction's id as `retryTransaction`.
   * - Retries of transactions inside this process queue for the documents their previous attempt read
   *   (`RetryGate`), so they commit one after another instead of deadlocking again. Cloud Functions v2 runs up to 80
   *   invocations per instance, so a burst on one conversation mostly contends inside one process. First attempts
   *   never wait on the gate: without contention nothing changes. The gate is a scheduling aid only; correctness
   *   still comes from Firestore's transaction.
   * Contention that outlasts every attempt surfaces as AppError 'unavailable' (the memory store does the same).
   */
  async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    let pending: readonly WriteOp[] = [];
    let previousReads: readonly string[] = [];
    let release: (() => void) | undefined;
    let attempts = 0;
    try {
      return await this.db.runTransaction(
        async (t) => {
          attempts++;
          if (attempts > 1) {
            release?.();
            release = undefined;
            if (previousReads.length > 0) release = await retryGate.acquire(previousReads);
          }
          const tx = new FirestoreTransaction(this.db, t);
          try {
            return await fn(tx);
          } finally {
            pending = tx.ops;
            previousReads = tx.reads;
          }
        },
        { maxAttempts: MAX_ATTEMPTS },
      );
    } catch (error) {
      throw mapWriteError(error, pending, attempts);
    } finally {
      release?.();
    }
  }

  async listIds(collectionPath: string): Promise<string[]> {
    const refs = await this.db.collection(collectionPath).listDocuments();
    return refs.map((ref) => ref.id).sort();
  }
}

/**
 * Attempts per transaction. The SDK's backoff refuses more than 10 retries ("Exceeded maximum number of retries
 * allowed.", an error without a code), so 11 is the ceiling; 10 attempts wait about 1+1.5+…+25.6 ≈ 75 s in backoff
 * at worst, past a 60 s trigger's timeout, and a retried trigger starts over anyway.
 */
const MAX_ATTEMPTS = 10;

/**
 * Per-process FIFO locks on document paths, taken by transaction retries for the paths their previous attempt read,
 * all at once in sorted order (so two retries never wait on each other in a cycle), held for the whole attempt.
 */
class RetryGate {
  private readonly tails = new Map<string, Promise<void>>();

  async acquire(keys: readonly string[]): Promise<() => void> {
    const releases: Array<() => void> = [];
    for (const key of [...new Set(keys)].sort()) releases.push(await this.lock(key));
    return () => {
      for (const release of releases) release();
    };
  }

  private async lock(key: string): Promise<() => void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => held);
    this.tails.set(key, tail);
    await previous;
    return () => {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }
}

const retryGate = new RetryGate();

class FirestoreTransaction implements Transaction {
  readonly ops: WriteOp[] = [];
  /** What this attempt read (documents by path, queries by collection), for the retry gate. */
  readonly reads: string[] = [];

  constructor(
    private readonly db: Firestore,
    private readonly t: FsTransaction,
  ) {}

  async get(path: string): Promise<DocSnapshot> {
    const ref = refusing(() => this.db.doc(path));
    this.reads.push(path);
    return toSnapshot(await abortedIfClosed(() => this.t.get(ref)));
  }

  async getAll(paths: readonly string[]): Promise<DocSnapshot[]> {
    if (paths.length === 0) return [];
    const refs = refusing(() => paths.map((p) => this.db.doc(p)));
    this.reads.push(...paths);
    const snaps = await abortedIfClosed(() => this.t.getAll(...refs));
    return snaps.map(toSnapshot);
  }

  async query(collectionPath: string, spec: QuerySpec = {}): Promise<DocSnapshot[]> {
    checkQuery(spec);
    const query = refusing(() => buildQuery(this.db.collection(collectionPath), spec));
    this.reads.push(`query:${collectionPath}`);
    return runQuery(query, spec, (q) => abortedIfClosed(() => this.t.get(q)));
  }

  // Writes are checked when they are made, as the SDK does (it throws from t.set()), so a refused write fails the
  // transaction with the same AppError the memory store raises.
  create(path: string, data: DocData): void {
    refusing(() => this.t.create(this.db.doc(path), toFirestore(data) as DocumentData));
    this.ops.push({ kind: 'create', path, data });
  }

  set(path: string, data: DocData, options?: { merge?: boolean }): void {
    refusing(() =>
      this.t.set(this.db.doc(path), toFirestore(data) as DocumentData, { merge: options?.merge ?? false }),
    );
    this.ops.push({ kind: 'set', path, data });
  }

  update(path: string, data: DocData): void {
    refusing(() => this.t.update(this.db.doc(path), toFirestore(data) as DocumentData));
    this.ops.push({ kind: 'update', path, data });
  }

  delete(path: string): void {
    refusing(() => this.t.delete(this.db.doc(path)));
    this.ops.push({ kind: 'delete', path });
  }
}

/**
 * A read inside a transaction attempt that the server answers with INVALID_ARGUMENT "Transaction is invalid or
 * closed." is an attempt the server already ended, not a bad request: rethrown as ABORTED, so the SDK's
 * runTransaction retries the whole function (new transaction, its backoff, the same MAX_ATTEMPTS budget) and the
 * retry gate queues the retry.
 *
 * Measured on the emulator (issue 14, test/emulator/messaging/unreadCounters.emulator.test.ts): under its
 * pessimistic locks a transaction that read the conversation and then ran a query (onMessageCreated's members read)
 * waited 12–14 s on that query, and the emulator then answered it with `3 INVALID_ARGUMENT: Transaction is invalid or
 * closed.` (16 attempts, all on that read), while the lock timeouts of the same run came as `10 ABORTED: Transaction
 * lock timeout.` on commits (150). The SDK retries INVALID_ARGUMENT only for "transaction has expired", so those 16
 * failed the trigger outright. Retried, the run commits everything (120 closed reads and 113 lock timeouts retried).
 *
 * Safe because it is a read: the SDK commits only after the function returns, so an attempt that failed on a read
 * wrote nothing, and re-running the function from its reads is what every Firestore transaction retry does. The same
 * answer to a commit is left as it is: a commit that gax re-sent after UNAVAILABLE could have landed the first time,
 * and then running the function again would not be a retry of something that never happened.
 */
export function abortedIfClosed<T>(read: () => Promise<T>): Promise<T> {
  return read().catch((error: unknown) => {
    throw isClosedTransaction(error) ? closedAsAborted(error) : error;
  });
}

/** The server's answer to a request on a transaction it has already ended (rolled back, aborted or expired). */
export function isClosedTransaction(error: unknown): boolean {
  if (grpcCode(error) !== GRPC_INVALID_ARGUMENT) return false;
  const details = (error as { details?: unknown }).details;
  const text = typeof details === 'string' ? details : errorText(error);
  return /transaction is invalid or closed/i.test(text);
}

function closedAsAborted(error: unknown): Error {
  return Object.assign(new Error(`10 ABORTED: the transaction was closed by the server (${errorText(error)})`), {
    code: GRPC_ABORTED,
    details: 'transaction closed by the server',
  });
}

/**
 * Runs SDK code that validates its arguments (paths, field values, transforms, cursors) and throws a plain Error when
 * Firestore would refuse them; that refusal becomes the port's AppError 'invalid-argument', as in the memory store.
 */
function refusing<T>(build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw invalidArgument(`Firestore refuses this: ${errorText(error)}`);
  }
}

/** `limit: 0` reads nothing (the SDK would drop a zero limit and read everything); the server's refusals map too. */
async function runQuery(
  query: Query,
  spec: QuerySpec,
  get: (q: Query) => Promise<QuerySnapshot>,
): Promise<DocSnapshot[]> {
  if (spec.limit === 0) return [];
  try {
    return (await get(query)).docs.map(toSnapshot);
  } catch (error) {
    throw mapReadError(error);
  }
}

function buildQuery(base: Query, spec: QuerySpec): Query {
  let q = base;
  for (const [field, op, value] of spec.where ?? []) q = q.where(field, op, toFirestore(value));
  for (const { field, direction } of spec.orderBy ?? []) q = q.orderBy(field, direction ?? 'asc');
  if (spec.startAfter) q = q.startAfter(...spec.startAfter.map((v) => toFirestore(v)));
  if (spec.limit !== undefined) q = q.limit(spec.limit);
  return q;
}

function toSnapshot(snap: DocumentSnapshot): DocSnapshot {
  const data = snap.data();
  return {
    id: snap.id,
    path: snap.ref.path,
    exists: snap.exists,
    data: data === undefined ? undefined : (fromFirestore(data) as DocData),
  };
}

/**
 * Port values → Firestore values: field ops become FieldValue sentinels and undefined fields are dropped, recursively.
 *
 * `copy: false` (batch commits) returns a value with neither as it is, not copied, and leaves Dates to the SDK (which
 * writes a Date exactly as Timestamp.fromDate(date)): a fan-out chunk commits thousands of documents, and copying
 * every one (Object.entries, filter, map, fromEntries at each level) cost ~0.5 s of CPU per 2,000 recipients plus its
 * garbage (issue 14, profiled on bench/fanoutEmulator.ts). Safe there because the SDK encodes a batch when it is
 * committed, which commit() does at once while its caller awaits it. Transactions copy (the default): their writes are
 * encoded only when the function returns, and a write is the value it had when it was made, as in the memory store.
 */
export function toFirestore(value: unknown, copy = true): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Date) return copy ? Timestamp.fromDate(value) : value;
  if (isFieldOp(value)) {
    switch (value.__fieldOp) {
      case 'increment':
        return FieldValue.increment(value.by);
      case 'delete':
        return FieldValue.delete();
      case 'arrayUnion':
        return FieldValue.arrayUnion(...value.values.map((v) => toFirestore(v, copy)));
      case 'arrayRemove':
        return FieldValue.arrayRemove(...value.values.map((v) => toFirestore(v, copy)));
    }
  }
  if (Array.isArray(value)) {
    let out: unknown[] | undefined = copy ? [] : undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const converted = toFirestore(item, copy);
      if (out === undefined && converted !== item) out = value.slice(0, i);
      out?.push(converted);
    }
    return out ?? value;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const record = value as Record<string, unknown>;
  let out: Record<string, unknown> | undefined = copy ? {} : undefined;
  for (const key of Object.keys(record)) {
    const field = record[key];
    const converted = field === undefined ? undefined : toFirestore(field, copy);
    if (out === undefined && (field === undefined || converted !== field)) {
      // The first field that changes: copy the fields before it (unchanged), then go on converting into the copy.
      out = {};
      for (const before of Object.keys(record)) {
        if (before === key) break;
        out[before] = record[before];
      }
    }
    if (out !== undefined && converted !== undefined) out[key] = converted;
  }
  return out ?? value;
}

/** Firestore values → port values: Timestamps become Dates, recursively. */
export function fromFirestore(value: unknown): unknown {
  if (value instanceof Timestamp) return value.toDate();
  if (Array.isArray(value)) return value.map(fromFirestore);
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromFirestore(v)]));
  }
  return value;
}

function grpcCode(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'number'
    ? error.code
    : undefined;
}

function mapReadError(error: unknown): unknown {
  return grpcCode(error) === GRPC_INVALID_ARGUMENT
    ? invalidArgument(`Firestore refuses this: ${errorText(error)}`)
    : error;
}

function mapWriteError(error: unknown, ops: readonly WriteOp[], attempts?: number): unknown {
  const code = grpcCode(error);
  if (code === GRPC_INVALID_ARGUMENT) return mapReadError(error);
  if (code === GRPC_ABORTED && attempts !== undefined) {
    return new AppError(
      'unavailable',
      `transaction gave up after ${attempts} attempts under contention: ${errorText(error)}`,
    );
  }
  if (code === GRPC_ALREADY_EXISTS)
    return new AlreadyExistsError(ops.find((op) => op.kind === 'create')?.path ?? 'unknown');
  if (code === GRPC_NOT_FOUND) return new DocNotFoundError(ops.find((op) => op.kind === 'update')?.path ?? 'unknown');
  return error;
}
