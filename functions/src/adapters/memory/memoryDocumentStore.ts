import { AlreadyExistsError, AppError, DocNotFoundError, invalidArgument } from '../../domain/errors.js';
import type { DocData, DocSnapshot, DocumentStore, QuerySpec, Transaction, WhereOp, WriteOp } from '../../ports.js';
import { isFieldOp } from '../../ports.js';
import { checkQuery } from '../documentRules.js';

/**
 * A document's slot, in the path map and in its collection's list at once: a write replaces `data` and `version`, so a
 * query walks its collection's slots without looking each path up. Stored data is never mutated once stored (a write
 * builds a new version), so versions share subtrees. A deleted document's slot keeps `data` undefined until its
 * collection is next compacted.
 */
interface Slot {
  readonly path: string;
  data: DocData | undefined;
  /**
   * While `apply` runs, a slot the batch writes holds -(its index in the batch's list of outcomes + 1) here, so a path
   * written twice in one batch finds its outcome without a map of its own. No id field: `idOf(path)` where needed
   * (a fan-out writes 80,000 documents and queries none of them).
   */
  version: number;
}

/**
 * A collection's slots. They are appended as documents are created and put in id order (and compacted) only when a
 * query needs the order, so creating 20,000 documents with scattered ids costs one sort, not 20,000 array inserts.
 */
interface Collection {
  slots: Slot[];
  sorted: boolean;
  live: number;
  dead: number;
}

/** Whether a collection is held as its only document's slot (see MemoryDocumentStore.file). */
function isSlot(collection: Collection | Slot): collection is Slot {
  return (collection as Partial<Collection>).slots === undefined;
}

/** A document a query matched, with the values it is ordered by. */
interface Row {
  readonly path: string;
  readonly id: string;
  readonly data: DocData;
  readonly version: number;
  readonly keys: unknown[];
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
 * on contention. It refuses what Firestore refuses (checkedData for writes, documentRules.checkQuery for queries) with
 * the AppError('invalid-argument') the Firestore adapter raises, and orders and compares values as Firestore does;
 * each rule is a contract case that ran on the emulator first.
 *
 * It is meant to cost little, since the unit tier, `npm start` and the fan-out benchmark run on it (issue 14):
 * - documents are indexed by parent collection (slots put in id order when a query needs it) and collection id (for
 *   groups), so a query looks only at its collection, filters, applies the cursor, and keeps the first `limit` rows
 *   without sorting the rest; without an order it walks the ids in order and stops at `limit`;
 * - one copy per operation: written data is copied once as it is checked (checkedData), read data once on the way out;
 *   a write builds the new version by copying only the maps it changes, since stored data is never mutated;
 * - transaction reads yield to the event loop (a macrotask), so concurrent transactions really interleave between a
 *   read and their commit and contend as on Firestore: that is what makes the concurrency tests (exact counters, SMS
 *   limits) meaningful. Other operations are atomic at the moment they are called and need no yield; they still
 *   resolve asynchronously, like any promise.
 */
export class MemoryDocumentStore implements DocumentStore {
  private readonly docs = new Map<string, Slot>();
  /** Each collection's documents, by collection path. */
  private readonly collections = new Map<string, Collection | Slot>();
  /** The paths of the collections with each collection id, for collection-group queries. */
  private readonly groups = new Map<string, Set<string>>();
  /**
   * Collections created since `groups` was last brought up to date: filed there by the next collection-group query,
   * not one by one (a fan-out creates a few collections per recipient and never queries them as a group).
   */
  private unfiled: string[] = [];
  private version = 0;

  async get(path: string): Promise<DocSnapshot> {
    return this.read(docPath(path));
  }

  async getAll(paths: readonly string[]): Promise<DocSnapshot[]> {
    return paths.map((path) => this.read(docPath(path)));
  }

  async query(collectionPath: string, spec: QuerySpec = {}): Promise<DocSnapshot[]> {
    queryObserver?.({ collection: collectionPath, group: false, spec });
    return this.runQuery(collPath(collectionPath), false, spec).map(rowSnapshot);
  }

  async queryGroup(collectionId: string, spec: QuerySpec = {}): Promise<DocSnapshot[]> {
    queryObserver?.({ collection: collectionId, group: true, spec });
    return this.runQuery(collectionId, true, spec).map(rowSnapshot);
  }

  async create(path: string, data: DocData): Promise<boolean> {
    const p = docPath(path);
    if (this.docs.has(p)) return false;
    this.apply([{ kind: 'create', path: p, data }]);
    return true;
  }

  async set(path: string, data: DocData, options?: { merge?: boolean }): Promise<void> {
    this.apply([{ kind: 'set', path: docPath(path), data, merge: options?.merge ?? false }]);
  }

  async update(path: string, data: DocData): Promise<void> {
    this.apply([{ kind: 'update', path: docPath(path), data }]);
  }

  async delete(path: string): Promise<void> {
    this.apply([{ kind: 'delete', path: docPath(path) }]);
  }

  async commit(ops: readonly WriteOp[]): Promise<void> {
    if (ops.length > MAX_BATCH) throw invalidArgument(`a batch holds at most ${MAX_BATCH} writes, got ${ops.length}`);
    this.apply(
      ops.map((op) => {
        const path = docPath(op.path);
        // Paths built by code are clean already: the op as given (apply neither keeps nor changes it).
        return path === op.path ? op : { ...op, path };
      }),
    );
  }

  async listIds(collectionPath: string): Promise<string[]> {
    const collection = collPath(collectionPath);
    const ids = new Set(this.slotsOf(collection).map((slot) => idOf(slot.path)));
    // Documents that exist only as parents of subcollections: ids in the paths of the collections below.
    const prefix = `${collection}/`;
    for (const path of this.collections.keys()) {
      if (path.startsWith(prefix)) ids.add(path.slice(prefix.length, path.indexOf('/', prefix.length)));
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
        if (!(error instanceof ContentionError)) throw error;
        // As the Firestore adapter reports contention that outlasts its attempts.
        if (attempt >= MAX_ATTEMPTS)
          throw new AppError(
            'unavailable',
            `transaction gave up after ${attempt} attempts under contention on ${error.message}`,
          );
        await new Promise((resolve) => setTimeout(resolve, Math.random() * attempt));
      }
    }
  }

  /** Every document, for tests and the local run's output. */
  dump(): Record<string, DocData> {
    return Object.fromEntries(
      [...this.docs].sort(([a], [b]) => a.localeCompare(b)).map(([p, s]) => [p, copyData(s.data!)]),
    );
  }

  // ── internals shared with MemoryTransaction ──

  read(path: string): DocSnapshot {
    const data = this.docs.get(path)?.data;
    return snapshot(path, data ? copyData(data) : undefined);
  }

  /** A live document's slot (the path map holds no other). */
  slotAt(path: string): Slot | undefined {
    return this.docs.get(path);
  }

  versionOf(path: string): number {
    // The path map holds live documents only.
    return this.docs.get(path)?.version ?? 0;
  }

  /**
   * The documents a query returns, in order, uncopied. `scope` is a collection path, or a collection id when `group`.
   * Filters and the cursor run over the candidates; only what passes is ordered, and only the first `limit` kept.
   */
  runQuery(scope: string, group: boolean, spec: QuerySpec): Row[] {
    checkQuery(spec);
    const where = spec.where ?? [];
    const order = withImplicitOrder(spec);
    const directions = order.map(({ direction }) => (direction === 'desc' ? -1 : 1));
    const limit = spec.limit ?? Number.POSITIVE_INFINITY;
    const cursor = spec.startAfter;
    const rows: Row[] = [];
    const consider = ({ path, data, version }: Slot): void => {
      if (!data) return;
      for (const [field, op, value] of where) if (!matches(getField(data, field), op, value)) return;
      const id = idOf(path);
      // `__name__` is the document itself (Firestore's FieldPath.documentId()): its id, or its path in a group.
      const keys = order.map(({ field }) => (field === DOCUMENT_ID ? (group ? path : id) : getField(data, field)));
      // Like Firestore, ordering by a field excludes documents that lack it.
      if (keys.includes(undefined)) return;
      if (cursor && compareKeys(keys, cursor as unknown[], directions) <= 0) return;
      rows.push({ path, id, data, version, keys });
    };
    if (limit === 0) return rows;

    if (!group) {
      const slots = this.slotsOf(scope);
      // Without an order, results go by document id, the order of the slots: stop at the limit.
      if (order.length === 0) {
        for (let i = 0; i < slots.length && rows.length < limit; i++) consider(slots[i]!);
        return rows;
      }
      for (const slot of slots) consider(slot);
    } else {
      for (const collection of this.groupCollections(scope))
        for (const slot of this.slotsOf(collection)) consider(slot);
    }
    // Ties go by document path, segment by segment (Firestore's __name__ order), in the last order's direction.
    const tieDirection = order.at(-1)?.direction === 'desc' ? -1 : 1;
    const tie = group
      ? (a: Row, b: Row) => comparePaths(a.path, b.path)
      : (a: Row, b: Row) => compareStrings(a.id, b.id);
    return firstInOrder(rows, (a, b) => compareKeys(a.keys, b.keys, directions) || tieDirection * tie(a, b), limit);
  }

  commitTransaction(tx: MemoryTransaction): void {
    for (const [path, version] of tx.readVersions) {
      if (this.versionOf(path) !== version) throw new ContentionError(path);
    }
    for (const check of tx.queryChecks) {
      if (!check()) throw new ContentionError('query');
    }
    this.apply(tx.writes, true);
  }

  /**
   * Applies writes atomically: validates all first, then mutates. `checked` says the data went through checkedData
   * already (transaction writes are checked, and so copied, when they are made).
   */
  apply(ops: readonly WriteOp[], checked = false): void {
    // Each written path's slot, with its outcome on the slot itself (one lookup in the document map per path, and no
    // map of its own per batch). A path without a document gets its slot now, in the map but without data (so reads
    // still find nothing): kept if the batch commits, taken out again if it is refused.
    const touched: Slot[] = [];
    const outcomes: Pending[] = [];
    try {
      for (const op of ops) {
        let slot = this.docs.get(op.path);
        if (!slot) {
          slot = { path: op.path, data: undefined, version: 0 };
          this.docs.set(op.path, slot);
        }
        let pending: Pending;
        if (slot.version < 0) pending = outcomes[-slot.version - 1]!;
        else {
          pending = { data: slot.data, version: 0, before: slot.version };
          outcomes.push(pending);
          touched.push(slot);
          slot.version = -outcomes.length;
        }
        const existing = pending.data;
        pending.version = ++this.version;
        switch (op.kind) {
          case 'create':
            if (existing) throw new AlreadyExistsError(op.path);
            pending.data = applyData(NO_DATA, opData(op, 'create', checked), false, false, opPlain);
            break;
          case 'set': {
            const data = opData(op, op.merge ? 'merge' : 'set', checked);
            const merge = op.merge === true;
            pending.data = applyData(merge && existing ? existing : NO_DATA, data, merge, false, opPlain);
            break;
          }
          case 'update': {
            const data = opData(op, 'update', checked);
            if (!existing) throw new DocNotFoundError(op.path);
            // Firestore's update replaces the value at each field path whole; only set with merge merges maps.
            pending.data = applyData(existing, data, false, true);
            break;
          }
          case 'delete':
            pending.data = undefined;
            break;
        }
      }
    } catch (error) {
      // Refused: nothing is written, and the slots made for new paths leave the map again.
      touched.forEach((slot, i) => {
        slot.version = outcomes[i]!.before;
        if (!slot.data) this.docs.delete(slot.path);
      });
      throw error;
    }
    touched.forEach((slot, i) => {
      const { data, version } = outcomes[i]!;
      slot.version = version;
      if (slot.data && data) slot.data = data;
      else if (data) {
        slot.data = data;
        this.file(slot);
      } else if (slot.data) this.remove(slot);
      // Created and deleted in the same batch: never there.
      else this.docs.delete(slot.path);
    });
  }

  /** The live slots of a collection in id order: sorted and compacted here, when a query first needs them so. */
  private slotsOf(collectionPath: string): readonly Slot[] {
    const collection = this.collections.get(collectionPath);
    if (!collection) return [];
    // A collection of one document is that document's slot, always live (see file and remove).
    if (isSlot(collection)) return [collection];
    if (collection.dead > 0) {
      collection.slots = collection.slots.filter((slot) => slot.data !== undefined);
      collection.dead = 0;
    }
    if (!collection.sorted) {
      // By path: a collection's paths share everything up to the id, so they compare as their ids do.
      collection.slots.sort((a, b) => compareStrings(a.path, b.path));
      collection.sorted = true;
    }
    return collection.slots;
  }

  /** Files a new document's slot (in the document map already) in its collection. */
  private file(slot: Slot): void {
    const collectionPath = slot.path.slice(0, slot.path.lastIndexOf('/'));
    const collection = this.collections.get(collectionPath);
    if (!collection) {
      // Most collections hold a document or two (a user's burst groups, notifications): the first document's slot
      // stands for the collection, with no Collection and no array until a second one comes.
      this.collections.set(collectionPath, slot);
      this.unfiled.push(collectionPath);
      return;
    }
    if (isSlot(collection)) {
      const sorted = compareStrings(collection.path, slot.path) < 0;
      this.collections.set(collectionPath, { slots: [collection, slot], sorted, live: 2, dead: 0 });
      return;
    }
    const slots = collection.slots;
    const last = slots[slots.length - 1];
    if (last && compareStrings(last.path, slot.path) >= 0) collection.sorted = false;
    // Small lists grow by one (copied), large ones by push's spare capacity.
    if (slots.length < 8) collection.slots = [...slots, slot];
    else slots.push(slot);
    collection.live++;
  }

  private remove(slot: Slot): void {
    slot.data = undefined;
    this.docs.delete(slot.path);
    const collectionPath = slot.path.slice(0, slot.path.lastIndexOf('/'));
    const collection = this.collections.get(collectionPath)!;
    if (!isSlot(collection)) {
      collection.live--;
      collection.dead++;
    }
    if (!isSlot(collection) && collection.live > 0) {
      // Bound the dead slots of a collection that is written but never queried.
      if (collection.dead > 64 && collection.dead > collection.live) {
        collection.slots = collection.slots.filter((s) => s.data !== undefined);
        collection.dead = 0;
      }
      return;
    }
    this.collections.delete(collectionPath);
    const collectionId = collectionPath.slice(collectionPath.lastIndexOf('/') + 1);
    const group = this.groups.get(collectionId);
    // Not filed there yet if it is still in `unfiled`, which groupCollections checks against `collections`.
    group?.delete(collectionPath);
    if (group?.size === 0) this.groups.delete(collectionId);
  }

  /** The paths of the collections with this collection id (any of them may be empty of live documents). */
  private groupCollections(collectionId: string): Iterable<string> {
    if (this.unfiled.length > 0) {
      for (const path of this.unfiled) {
        // Removed again since it was created: not filed.
        if (!this.collections.has(path)) continue;
        const id = path.slice(path.lastIndexOf('/') + 1);
        const group = this.groups.get(id);
        if (group) group.add(path);
        else this.groups.set(id, new Set([path]));
      }
      this.unfiled = [];
    }
    return this.groups.get(collectionId) ?? [];
  }
}

/** What a batch leaves at a path it writes (while `apply` runs), the version it gets, and the one it had. */
interface Pending {
  data: DocData | undefined;
  version: number;
  readonly before: number;
}

/** A transaction's write, checked when it was made: `plain` when its data holds no field transform. */
type CheckedOp = WriteOp & { plain?: boolean };

/**
 * An op's data as the store keeps it: checked (and so copied) now, or already when a transaction made it (`checked`).
 * Sets `opPlain`: whether that data holds no field transform. A module function, not a closure made per batch.
 */
function opData(op: Exclude<WriteOp, { kind: 'delete' }>, mode: WriteMode, checked: boolean): DocData {
  if (checked) {
    opPlain = (op as CheckedOp).plain === true;
    return op.data;
  }
  const data = checkedData(op.data, mode);
  opPlain = !fieldOpsSeen;
  return data;
}
/** Read right after opData (synchronous, so no other write interleaves). */
let opPlain = false;

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
    // Here interleaving matters: another writer may commit between this read and the commit, which must then retry.
    await yieldToOthers();
    return paths.map((raw) => {
      const path = docPath(raw);
      // One lookup for the version and the data, both as they are now.
      const slot = this.store.slotAt(path);
      if (!this.readVersions.has(path)) this.readVersions.set(path, slot?.version ?? 0);
      return snapshot(path, slot?.data ? copyData(slot.data) : undefined);
    });
  }

  async query(collectionPath: string, spec: QuerySpec = {}): Promise<DocSnapshot[]> {
    queryObserver?.({ collection: collectionPath, group: false, spec });
    this.assertNoWritesYet();
    await yieldToOthers();
    const collection = collPath(collectionPath);
    const run = () => this.store.runQuery(collection, false, spec);
    // The commit re-runs the query: the same documents at the same versions, or contention.
    const fingerprint = (rows: readonly Row[]) => rows.map((r) => `${r.path}@${r.version}`).join('|');
    const rows = run();
    const seen = fingerprint(rows);
    this.queryChecks.push(() => fingerprint(run()) === seen);
    return rows.map(rowSnapshot);
  }

  // Writes are checked when they are made (checkedData also copies them), as the Firestore SDK throws from t.set().
  create(path: string, data: DocData): void {
    const checked = checkedData(data, 'create');
    this.writes.push({ kind: 'create', path: docPath(path), data: checked, plain: !fieldOpsSeen } as CheckedOp);
  }

  set(path: string, data: DocData, options?: { merge?: boolean }): void {
    const merge = options?.merge ?? false;
    const checked = checkedData(data, merge ? 'merge' : 'set');
    this.writes.push({ kind: 'set', path: docPath(path), data: checked, merge, plain: !fieldOpsSeen } as CheckedOp);
  }

  update(path: string, data: DocData): void {
    this.writes.push({ kind: 'update', path: docPath(path), data: checkedData(data, 'update') });
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

/**
 * The path without empty segments. A path already in that form comes back as the same string, which keeps the hash
 * V8 caches on it for the map lookups that follow (a fresh string is hashed again on every lookup).
 */
function normalPath(raw: string, documents: boolean): string {
  let path = raw;
  let slashes = 0;
  let clean = path.length > 0 && path.charCodeAt(0) !== 47 && path.charCodeAt(path.length - 1) !== 47;
  for (let i = path.indexOf('/'); i !== -1 && clean; i = path.indexOf('/', i + 1)) {
    slashes++;
    if (path.charCodeAt(i + 1) === 47) clean = false;
  }
  if (!clean) {
    const parts = segments(path);
    slashes = parts.length - 1;
    path = parts.join('/');
  }
  // A document path has an even number of segments, so an odd number of slashes.
  if (documents !== (slashes % 2 === 1))
    throw invalidArgument(`not a ${documents ? 'document' : 'collection'} path: ${raw}`);
  return path;
}

function docPath(path: string): string {
  return normalPath(path, true);
}

function collPath(path: string): string {
  return normalPath(path, false);
}

function snapshot(path: string, data: DocData | undefined): DocSnapshot {
  return { id: idOf(path), path, exists: data !== undefined, data };
}

/** A document's id: the last segment of its path. */
function idOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function rowSnapshot(row: Row): DocSnapshot {
  return { id: row.id, path: row.path, exists: true, data: copyData(row.data) };
}

/**
 * The first `limit` rows in order. A short page of many rows keeps a sorted buffer of `limit` and passes over the rest
 * with one comparison each (a page of 500 out of 10,000 sorts 500, not 10,000); otherwise it sorts them all.
 */
function firstInOrder<T>(rows: T[], compare: (a: T, b: T) => number, limit: number): T[] {
  if (limit * 4 >= rows.length) return rows.sort(compare).slice(0, limit);
  const top: T[] = [];
  for (const row of rows) {
    if (top.length === limit) {
      if (compare(row, top[limit - 1]!) >= 0) continue;
      top.pop();
    }
    let lo = 0;
    let hi = top.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(top[mid]!, row) < 0) lo = mid + 1;
      else hi = mid;
    }
    top.splice(lo, 0, row);
  }
  return top;
}

/** Document paths in Firestore's order: segment by segment, a parent before what lies below it. */
function comparePaths(a: string, b: string): number {
  return compareLists(a.split('/'), b.split('/'), (x, y) => compareStrings(x as string, y as string));
}

/**
 * A deep copy of stored data for a caller to own. Stored data holds only what checkedData lets through: plain maps,
 * arrays, Dates, bytes and primitives; a copy of exactly those is several times cheaper than structuredClone.
 */
function copyData(data: DocData): DocData {
  return copyValue(data) as DocData;
}

function copyValue(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(copyValue);
  if (value instanceof Date) return new Date(value.getTime());
  if (value instanceof Uint8Array) return new Uint8Array(value);
  const out: DocData = {};
  // for…in, not Object.keys: no key array per map. Stored maps are the store's own plain objects (no inherited keys).
  for (const key in value) out[key] = copyValue((value as DocData)[key]);
  return out;
}

function isPlainObject(value: unknown): value is DocData {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Date) &&
    !isFieldOp(value)
  );
}

/** A shallow copy of a stored map, to write into: what it holds is shared with the stored version, never mutated. */
function ownMap(value: unknown): DocData {
  return isPlainObject(value) ? Object.assign({}, value) : {};
}

/** The field name that orders by document id (a collection's cursor value is then the id, a group's the path). */
const DOCUMENT_ID = '__name__';

export function getField(data: DocData, field: string): unknown {
  if (!field.includes('.')) return data[field];
  let value: unknown = data;
  for (const key of field.split('.')) {
    if (!isPlainObject(value)) return undefined;
    value = value[key];
  }
  return value;
}

/**
 * The new version of a document: `patch` (already through checkedData, so owned by the store) written onto `base`
 * (stored, never mutated: only the maps on the way to a written field are copied). `merge` deep-merges maps (set with
 * merge); `dotted` treats keys as field paths (update), each replacing the value it addresses. Field transforms are
 * resolved against the current value.
 */
function applyData(base: DocData, patch: DocData, merge: boolean, dotted = false, plain = false): DocData {
  // Written onto nothing, without transforms (a create, a set, a set with merge of a new document): checkedData's copy
  // is the version as it is, no second copy (most of a fan-out's writes). Merging maps into nothing, or writing them
  // whole, gives the same maps.
  if (plain && !dotted && base === NO_DATA) return patch;
  const out = ownMap(base);
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (dotted && key.includes('.')) assignPath(out, key.split('.'), 0, value, merge);
    else assign(out, key, value, merge);
  }
  return out;
}

/** The base of a write to a document that does not exist. */
const NO_DATA: DocData = Object.freeze({}) as DocData;

/** Writes at `path` (from `i` on) into `target`, a map this write owns; maps on the way are copied with ownMap. */
function assignPath(target: DocData, path: readonly string[], i: number, value: unknown, merge: boolean): void {
  const head = path[i]!;
  if (i < path.length - 1) {
    const child = ownMap(target[head]);
    target[head] = child;
    assignPath(child, path, i + 1, value, merge);
    return;
  }
  assign(target, head, value, merge);
}

/** Writes one key of `target`, a map this write owns; maps below it are still shared until copied with ownMap. */
function assign(target: DocData, head: string, value: unknown, merge: boolean): void {
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
        for (const item of value.values) if (!list.some((x) => equal(x, item))) list.push(item);
        target[head] = list;
        return;
      }
      case 'arrayRemove':
        target[head] = (Array.isArray(current) ? current : []).filter((x) => !value.values.some((v) => equal(x, v)));
        return;
    }
  }
  // With merge, a map merges into the stored one, except an empty map, which Firestore writes as the value itself.
  if (merge && isPlainObject(value)) {
    const keys = Object.keys(value);
    if (keys.length > 0) {
      const child = ownMap(target[head]);
      target[head] = child;
      for (const k of keys) assign(child, k, value[k], true);
      return;
    }
  }
  target[head] = resolveNestedOps(value);
}

/**
 * Field transforms nested in a written map (set without merge, or a map value of an update) still apply, to the new
 * map, where their field is absent: Firestore turns `update({m: {a: 1, x: increment(1)}})` into `m: {a: 1, x: 1}`.
 * Other values are the write's own copies already.
 */
function resolveNestedOps(value: unknown): unknown {
  if (isPlainObject(value)) {
    const out: DocData = {};
    for (const k of Object.keys(value)) assign(out, k, value[k], false);
    return out;
  }
  return value;
}

// ── what Firestore refuses in a write (the SDK's checks and the server's), as AppError('invalid-argument') ──

type WriteMode = 'create' | 'set' | 'merge' | 'update';

function refuse(message: string): never {
  throw invalidArgument(`Firestore refuses this write: ${message}`);
}

/** A map value as Firestore takes it: a plain object, not a class instance (the SDK refuses those). */
function isMapValue(value: unknown): value is DocData {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || isFieldOp(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Checks a write's data as Firestore does and returns a copy without undefined properties (the Firestore adapter drops
 * them too). Refused: undefined inside arrays, arrays directly inside arrays, transforms inside arrays, an empty
 * arrayUnion/arrayRemove, delete() anywhere but an update's own field or a set with merge, an update with no field or
 * with one field path inside another, values that are not Firestore types (class instances, functions, …).
 */
function checkedData(data: DocData, mode: WriteMode): DocData {
  if (!isMapValue(data)) refuse('document data must be a plain object');
  fieldOpsSeen = false;
  fieldStack.length = 0;
  const out: DocData = {};
  // for…in over own keys (isMapValue admits only plain objects): no key array per map, for every write.
  for (const key in data) {
    if (!Object.hasOwn(data, key)) continue;
    const value = data[key];
    if (value === undefined) continue;
    if (mode === 'update' && key.split('.').some((part) => part === '')) refuse(`"${key}" is not a valid field path`);
    if (isScalar(value)) out[key] = value;
    else {
      fieldStack.push(key);
      out[key] = checkedValue(value, mode, TOP_LEVEL);
      fieldStack.pop();
    }
  }
  if (mode === 'update') {
    const keys = Object.keys(out).sort();
    if (keys.length === 0) refuse('an update needs at least one field');
    for (let i = 1; i < keys.length; i++) {
      if (keys[i]!.startsWith(`${keys[i - 1]}.`))
        refuse(`field "${keys[i - 1]}" is written twice (also as "${keys[i]}")`);
    }
  }
  return out;
}

/**
 * Whether the data the last checkedData call returned holds a field transform anywhere (read right after the call:
 * it is synchronous, so no other write interleaves). Without one, applyData may store that copy as it is.
 */
let fieldOpsSeen = false;

/**
 * The map keys from the document down to the value being checked, named in a refusal's message only. A stack rather
 * than a context object per value: most values pass, and the fan-out checks hundreds of thousands of them.
 */
const fieldStack: string[] = [];
const fieldName = () => fieldStack.join('.');

/**
 * The store's own Date for a time. Stored data is never mutated and never handed out (reads copy it), so every stored
 * field with the same time can share one Date: a write stamps `now` into many fields and documents, and a Date is one
 * of the larger objects on the heap (about 100 bytes). Bounded: cleared when full.
 */
const storedDates = new Map<number, Date>();
function storedDate(time: number): Date {
  let date = storedDates.get(time);
  if (date === undefined) {
    if (storedDates.size >= 1_024) storedDates.clear();
    date = new Date(time);
    storedDates.set(time, date);
  }
  return date;
}

/** Where a value sits, as bits: the document's own field, somewhere in an array, an array's direct element. */
const TOP_LEVEL = 1;
const IN_ARRAY = 2;
const DIRECTLY_IN_ARRAY = 4;

/** Most values: taken as they are. */
function isScalar(value: unknown): boolean {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function checkedValue(value: unknown, mode: WriteMode, at: number): unknown {
  if (value === undefined) refuse(`undefined is not a Firestore value (in "${fieldName()}")`);
  if (value === null || typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string')
    return value;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) refuse(`invalid Date (in "${fieldName()}")`);
    return storedDate(value.getTime());
  }
  if (value instanceof Uint8Array) return new Uint8Array(value);
  if (isFieldOp(value)) {
    fieldOpsSeen = true;
    if (at & IN_ARRAY) refuse(`field transforms cannot sit inside an array (in "${fieldName()}")`);
    switch (value.__fieldOp) {
      case 'delete':
        if (!(mode === 'merge' || (mode === 'update' && at & TOP_LEVEL))) {
          refuse(`delete() only in update() (as the field's own value) or set() with merge (in "${fieldName()}")`);
        }
        return value;
      case 'increment':
        if (typeof value.by !== 'number') refuse(`increment() takes a number (in "${fieldName()}")`);
        return value;
      case 'arrayUnion':
      case 'arrayRemove':
        if (value.values.length === 0) refuse(`${value.__fieldOp}() needs at least one value (in "${fieldName()}")`);
        return { ...value, values: value.values.map((v) => checkedValue(v, mode, IN_ARRAY | DIRECTLY_IN_ARRAY)) };
    }
  }
  if (Array.isArray(value)) {
    if (at & DIRECTLY_IN_ARRAY) refuse(`an array cannot hold an array (in "${fieldName()}")`);
    return value.map((v: unknown) => (isScalar(v) ? v : checkedValue(v, mode, IN_ARRAY | DIRECTLY_IN_ARRAY)));
  }
  if (isMapValue(value)) {
    const out: DocData = {};
    for (const k in value) {
      if (!Object.hasOwn(value, k)) continue;
      const v = value[k];
      if (v === undefined) continue;
      if (isScalar(v)) out[k] = v;
      else {
        fieldStack.push(k);
        out[k] = checkedValue(v, mode, at & IN_ARRAY);
        fieldStack.pop();
      }
    }
    return out;
  }
  const kind = typeof value === 'object' ? ((value as object).constructor?.name ?? 'object') : typeof value;
  return refuse(`a ${kind} is not a Firestore value (in "${fieldName()}")`);
}

// ── Firestore's value order and equality ──

/** Firestore's order of types: null, booleans, numbers, timestamps, strings, bytes, arrays, maps. */
function typeRank(value: unknown): number {
  if (value === null) return 0;
  if (typeof value === 'boolean') return 1;
  if (typeof value === 'number') return 2;
  if (value instanceof Date) return 3;
  if (typeof value === 'string') return 4;
  if (value instanceof Uint8Array) return 5;
  if (Array.isArray(value)) return 6;
  return 7;
}

/** NaN first and equal to itself; -0 equals 0. */
function compareNumbers(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : -1;
  if (Number.isNaN(b)) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Strings by code point (Firestore compares UTF-8 bytes, which is the same order). JavaScript's `<` compares UTF-16
 * units, which puts an emoji (a surrogate pair) before U+E000…U+FFFF.
 */
function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const sx = x >= 0xd800 && x <= 0xdfff;
    const sy = y >= 0xd800 && y <= 0xdfff;
    if (sx !== sy) return sx ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

function compareLists(
  a: readonly unknown[],
  b: readonly unknown[],
  compare: (x: unknown, y: unknown) => number,
): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compare(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/** Firestore's order: by type, then within the type; arrays element by element, maps key by key in key order. */
export function compareValues(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 0:
      return 0;
    case 1:
      return Number(a) - Number(b);
    case 2:
      return compareNumbers(a as number, b as number);
    case 3:
      return (a as Date).getTime() - (b as Date).getTime();
    case 4:
      return compareStrings(a as string, b as string);
    case 5:
      return compareLists([...(a as Uint8Array)], [...(b as Uint8Array)], (x, y) => (x as number) - (y as number));
    case 6:
      return compareLists(a as unknown[], b as unknown[], compareValues);
    default: {
      const entries = (m: unknown) => Object.entries(m as DocData).sort(([x], [y]) => compareStrings(x, y));
      return compareLists(entries(a), entries(b), (x, y) => {
        const [kx, vx] = x as [string, unknown];
        const [ky, vy] = y as [string, unknown];
        return compareStrings(kx, ky) || compareValues(vx, vy);
      });
    }
  }
}

function compareKeys(a: unknown[], b: unknown[], directions: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareValues(a[i], b[i]) * (directions[i] ?? 1);
    if (c !== 0) return c;
  }
  return 0;
}

/** Firestore's equality: maps whatever their key order, NaN equal to NaN, -0 equal to 0, 1 equal to 1.0. */
function equal(a: unknown, b: unknown): boolean {
  return compareValues(a, b) === 0;
}

/**
 * The order Firestore applies: the explicit orderBy, then every field with an inequality filter not already in it (in
 * field order), in the direction of the last explicit one; the document path breaks ties (see runQuery).
 */
function withImplicitOrder(spec: QuerySpec): ReadonlyArray<{ field: string; direction?: 'asc' | 'desc' }> {
  const explicit = spec.orderBy ?? [];
  const inequalities = new Set<string>();
  for (const [field, op] of spec.where ?? []) {
    if (op === '<' || op === '<=' || op === '>' || op === '>=' || op === '!=' || op === 'not-in')
      inequalities.add(field);
  }
  const direction = explicit.at(-1)?.direction ?? 'asc';
  const implicit = [...inequalities].filter((field) => !explicit.some((o) => o.field === field)).sort(compareStrings);
  return [...explicit, ...implicit.map((field) => ({ field, direction }))];
}

/** NaN and null match only == and != (Firestore's IS_NAN / IS_NULL); in a range or an `in` list they match nothing. */
const isNullish = (v: unknown) => v === null || (typeof v === 'number' && Number.isNaN(v));

function matches(actual: unknown, op: WhereOp, expected: unknown): boolean {
  const list = (v: unknown) => (Array.isArray(v) ? v : []);
  const range = (test: (c: number) => boolean) =>
    actual !== undefined &&
    !isNullish(actual) &&
    typeRank(actual) === typeRank(expected) &&
    test(compareValues(actual, expected));
  switch (op) {
    case '==':
      return actual !== undefined && equal(actual, expected);
    case '!=':
      return actual !== undefined && actual !== null && !equal(actual, expected);
    case '<':
      return range((c) => c < 0);
    case '<=':
      return range((c) => c <= 0);
    case '>':
      return range((c) => c > 0);
    case '>=':
      return range((c) => c >= 0);
    case 'in':
      return actual !== undefined && list(expected).some((v) => !isNullish(v) && equal(actual, v));
    case 'not-in':
      if (list(expected).some((v) => v === null)) return false;
      return actual !== undefined && actual !== null && !list(expected).some((v) => equal(actual, v));
    case 'array-contains':
      return list(actual).some((v) => equal(v, expected));
    case 'array-contains-any':
      return list(actual).some((v) => list(expected).some((e) => equal(v, e)));
  }
}
