import type {
  DocumentData,
  DocumentSnapshot,
  Firestore,
  Query,
  Transaction as FsTransaction,
} from '@google-cloud/firestore';
import { FieldValue, Timestamp } from '@google-cloud/firestore';
import { AlreadyExistsError, DocNotFoundError } from '../../domain/errors.js';
import type {
  DocData,
  DocSnapshot,
  DocumentStore,
  QuerySpec,
  Transaction,
  WriteOp,
} from '../../ports.js';
import { isFieldOp } from '../../ports.js';

const GRPC_ALREADY_EXISTS = 6;
const GRPC_NOT_FOUND = 5;

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
    return toSnapshot(await this.db.doc(path).get());
  }

  async getAll(paths: readonly string[]): Promise<DocSnapshot[]> {
    if (paths.length === 0) return [];
    const snaps = await this.db.getAll(...paths.map((p) => this.db.doc(p)));
    return snaps.map(toSnapshot);
  }

  async query(collectionPath: string, spec: QuerySpec = {}): Promise<DocSnapshot[]> {
    const snap = await buildQuery(this.db.collection(collectionPath), spec).get();
    return snap.docs.map(toSnapshot);
  }

  async queryGroup(collectionId: string, spec: QuerySpec = {}): Promise<DocSnapshot[]> {
    const snap = await buildQuery(this.db.collectionGroup(collectionId), spec).get();
    return snap.docs.map(toSnapshot);
  }

  async create(path: string, data: DocData): Promise<boolean> {
    try {
      await this.db.doc(path).create(toFirestore(data) as DocumentData);
      return true;
    } catch (error) {
      if (grpcCode(error) === GRPC_ALREADY_EXISTS) return false;
      throw error;
    }
  }

  async set(path: string, data: DocData, options?: { merge?: boolean }): Promise<void> {
    await this.db.doc(path).set(toFirestore(data) as DocumentData, { merge: options?.merge ?? false });
  }

  async update(path: string, data: DocData): Promise<void> {
    try {
      await this.db.doc(path).update(toFirestore(data) as DocumentData);
    } catch (error) {
      if (grpcCode(error) === GRPC_NOT_FOUND) throw new DocNotFoundError(path);
      throw error;
    }
  }

  async delete(path: string): Promise<void> {
    await this.db.doc(path).delete();
  }

  async commit(ops: readonly WriteOp[]): Promise<void> {
    const batch = this.db.batch();
    for (const op of ops) {
      const ref = this.db.doc(op.path);
      if (op.kind === 'create') batch.create(ref, toFirestore(op.data) as DocumentData);
      else if (op.kind === 'set') batch.set(ref, toFirestore(op.data) as DocumentData, { merge: op.merge ?? false });
      else if (op.kind === 'update') batch.update(ref, toFirestore(op.data) as DocumentData);
      else batch.delete(ref);
    }
    try {
      await batch.commit();
    } catch (error) {
      throw mapWriteError(error, ops);
    }
  }

  async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    let pending: readonly WriteOp[] = [];
    try {
      return await this.db.runTransaction(async (t) => {
        const tx = new FirestoreTransaction(this.db, t);
        const result = await fn(tx);
        pending = tx.ops;
        return result;
      });
    } catch (error) {
      throw mapWriteError(error, pending);
    }
  }

  async listIds(collectionPath: string): Promise<string[]> {
    const refs = await this.db.collection(collectionPath).listDocuments();
    return refs.map((ref) => ref.id).sort();
  }
}

class FirestoreTransaction implements Transaction {
  readonly ops: WriteOp[] = [];

  constructor(
    private readonly db: Firestore,
    private readonly t: FsTransaction,
  ) {}

  async get(path: string): Promise<DocSnapshot> {
    return toSnapshot(await this.t.get(this.db.doc(path)));
  }

  async getAll(paths: readonly string[]): Promise<DocSnapshot[]> {
    if (paths.length === 0) return [];
    const snaps = await this.t.getAll(...paths.map((p) => this.db.doc(p)));
    return snaps.map(toSnapshot);
  }

  async query(collectionPath: string, spec: QuerySpec = {}): Promise<DocSnapshot[]> {
    const snap = await this.t.get(buildQuery(this.db.collection(collectionPath), spec));
    return snap.docs.map(toSnapshot);
  }

  create(path: string, data: DocData): void {
    this.ops.push({ kind: 'create', path, data });
    this.t.create(this.db.doc(path), toFirestore(data) as DocumentData);
  }

  set(path: string, data: DocData, options?: { merge?: boolean }): void {
    this.ops.push({ kind: 'set', path, data });
    this.t.set(this.db.doc(path), toFirestore(data) as DocumentData, { merge: options?.merge ?? false });
  }

  update(path: string, data: DocData): void {
    this.ops.push({ kind: 'update', path, data });
    this.t.update(this.db.doc(path), toFirestore(data) as DocumentData);
  }

  delete(path: string): void {
    this.ops.push({ kind: 'delete', path });
    this.t.delete(this.db.doc(path));
  }
}

function buildQuery(base: Query, spec: QuerySpec): Query {
  let q = base;
  for (const [field, op, value] of spec.where ?? []) q = q.where(field, op, toFirestore(value));
  for (const { field, direction } of spec.orderBy ?? []) q = q.orderBy(field, direction ?? 'asc');
  if (spec.startAfter) q = q.startAfter(...spec.startAfter.map(toFirestore));
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

/** Port values → Firestore values: field ops become FieldValue sentinels, recursively. */
export function toFirestore(value: unknown): unknown {
  if (isFieldOp(value)) {
    switch (value.__fieldOp) {
      case 'increment':
        return FieldValue.increment(value.by);
      case 'delete':
        return FieldValue.delete();
      case 'arrayUnion':
        return FieldValue.arrayUnion(...value.values.map(toFirestore));
      case 'arrayRemove':
        return FieldValue.arrayRemove(...value.values.map(toFirestore));
    }
  }
  if (value instanceof Date) return Timestamp.fromDate(value);
  if (Array.isArray(value)) return value.map(toFirestore);
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, toFirestore(v)]));
  }
  return value;
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
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'number' ? error.code : undefined;
}

function mapWriteError(error: unknown, ops: readonly WriteOp[]): unknown {
  const code = grpcCode(error);
  if (code === GRPC_ALREADY_EXISTS) return new AlreadyExistsError(ops.find((op) => op.kind === 'create')?.path ?? 'unknown');
  if (code === GRPC_NOT_FOUND) return new DocNotFoundError(ops.find((op) => op.kind === 'update')?.path ?? 'unknown');
  return error;
}
