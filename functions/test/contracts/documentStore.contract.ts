import { describe, expect, it } from 'vitest';
import type { DocumentStore, QuerySpec } from '../../src/ports.js';
import { fieldOps } from '../../src/ports.js';
import { AlreadyExistsError, AppError, DocNotFoundError } from '../../src/domain/errors.js';

/** What Firestore refuses (the SDK's own checks or the server's INVALID_ARGUMENT), both stores refuse alike. */
async function refused(attempt: Promise<unknown> | (() => Promise<unknown>)): Promise<void> {
  const promise = typeof attempt === 'function' ? attempt() : attempt;
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected the store to refuse').toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe('invalid-argument');
}

const numbers = (n: number) => Array.from({ length: n }, (_, i) => i);

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
        await store.set(`${col}/i${i}`, {
          n: i,
          even: i % 2 === 0,
          tags: [`t${i % 3}`],
          at: new Date(Date.UTC(2026, 0, 1 + i)),
        });
      }
      const evens = await store.query(col, {
        where: [['even', '==', true]],
        orderBy: [{ field: 'n', direction: 'desc' }],
      });
      expect(evens.map((d) => d.id)).toEqual(['i4', 'i2', 'i0']);
      const page1 = await store.query(col, { orderBy: [{ field: 'at' }], limit: 2 });
      expect(page1.map((d) => d.id)).toEqual(['i0', 'i1']);
      const page2 = await store.query(col, { orderBy: [{ field: 'at' }], limit: 2, startAfter: [page1[1]!.data!.at] });
      expect(page2.map((d) => d.id)).toEqual(['i2', 'i3']);
      const ranged = await store.query(col, {
        where: [
          ['n', '>=', 2],
          ['n', '<', 4],
        ],
        orderBy: [{ field: 'n' }],
      });
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

    it('orders by document id without orderBy, through creates, deletes and re-creates in any id order', async () => {
      const { store, root } = await fresh();
      const col = `${root}/ids/items`;
      for (const [i, id] of ['m', 'b', 'Z', 'a', 'k', '10', '9'].entries())
        await store.set(`${col}/${id}`, { n: i % 3 });
      await store.delete(`${col}/b`);
      await store.delete(`${col}/Z`);
      await store.create(`${col}/b`, { n: 9 });
      expect((await store.query(col, { limit: 4 })).map((d) => d.id)).toEqual(['10', '9', 'a', 'b']);
      expect((await store.query(col, { where: [['n', '==', 0]] })).map((d) => d.id)).toEqual(['9', 'a', 'm']);
      // Ties on the ordered field go by id, in the direction of the last order.
      const byN = await store.query(col, { orderBy: [{ field: 'n', direction: 'desc' }], limit: 3 });
      expect(byN.map((d) => d.id)).toEqual(['b', '10', 'k']);
      const next = await store.query(col, { orderBy: [{ field: 'n', direction: 'desc' }], startAfter: [1], limit: 3 });
      expect(next.map((d) => d.id)).toEqual(['m', 'a', '9']);
      expect(await store.listIds(col)).toEqual(['10', '9', 'a', 'b', 'k', 'm']);
    });

    it('pages a collection by document id (__name__) with a cursor, filtered or not', async () => {
      const { store, root } = await fresh();
      const col = `${root}/byname/items`;
      for (const [i, id] of ['m', 'b', 'Z', 'a', 'k', '10', '9'].entries())
        await store.set(`${col}/${id}`, { n: i % 2, tags: i % 2 ? ['x'] : [] });
      const page = (cursor?: string, where: QuerySpec['where'] = []) =>
        store.query(col, {
          where,
          orderBy: [{ field: '__name__' }],
          limit: 2,
          ...(cursor === undefined ? {} : { startAfter: [cursor] }),
        });
      const seen: string[] = [];
      let cursor: string | undefined;
      for (;;) {
        const ids = (await page(cursor)).map((d) => d.id);
        seen.push(...ids);
        if (ids.length < 2) break;
        cursor = ids.at(-1);
      }
      expect(seen).toEqual(['10', '9', 'Z', 'a', 'b', 'k', 'm']);
      expect((await page('a', [['tags', 'array-contains', 'x']])).map((d) => d.id)).toEqual(['b']);
      expect((await page(undefined, [['tags', 'array-contains', 'x']])).map((d) => d.id)).toEqual(['10', 'a']);
    });

    it('orders a collection group by full document path without orderBy', async () => {
      const { store, root } = await fresh();
      const group = `grp${root.replace(/[^a-z0-9]/gi, '')}`;
      await store.set(`${root}/p2/${group}/a`, { v: 1 });
      await store.set(`${root}/p1/sub/q/${group}/c`, { v: 1 });
      await store.set(`${root}/p1/${group}/b`, { v: 1 });
      await store.set(`${root}/p1/${group}/a`, { v: 2 });
      await store.delete(`${root}/p1/${group}/a`);
      const paths = (await store.queryGroup(group, { where: [['v', '==', 1]] })).map((d) =>
        d.path.slice(root.length + 1),
      );
      expect(paths).toEqual([`p1/${group}/b`, `p1/sub/q/${group}/c`, `p2/${group}/a`]);
      expect((await store.queryGroup(group, { limit: 2 })).map((d) => d.id)).toEqual(['b', 'c']);
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

    // ── Parity: each case below was run on the Firestore emulator first; the memory store follows what it did. ──

    it('update replaces a map value whole; dotted paths reach inside it', async () => {
      const { store, root } = await fresh();
      await store.set(`${root}/d`, { k: 1, m: { x: 1, y: 2, n: { p: 1, q: 2 } } });
      await store.update(`${root}/d`, { 'm.n': { p: 5 } });
      expect((await store.get(`${root}/d`)).data).toEqual({ k: 1, m: { x: 1, y: 2, n: { p: 5 } } });
      await store.update(`${root}/d`, { m: { a: 1 } });
      expect((await store.get(`${root}/d`)).data).toEqual({ k: 1, m: { a: 1 } });
      // A transform inside the replacing map applies to the new map, where the field is absent.
      await store.update(`${root}/d`, { m: { b: 1, a: fieldOps.increment(5) } });
      expect((await store.get(`${root}/d`)).data).toEqual({ k: 1, m: { b: 1, a: 5 } });
      await store.update(`${root}/d`, { m: {} });
      expect((await store.get(`${root}/d`)).data).toEqual({ k: 1, m: {} });
    });

    it('set with merge deep-merges maps, but an empty map replaces the field', async () => {
      const { store, root } = await fresh();
      await store.set(`${root}/d`, { m: { x: 1, y: 2 }, e: { z: 1 } });
      await store.set(`${root}/d`, { m: { x: fieldOps.delete(), w: 3 }, e: {} }, { merge: true });
      expect((await store.get(`${root}/d`)).data).toEqual({ m: { y: 2, w: 3 }, e: {} });
    });

    it('refuses an empty arrayUnion or arrayRemove', async () => {
      const { store, root } = await fresh();
      await store.set(`${root}/d`, { t: ['a'] });
      await refused(store.update(`${root}/d`, { t: fieldOps.arrayUnion() }));
      await refused(store.update(`${root}/d`, { t: fieldOps.arrayRemove() }));
      await refused(store.set(`${root}/d2`, { t: fieldOps.arrayUnion() }, { merge: true }));
      expect((await store.get(`${root}/d`)).data).toEqual({ t: ['a'] });
      expect((await store.get(`${root}/d2`)).exists).toBe(false);
    });

    it('refuses FieldValue.delete() outside update and set with merge', async () => {
      const { store, root } = await fresh();
      await refused(store.set(`${root}/d`, { a: 1, b: fieldOps.delete() }));
      await refused(store.set(`${root}/d`, { a: 1, m: { b: fieldOps.delete() } }));
      await refused(store.create(`${root}/d`, { a: 1, b: fieldOps.delete() }));
      await refused(store.commit([{ kind: 'set', path: `${root}/d`, data: { b: fieldOps.delete() } }]));
      await refused(store.transaction(async (tx) => tx.set(`${root}/d`, { b: fieldOps.delete() })));
      expect((await store.get(`${root}/d`)).exists).toBe(false);
      // In an update it must address the field itself, not sit inside a map value.
      await store.set(`${root}/u`, { m: { x: 1, y: 2 } });
      await refused(store.update(`${root}/u`, { m: { x: fieldOps.delete() } }));
      await store.update(`${root}/u`, { 'm.x': fieldOps.delete() });
      expect((await store.get(`${root}/u`)).data).toEqual({ m: { y: 2 } });
    });

    it('refuses undefined inside arrays and in queries; drops undefined map properties', async () => {
      const { store, root } = await fresh();
      await refused(store.set(`${root}/d`, { list: [1, undefined, 2] }));
      await refused(store.transaction(async (tx) => tx.set(`${root}/d`, { list: [undefined] })));
      await store.set(`${root}/d`, {
        t: [],
        a: 1,
        gone: undefined,
        m: { keep: 1, drop: undefined },
        rows: [{ b: 1, c: undefined }],
      });
      expect((await store.get(`${root}/d`)).data).toEqual({ t: [], a: 1, m: { keep: 1 }, rows: [{ b: 1 }] });
      expect(Object.keys((await store.get(`${root}/d`)).data!).sort()).toEqual(['a', 'm', 'rows', 't']);
      await refused(store.update(`${root}/d`, { t: fieldOps.arrayUnion(undefined) }));
      // An undefined property in an update is left out, so it does not clear the field.
      await store.update(`${root}/d`, { a: undefined, b: 2 });
      expect((await store.get(`${root}/d`)).data).toMatchObject({ a: 1, b: 2 });
      const col = `${root}/c/items`;
      await refused(store.query(col, { where: [['a', '==', undefined]] }));
      await refused(store.query(col, { where: [['a', 'in', [1, undefined]]] }));
      await refused(store.query(col, { orderBy: [{ field: 'a' }], startAfter: [undefined] }));
    });

    it('refuses in and array-contains-any over 30 values, not-in over 10, more than 30 disjunctions', async () => {
      const { store, root } = await fresh();
      const col = `${root}/c/items`;
      await store.set(`${col}/i`, { n: 3, t: [3] });
      expect(await store.query(col, { where: [['n', 'in', numbers(30)]] })).toHaveLength(1);
      await refused(store.query(col, { where: [['n', 'in', numbers(31)]] }));
      await refused(store.query(col, { where: [['n', 'in', []]] }));
      expect(await store.query(col, { where: [['t', 'array-contains-any', numbers(30)]] })).toHaveLength(1);
      await refused(store.query(col, { where: [['t', 'array-contains-any', numbers(31)]] }));
      expect(await store.query(col, { where: [['n', 'not-in', numbers(10)]] })).toHaveLength(0);
      await refused(store.query(col, { where: [['n', 'not-in', numbers(11)]] }));
      await refused(
        store.query(col, {
          where: [
            ['n', 'in', numbers(20)],
            ['t', 'array-contains-any', [1, 2]],
          ],
        }),
      );
      await refused(store.transaction((tx) => tx.query(col, { where: [['n', 'in', numbers(31)]] })));
      await refused(store.queryGroup(`grp${root.replace(/[^a-z0-9]/gi, '')}`, { where: [['n', 'in', numbers(31)]] }));
    });

    it('refuses query shapes Firestore refuses: two array-contains, not-in with in or !=, a negative limit', async () => {
      const { store, root } = await fresh();
      const col = `${root}/c/items`;
      await refused(
        store.query(col, {
          where: [
            ['a', 'array-contains', 1],
            ['b', 'array-contains', 1],
          ],
        }),
      );
      await refused(
        store.query(col, {
          where: [
            ['a', 'in', [1]],
            ['b', 'not-in', [1]],
          ],
        }),
      );
      await refused(
        store.query(col, {
          where: [
            ['a', '!=', 1],
            ['b', 'not-in', [1]],
          ],
        }),
      );
      await refused(store.query(col, { limit: -1 }));
    });

    it('limit 0 returns nothing; not-in with null matches nothing', async () => {
      const { store, root } = await fresh();
      const col = `${root}/c/items`;
      await store.set(`${col}/a`, { n: 1 });
      await store.set(`${col}/b`, { n: null });
      expect(await store.query(col, { limit: 0 })).toEqual([]);
      expect(await store.query(col, { where: [['n', 'not-in', [null]]] })).toEqual([]);
      expect((await store.query(col, { where: [['n', 'not-in', [2]]] })).map((d) => d.id)).toEqual(['a']);
      expect((await store.query(col, { where: [['n', '!=', null]] })).map((d) => d.id)).toEqual(['a']);
    });

    it('null and NaN match only == and !=; inequality filters order by their field', async () => {
      const { store, root } = await fresh();
      const col = `${root}/c/items`;
      const docs: Record<string, Record<string, unknown>> = {
        a: { n: 1 },
        b: { n: null },
        c: { n: Number.NaN },
        d: { n: 'x' },
        e: {},
      };
      for (const [id, data] of Object.entries(docs)) await store.set(`${col}/${id}`, data);
      const ids = async (spec: QuerySpec) => (await store.query(col, spec)).map((d) => d.id);
      expect(await ids({ where: [['n', '!=', 2]] })).toEqual(['c', 'a', 'd']);
      expect(await ids({ where: [['n', 'not-in', [2]]] })).toEqual(['c', 'a', 'd']);
      expect(await ids({ where: [['n', '!=', 2]], limit: 1 })).toEqual(['c']);
      expect(await ids({ where: [['n', '<', 5]] })).toEqual(['a']);
      expect(await ids({ where: [['n', '==', Number.NaN]] })).toEqual(['c']);
      expect(await ids({ where: [['n', '!=', Number.NaN]] })).toEqual(['a', 'd']);
      expect(await ids({ where: [['n', 'in', [Number.NaN, null]]] })).toEqual([]);
      expect(await ids({ orderBy: [{ field: 'n' }] })).toEqual(['b', 'c', 'a', 'd']);
    });

    it('refuses cursors with more values than orderBy fields', async () => {
      const { store, root } = await fresh();
      const col = `${root}/c/items`;
      for (let i = 0; i < 4; i++) await store.set(`${col}/i${i}`, { n: i, s: `s${i % 2}` });
      await refused(store.query(col, { orderBy: [{ field: 'n' }], startAfter: [1, 'i1'] }));
      await refused(store.query(col, { startAfter: [1] }));
      await refused(store.query(col, { where: [['n', '>', 0]], startAfter: [1] }));
      const fewer = await store.query(col, { orderBy: [{ field: 's' }, { field: 'n' }], startAfter: ['s0'] });
      expect(fewer.map((d) => d.id)).toEqual(['i1', 'i3']);
    });

    it('compares maps by content whatever their key order (arrayUnion, arrayRemove, ==, in, array-contains)', async () => {
      const { store, root } = await fresh();
      await store.set(`${root}/d`, { l: [{ a: 1, b: 2 }, 3] });
      await store.update(`${root}/d`, { l: fieldOps.arrayUnion({ b: 2, a: 1 }) });
      expect((await store.get(`${root}/d`)).data).toEqual({ l: [{ a: 1, b: 2 }, 3] });
      await store.update(`${root}/d`, { l: fieldOps.arrayRemove({ b: 2, a: 1 }) });
      expect((await store.get(`${root}/d`)).data).toEqual({ l: [3] });
      const col = `${root}/c/items`;
      await store.set(`${col}/m`, { m: { a: 1, b: 2 }, l: [{ a: 1, b: 2 }] });
      expect(await store.query(col, { where: [['m', '==', { b: 2, a: 1 }]] })).toHaveLength(1);
      expect(await store.query(col, { where: [['m', 'in', [{ b: 2, a: 1 }]]] })).toHaveLength(1);
      expect(await store.query(col, { where: [['l', 'array-contains', { b: 2, a: 1 }]] })).toHaveLength(1);
    });

    it('arrayUnion treats NaN as equal to NaN and -0 as 0, and keeps duplicates already stored', async () => {
      const { store, root } = await fresh();
      await store.set(`${root}/d`, { l: [Number.NaN, 0, 'x', 'x'] });
      await store.update(`${root}/d`, { l: fieldOps.arrayUnion(Number.NaN, -0, 'y', 'y', 'x') });
      expect((await store.get(`${root}/d`)).data).toEqual({ l: [Number.NaN, 0, 'x', 'x', 'y'] });
    });

    it('refuses nested arrays, transforms inside arrays, empty or overlapping updates, and non-plain objects', async () => {
      const { store, root } = await fresh();
      await store.set(`${root}/d`, { a: 1, m: { x: 1 } });
      await refused(store.set(`${root}/n`, { t: [[1]] }));
      await refused(store.set(`${root}/n`, { l: [fieldOps.arrayUnion('a')] }));
      await refused(store.update(`${root}/d`, {}));
      await refused(store.update(`${root}/d`, { m: { a: 1 }, 'm.b': 2 }));
      await refused(
        store.set(`${root}/n`, {
          p: new (class Point {
            x = 1;
          })(),
        }),
      );
      await refused(store.get(root)); // a collection path where a document path belongs
      await refused(store.query(`${root}/d`));
      expect((await store.get(`${root}/n`)).exists).toBe(false);
      // Arrays of maps holding arrays are fine.
      await store.set(`${root}/n`, { rows: [{ t: [1, 2] }] });
      expect((await store.get(`${root}/n`)).data).toEqual({ rows: [{ t: [1, 2] }] });
    });

    it('orders values as Firestore does: strings by code point, arrays element by element, maps key by key', async () => {
      const { store, root } = await fresh();
      const col = `${root}/c/ordered`;
      const values: unknown[] = [
        [10],
        [9],
        [9, 1],
        { a: 1, b: 2 },
        { a: 1 },
        { b: 0 },
        { a: 2 },
        '\uFFFD',
        '😀',
        'z',
        'é',
        [1, 'a'],
        [1, 2],
      ];
      for (const [i, v] of values.entries()) await store.set(`${col}/v${String(i).padStart(2, '0')}`, { v });
      const ordered = await store.query(col, { orderBy: [{ field: 'v' }] });
      expect(ordered.map((d) => d.data?.v)).toEqual([
        'z',
        'é',
        '\uFFFD',
        '😀',
        [1, 2],
        [1, 'a'],
        [9],
        [9, 1],
        [10],
        { a: 1 },
        { a: 1, b: 2 },
        { a: 2 },
        { b: 0 },
      ]);
      const atLeast = await store.query(col, { where: [['v', '>=', { a: 1 }]], orderBy: [{ field: 'v' }] });
      expect(atLeast.map((d) => d.data?.v)).toEqual([{ a: 1 }, { a: 1, b: 2 }, { a: 2 }, { b: 0 }]);
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
