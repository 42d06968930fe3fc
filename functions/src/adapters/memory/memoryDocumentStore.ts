import { AlreadyExistsError, DocNotFoundError, invalidArgument } from '../../domain/errors.js';
import type {
  DocData,
  DocSnapshot,
  DocumentStore,
  QuerySpec,
  Transaction,
  WhereOp,
  WriteOp,
} from '../../ports.js';
import { isFieldOp } from '../../ports.js';

interface Stored {
  data: DocData;
  version: number;
}

const MAX_ATTEMPTS = 50;
const MAX_BATCH = 500;

/** A query as issued through the port: a collection path (or a collection group id) and its spec. */
export interface IssuedQuery {
  readonly collection: string;
  readonly group: boolean;
  readonly spec: QuerySpec;
}

let queryObserver: ((query: IssuedQuery) => void) | undefined;

/**
 * Sees every query when it is issued, synchronously (so its stack names the caller). The unit tier records them and
 * checks each against firestore.indexes.json (test/support/queryRecorder.ts). Undefined stops observing.
 */
export function observeQueries(observer: ((query: IssuedQuery) => void) | undefined): void {
  queryObserver = observer;
}

/** Contention makes a transaction retry, as on Firestore. */
class ContentionError extends Error {}

/**
 * An in-memory DocumentStore with Firestore's semantics: documents at slash paths, merge/update/field transforms,
 * queries with where/orderBy/limit/cursors, collection groups, atomic batches and optimistic transactions that retry
 * on contention. Reads yield to the event loop so concurrent callers really interleave, which is what makes the
 * concurrency tests (exact counters, SMS limits) meaningful against it.
 */
export class MemoryDocumentStore implements DocumentStore {
  private readonly docs = new Map<string, Stored>();
  private version = 0;

  async get(path: string): Promise<DocSnapshot> {
    await yieldToOthers();
    return this.read(docPath(path));
  }

  async getAll(paths: readonly string[]): Promise<DocSnapshot[]> {
    await yieldToOthers();
    return paths.map((path) => this.read(docPath(path)));
  }

  async query(collectionPath: string, spec: QuerySpec = {}): Promise<DocSnapshot[]> {
    queryObserver?.({ collection: collectionPath, group: false, spec });
    await yieldToOthers();
    const collection = collPath(collectionPath);
    return this.runQuery((path) => parentOf(path) === collection, spec);
  }

  async queryGroup(collectionId: string, spec: QuerySpec = {}): Promise<DocSnapshot[]> {
    queryObserver?.({ collection: collectionId, group: true, spec });
    await yieldToOthers();
    return this.runQuery((path) => parentOf(path).split('/').at(-1) === collectionId, spec);
  }

  async create(path: string, data: DocData): Promise<boolean> {
    await yieldToOthers();
    const p = docPath(path);
    if (this.docs.has(p)) return false;
    this.apply([{ kind: 'create', path: p, data }]);
    return true;
  }

  async set(path: string, data: DocData, options?: { merge?: boolean }): Promise<void> {
    await yieldToOthers();
    this.apply([{ kind: 'set', path: docPath(path), data, merge: options?.merge ?? false }]);
  }

  async update(path: string, data: DocData): Promise<void> {
    await yieldToOthers();
    this.apply([{ kind: 'update', path: docPath(path), data }]);
  }

  async delete(path: string): Promise<void> {
    await yieldToOthers();
    this.apply([{ kind: 'delete', path: docPath(path) }]);
  }

  async commit(ops: readonly WriteOp[]): Promise<void> {
    if (ops.length > MAX_BATCH) throw invalidArgument(`a batch holds at most ${MAX_BATCH} writes, got ${ops.length}`);
    await yieldToOthers();
    this.apply(ops.map((op) => ({ ...op, path: docPath(op.path) })));
  }

  async listIds(collectionPath: string): Promise<string[]> {
    await yieldToOthers();
    const prefix = `${collPath(collectionPath)}/`;
    const ids = new Set<string>();
    for (const path of this.docs.keys()) {
      if (path.startsWith(prefix)) ids.add(path.slice(prefix.length).split('/')[0]!);
    }
    return [...ids].sort();
  }

  async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const tx = new MemoryTransaction(this);
      const result = await fn(tx);
      try {
        this.commitTransaction(tx);
        return result;
      } catch (error) {
        if (!(error instanceof ContentionError) || attempt >= MAX_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * attempt));
      }
    }
  }

  /** Every document, for tests and the local run's output. */
  dump(): Record<string, DocData> {
    return Object.fromEntries([...this.docs].sort(([a], [b]) => a.localeCompare(b)).map(([p, s]) => [p, clone(s.data)]));
  }

  // ── internals shared with MemoryTransaction ──

  read(path: string): DocSnapshot {
    const stored = this.docs.get(path);
    return snapshot(path, stored ? clone(stored.data) : undefined);
  }

  versionOf(path: string): number {
    return this.docs.get(path)?.version ?? 0;
  }

  runQuery(inCollection: (path: string) => boolean, spec: QuerySpec): DocSnapshot[] {
    let rows = [...this.docs].filter(([path]) => inCollection(path));
    for (const [field, op, value] of spec.where ?? []) {
      rows = rows.filter(([, stored]) => matches(getField(stored.data, field), op, value));
    }
    const order = spec.orderBy ?? [];
    // Like Firestore, ordering by a field excludes documents that lack it.
    rows = rows.filter(([, stored]) => order.every(({ field }) => getField(stored.data, field) !== undefined));
    const keyOf = ([path, stored]: [string, Stored]) => [
      ...order.map(({ field }) => getField(stored.data, field)),
      path.split('/').at(-1),
    ];
    const directions = [...order.map(({ direction }) => (direction === 'desc' ? -1 : 1)), order.at(-1)?.direction === 'desc' ? -1 : 1];
    rows.sort((a, b) => compareKeys(keyOf(a), keyOf(b), directions));
    if (spec.startAfter) {
      const cursor = spec.startAfter;
      rows = rows.filter((row) => compareKeys(keyOf(row).slice(0, cursor.length), [...cursor], directions) > 0);
    }
    if (spec.limit !== undefined) rows = rows.slice(0, spec.limit);
    return rows.map(([path, stored]) => snapshot(path, clone(stored.data)));
  }

  commitTransaction(tx: MemoryTransaction): void {
    for (const [path, version] of tx.readVersions) {
      if (this.versionOf(path) !== version) throw new ContentionError(path);
    }
    for (const check of tx.queryChecks) {
      if (!check()) throw new ContentionError('query');
    }
    this.apply(tx.writes);
  }

  /** Applies writes atomically: validates all first, then mutates. */
  apply(ops: readonly WriteOp[]): void {
    const next = new Map<string, Stored | undefined>();
    const current = (path: string) => (next.has(path) ? next.get(path) : this.docs.get(path));
    for (const op of ops) {
      const existing = current(op.path);
      const version = ++this.version;
      switch (op.kind) {
        case 'create':
          if (existing) throw new AlreadyExistsError(op.path);
          next.set(op.path, { data: applyData({}, op.data, false), version });
          break;
        case 'set':
          next.set(op.path, { data: applyData(op.merge && existing ? existing.data : {}, op.data, !!op.merge), version });
          break;
        case 'update':
          if (!existing) throw new DocNotFoundError(op.path);
          next.set(op.path, { data: applyData(existing.data, op.data, true, true), version });
          break;
        case 'delete':
          next.set(op.path, undefined);
          break;
      }
    }
    for (const [path, stored] of next) {
      if (stored) this.docs.set(path, stored);
      else this.docs.delete(path);
    }
  }
}

class MemoryTransaction implements Transaction {
  readonly readVersions = new Map<string, number>();
  readonly queryChecks: Array<() => boolean> = [];
  readonly writes: WriteOp[] = [];

  constructor(private readonly store: MemoryDocumentStore) {}

  async get(path: string): Promise<DocSnapshot> {
    return (await this.getAll([path]))[0]!;
  }

  async getAll(paths: readonly string[]): Promise<DocSnapshot[]> {
    this.assertNoWritesYet();
    await yieldToOthers();
    return paths.map((raw) => {
      const path = docPath(raw);
      if (!this.readVersions.has(path)) this.readVersions.set(path, this.store.versionOf(path));
      return this.store.read(path);
    });
  }

  async query(collectionPath: string, spec: QuerySpec = {}): Promise<DocSnapshot[]> {
    queryObserver?.({ collection: collectionPath, group: false, spec });
    this.assertNoWritesYet();
    await yieldToOthers();
    const collection = collPath(collectionPath);
    const run = () => this.store.runQuery((path) => parentOf(path) === collection, spec);
    const result = run();
    const fingerprint = (rows: DocSnapshot[]) => rows.map((r) => `${r.path}@${this.store.versionOf(r.path)}`).join('|');
    const seen = fingerprint(result);
    this.queryChecks.push(() => fingerprint(run()) === seen);
    return result;
  }

  create(path: string, data: DocData): void {
    this.writes.push({ kind: 'create', path: docPath(path), data: clone(data) });
  }

  set(path: string, data: DocData, options?: { merge?: boolean }): void {
    this.writes.push({ kind: 'set', path: docPath(path), data: clone(data), merge: options?.merge ?? false });
  }

  update(path: string, data: DocData): void {
    this.writes.push({ kind: 'update', path: docPath(path), data: clone(data) });
  }

  delete(path: string): void {
    this.writes.push({ kind: 'delete', path: docPath(path) });
  }

  private assertNoWritesYet(): void {
    if (this.writes.length > 0) throw new Error('transactions must do all their reads before their writes');
  }
}

// ── helpers ──

function yieldToOthers(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function segments(path: string): string[] {
  const parts = path.split('/').filter(Boolean);
  if (parts.length === 0) throw invalidArgument(`empty path`);
  return parts;
}

function docPath(path: string): string {
  const parts = segments(path);
  if (parts.length % 2 !== 0) throw invalidArgument(`not a document path: ${path}`);
  return parts.join('/');
}

function collPath(path: string): string {
  const parts = segments(path);
  if (parts.length % 2 !== 1) throw invalidArgument(`not a collection path: ${path}`);
  return parts.join('/');
}

function parentOf(path: string): string {
  return path.split('/').slice(0, -1).join('/');
}

function snapshot(path: string, data: DocData | undefined): DocSnapshot {
  return { id: path.split('/').at(-1)!, path, exists: data !== undefined, data };
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

function isPlainObject(value: unknown): value is DocData {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) && !isFieldOp(value);
}

export function getField(data: DocData, field: string): unknown {
  let value: unknown = data;
  for (const key of field.split('.')) {
    if (!isPlainObject(value)) return undefined;
    value = value[key];
  }
  return value;
}

/**
 * Writes `patch` onto `base`. `merge` deep-merges maps (set with merge); `dotted` treats keys as field paths (update).
 * Field transforms are resolved against the current value.
 */
function applyData(base: DocData, patch: DocData, merge: boolean, dotted = false): DocData {
  const out = clone(base);
  for (const [key, value] of Object.entries(patch)) {
    const path = dotted ? key.split('.') : [key];
    assign(out, path, value, merge);
  }
  return out;
}

function assign(target: DocData, path: string[], value: unknown, merge: boolean): void {
  const [head, ...rest] = path as [string, ...string[]];
  if (rest.length > 0) {
    if (!isPlainObject(target[head])) target[head] = {};
    assign(target[head] as DocData, rest, value, merge);
    return;
  }
  if (isFieldOp(value)) {
    const current = target[head];
    switch (value.__fieldOp) {
      case 'delete':
        delete target[head];
        return;
      case 'increment':
        target[head] = (typeof current === 'number' ? current : 0) + value.by;
        return;
      case 'arrayUnion': {
        const list = Array.isArray(current) ? [...current] : [];
        for (const item of value.values) if (!list.some((x) => equal(x, item))) list.push(clone(item));
        target[head] = list;
        return;
      }
      case 'arrayRemove':
        target[head] = (Array.isArray(current) ? current : []).filter((x) => !value.values.some((v) => equal(x, v)));
        return;
    }
  }
  if (merge && isPlainObject(value)) {
    if (!isPlainObject(target[head])) target[head] = {};
    for (const [k, v] of Object.entries(value)) assign(target[head] as DocData, [k], v, true);
    return;
  }
  target[head] = resolveNestedOps(value);
}

/** Field transforms nested in a replaced map (set without merge) still apply, against nothing. */
function resolveNestedOps(value: unknown): unknown {
  if (isPlainObject(value)) {
    const out: DocData = {};
    for (const [k, v] of Object.entries(value)) assign(out, [k], v, false);
    return out;
  }
  return clone(value);
}

function typeRank(value: unknown): number {
  if (value === null) return 0;
  if (typeof value === 'boolean') return 1;
  if (typeof value === 'number') return 2;
  if (value instanceof Date) return 3;
  if (typeof value === 'string') return 4;
  if (Array.isArray(value)) return 5;
  return 6;
}

export function compareValues(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0;
}

function compareKeys(a: unknown[], b: unknown[], directions: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareValues(a[i], b[i]) * (directions[i] ?? 1);
    if (c !== 0) return c;
  }
  return 0;
}

function equal(a: unknown, b: unknown): boolean {
  return typeRank(a) === typeRank(b) && compareValues(a, b) === 0 && JSON.stringify(a) === JSON.stringify(b);
}

function matches(actual: unknown, op: WhereOp, expected: unknown): boolean {
  const list = (v: unknown) => (Array.isArray(v) ? v : []);
  switch (op) {
    case '==':
      return actual !== undefined && equal(actual, expected);
    case '!=':
      return actual !== undefined && actual !== null && !equal(actual, expected);
    case '<':
      return actual !== undefined && typeRank(actual) === typeRank(expected) && compareValues(actual, expected) < 0;
    case '<=':
      return actual !== undefined && typeRank(actual) === typeRank(expected) && compareValues(actual, expected) <= 0;
    case '>':
      return actual !== undefined && typeRank(actual) === typeRank(expected) && compareValues(actual, expected) > 0;
    case '>=':
      return actual !== undefined && typeRank(actual) === typeRank(expected) && compareValues(actual, expected) >= 0;
    case 'in':
      return actual !== undefined && list(expected).some((v) => equal(actual, v));
    case 'not-in':
      return actual !== undefined && actual !== null && !list(expected).some((v) => equal(actual, v));
    case 'array-contains':
      return list(actual).some((v) => equal(v, expected));
    case 'array-contains-any':
      return list(actual).some((v) => list(expected).some((e) => equal(v, e)));
  }
}
