import { describe, expect, it } from 'vitest';
import type { DocumentStore } from '../../src/ports.js';
import { fieldOps } from '../../src/ports.js';
import { AlreadyExistsError, DocNotFoundError } from '../../src/domain/errors.js';

/**
 * The DocumentStore contract: every adapter (in-memory in `npm test`, Firestore in the emulator tier) passes the
 * same suite. `fresh()` returns a store plus a unique collection prefix so runs never see each other's documents.
 */
export function documentStoreContract(name: string, fresh: () => Promise<{ store: DocumentStore; root: string }>) {
  describe(`DocumentStore contract: ${name}`, () => {
    it('creates once, reads back, and reports missing documents', async () => {
      const { store, root } = await fresh();
      expect(await store.create(`${root}/a`, { n: 1, at: new Date('2026-01-02T03:04:05Z') })).toBe(true);
      expect(await store.create(`${root}/a`, { n: 2 })).toBe(false);
      const snap = await store.get(`${root}/a`);
      expect(snap.exists).toBe(true);
      expect(snap.id).toBe('a');
      expect(snap.data).toEqual({ n: 1, at: new Date('2026-01-02T03:04:05Z') });
      expect((await store.get(`${root}/missing`)).exists).toBe(false);
    });

    it('set replaces, set with merge deep-merges, update addresses dotted fields and fails when missing', async () => {
      const { store, root } = await fresh();
      await store.set(`${root}/d`, { a: 1, nested: { x: 1, y: 2 } });
      await store.set(`${root}/d`, { nested: { y: 3 } }, { merge: true });
      expect((await store.get(`${root}/d`)).data).toEqual({ a: 1, nested: { x: 1, y: 3 } });
      await store.update(`${root}/d`, { 'nested.z': 4, a: fieldOps.delete() });
      expect((await store.get(`${root}/d`)).data).toEqual({ nested: { x: 1, y: 3, z: 4 } });
      await store.set(`${root}/d`, { only: true });
      expect((await store.get(`${root}/d`)).data).toEqual({ only: true });
      await expect(store.update(`${root}/nope`, { a: 1 })).rejects.toBeInstanceOf(DocNotFoundError);
    });

    it('applies increments and array transforms', async () => {
      const { store, root } = await fresh();
      await store.set(`${root}/c`, { count: 1, tags: ['a'] });
      await store.update(`${root}/c`, { count: fieldOps.increment(2), tags: fieldOps.arrayUnion('a', 'b') });
      await store.update(`${root}/c`, { tags: fieldOps.arrayRemove('a') });
      await store.set(`${root}/c2`, { count: fieldOps.increment(5) }, { merge: true });
      expect((await store.get(`${root}/c`)).data).toEqual({ count: 3, tags: ['b'] });
      expect((await store.get(`${root}/c2`)).data).toEqual({ count: 5 });
    });

    it('queries with filters, ordering, limits and cursors', async () => {
      const { store, root } = await fresh();
      const col = `${root}/q/items`;
      for (let i = 0; i < 6; i++) {
        await store.set(`${col}/i${i}`, { n: i, even: i % 2 === 0, tags: [`t${i % 3}`], at: new Date(Date.UTC(2026, 0, 1 + i)) });
      }
      const evens = await store.query(col, { where: [['even', '==', true]], orderBy: [{ field: 'n', direction: 'desc' }] });
      expect(evens.map((d) => d.id)).toEqual(['i4', 'i2', 'i0']);
      const page1 = await store.query(col, { orderBy: [{ field: 'at' }], limit: 2 });
      expect(page1.map((d) => d.id)).toEqual(['i0', 'i1']);
      const page2 = await store.query(col, { orderBy: [{ field: 'at' }], limit: 2, startAfter: [page1[1]!.data!.at] });
      expect(page2.map((d) => d.id)).toEqual(['i2', 'i3']);
      const ranged = await store.query(col, { where: [['n', '>=', 2], ['n', '<', 4]], orderBy: [{ field: 'n' }] });
      expect(ranged.map((d) => d.data?.n)).toEqual([2, 3]);
      const tagged = await store.query(col, { where: [['tags', 'array-contains', 't1']], orderBy: [{ field: 'n' }] });
      expect(tagged.map((d) => d.id)).toEqual(['i1', 'i4']);
      const among = await store.query(col, { where: [['n', 'in', [0, 5]]], orderBy: [{ field: 'n' }] });
      expect(among.map((d) => d.id)).toEqual(['i0', 'i5']);
    });

    it('queries a collection group across parents', async () => {
      const { store, root } = await fresh();
      const group = `grp${root.replace(/[^a-z0-9]/gi, '')}`;
      await store.set(`${root}/p1/${group}/x`, { owner: 'p1' });
      await store.set(`${root}/p2/${group}/y`, { owner: 'p2' });
      const all = await store.queryGroup(group, { orderBy: [{ field: 'owner' }] });
      expect(all.map((d) => d.data?.owner)).toEqual(['p1', 'p2']);
      expect(await store.listIds(root)).toEqual(['p1', 'p2']);
    });

    it('commits a batch atomically: a failing create writes nothing', async () => {
      const { store, root } = await fresh();
      await store.set(`${root}/taken`, { v: 1 });
      await expect(
        store.commit([
          { kind: 'set', path: `${root}/new`, data: { v: 1 } },
          { kind: 'create', path: `${root}/taken`, data: { v: 2 } },
        ]),
      ).rejects.toBeInstanceOf(AlreadyExistsError);
      expect((await store.get(`${root}/new`)).exists).toBe(false);
      await store.commit([{ kind: 'delete', path: `${root}/taken` }]);
      expect((await store.get(`${root}/taken`)).exists).toBe(false);
    });

    // Contention as the product sees it: a burst of messages on one conversation summary, concurrent SMS on one
    // rate-limit counter. On Firestore every transaction below deadlocks with the others at first (shared read locks,
    // exclusive commit locks); the adapter's retries must still land every one of them, exactly once.
    it('serialises concurrent read-modify-write transactions exactly', async () => {
      const { store, root } = await fresh();
      const path = `${root}/counter`;
      await store.set(path, { value: 0 });
      const n = 50;
      await Promise.all(
        Array.from({ length: n }, () =>
          store.transaction(async (tx) => {
            const snap = await tx.get(path);
            tx.update(path, { value: (snap.data?.value as number) + 1 });
          }),
        ),
      );
      expect((await store.get(path)).data).toEqual({ value: n });
    });

    it('serialises transactions that read two hot documents in opposite orders', async () => {
      const { store, root } = await fresh();
      const [a, b] = [`${root}/hot-a`, `${root}/hot-b`];
      await store.commit([
        { kind: 'set', path: a, data: { value: 0 } },
        { kind: 'set', path: b, data: { value: 0 } },
      ]);
      const n = 20;
      await Promise.all(
        Array.from({ length: n }, (_, i) =>
          store.transaction(async (tx) => {
            const [first, second] = i % 2 === 0 ? [a, b] : [b, a];
            const x = await tx.get(first);
            const y = await tx.get(second);
            tx.update(first, { value: (x.data?.value as number) + 1 });
            tx.update(second, { value: (y.data?.value as number) + 1 });
          }),
        ),
      );
      expect((await store.getAll([a, b])).map((s) => s.data?.value)).toEqual([n, n]);
    });

    it('blind increments in concurrent transactions add up exactly', async () => {
      const { store, root } = await fresh();
      const n = 50;
      await Promise.all(
        Array.from({ length: n }, (_, i) =>
          store.transaction(async (tx) => {
            await tx.get(`${root}/c/markers/m${i}`);
            tx.create(`${root}/c/markers/m${i}`, { i });
            tx.set(`${root}/counter`, { value: fieldOps.increment(1) }, { merge: true });
          }),
        ),
      );
      expect((await store.get(`${root}/counter`)).data).toEqual({ value: n });
    });

    it('a transaction that creates an existing document fails and writes nothing', async () => {
      const { store, root } = await fresh();
      await store.set(`${root}/once`, { v: 1 });
      await expect(
        store.transaction(async (tx) => {
          await tx.get(`${root}/once`);
          tx.set(`${root}/side`, { v: 1 });
          tx.create(`${root}/once`, { v: 2 });
        }),
      ).rejects.toBeInstanceOf(AlreadyExistsError);
      expect((await store.get(`${root}/side`)).exists).toBe(false);
      expect((await store.get(`${root}/once`)).data).toEqual({ v: 1 });
    });
  });
}
