import type { DocumentReference, Firestore } from 'firebase-admin/firestore';
import { Timestamp } from 'firebase-admin/firestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FirestoreDocumentStore } from '../../../src/adapters/firestore/firestoreDocumentStore.js';
import { useServices } from '../../../src/functions/runtime.js';
import { deleteMyAccount } from '../../../src/functions/compliance.js';
import { call } from '../../support/callables.js';
import { FakeAlgolia } from '../../support/fakes/algoliaServer.js';
import { isolatedFirestore } from '../isolatedProject.js';
import type { Fn } from '../../support/erasureWorld.js';
import { erasureScanWorld, scanEverything, seedWorld, UID } from '../../support/erasureWorld.js';

/**
 * The erasure scan on the Firestore emulator: the same world as the unit tier, written through the Firestore adapter
 * into a project of its own (so no deployed trigger fires and no other file's documents are scanned), the real
 * erasure through the deleteMyAccount callable, then a walk of the whole database with the Admin SDK
 * (listCollections / listDocuments at every depth, which also finds documents that exist only as parents).
 */
const PROJECT = 'demo-craft-erasure';

/** Every document of the database, at every depth, with Timestamps as Dates (what the scan compares). */
async function walk(db: Firestore): Promise<Array<[string, unknown]>> {
  const out: Array<[string, unknown]> = [];
  const visit = async (refs: DocumentReference[]) => {
    for (const ref of refs) {
      const snap = await ref.get();
      out.push([ref.path, snap.exists ? plain(snap.data()) : {}]);
      for (const sub of await ref.listCollections()) await visit(await sub.listDocuments());
    }
  };
  for (const collection of await db.listCollections()) await visit(await collection.listDocuments());
  return out;
}

function plain(value: unknown): unknown {
  if (value instanceof Timestamp) return value.toDate();
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object' && !(value instanceof Date))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

describe('erasure scan on the Firestore emulator', () => {
  const db = isolatedFirestore(PROJECT);
  let fake: FakeAlgolia;

  beforeAll(async () => {
    fake = await new FakeAlgolia().start();
    for (const collection of await db.listCollections()) await db.recursiveDelete(collection);
  });

  afterAll(async () => {
    useServices(undefined);
    await fake.stop();
  });

  it(
    '0 documents, index records or objects name her after the erasure; before, the walk finds her in every kind of place',
    { timeout: 180_000 },
    async () => {
      // The unit tier's world (same clock, NOW = 2024-06-01T23:00:00Z) on the Firestore adapter.
      const { infra, services } = erasureScanWorld(fake, new FirestoreDocumentStore(() => db));
      await seedWorld(infra, services);

      const before = await scanEverything(infra, fake, await walk(db));
      const places = new Set(
        before.map((h) =>
          h.where.replace(/^(exports|media|index:messages)[:/].*/, '$1').replace(/^([^:]*)\/[^/]+$/, '$1/*'),
        ),
      );
      for (const place of [
        'users/*',
        'events/*',
        'digests/*',
        'moderationQueue/*',
        'users/u_carol/notifications/*',
        'users/u_bob/following/*',
        'auctions/a1/watchers/*',
        'conversations/dm/messages/*',
        'exports',
        'media',
        'index:messages',
      ]) {
        expect(places, place).toContain(place);
      }

      await call(deleteMyAccount as Fn, { confirm: true }, { uid: UID });
      expect(await scanEverything(infra, fake, await walk(db))).toEqual([]);

      const once = await walk(db);
      await services.compliance.erasure.eraseUser(UID, { uid: 'system:auth', reason: 'auth-deleted' });
      expect(await walk(db)).toEqual(once);
    },
  );
});
