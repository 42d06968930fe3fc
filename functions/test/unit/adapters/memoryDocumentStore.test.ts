import { describe, expect, it } from 'vitest';
import { MemoryDocumentStore } from '../../../src/adapters/memory/memoryDocumentStore.js';
import { AlreadyExistsError, AppError } from '../../../src/domain/errors.js';
import { fieldOps } from '../../../src/ports.js';
import { documentStoreContract } from '../../contracts/documentStore.contract.js';

documentStoreContract('in-memory', async () => ({ store: new MemoryDocumentStore(), root: 'contract' }));

describe('MemoryDocumentStore specifics', () => {
  it('rejects reads after writes inside a transaction, as Firestore does', async () => {
    const store = new MemoryDocumentStore();
    await expect(
      store.transaction(async (tx) => {
        tx.set('a/b', { v: 1 });
        await tx.get('a/c');
      }),
    ).rejects.toThrow(/reads before their writes/);
  });

  it('gives up on contention that outlasts every attempt with AppError unavailable, as the Firestore adapter does', async () => {
    const store = new MemoryDocumentStore();
    await store.set('a/b', { v: 0 });
    let attempts = 0;
    const error: unknown = await store
      .transaction(async (tx) => {
        attempts++;
        const snap = await tx.get('a/b');
        await store.set('a/b', { v: attempts }); // someone else writes what this transaction read, every time
        tx.update('a/b', { v: (snap.data?.v as number) + 1 });
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('unavailable');
    expect(attempts).toBe(50);
  });

  it('returns copies: mutating a read result does not change the store', async () => {
    const store = new MemoryDocumentStore();
    await store.set('a/b', { list: [1] });
    const snap = await store.get('a/b');
    (snap.data!.list as number[]).push(2);
    expect((await store.get('a/b')).data).toEqual({ list: [1] });
  });

  it('keeps one Date per time inside but hands out and takes in copies: mutating either side changes nothing stored', async () => {
    const store = new MemoryDocumentStore();
    const at = new Date('2026-06-10T14:00:00Z');
    await store.commit([
      { kind: 'set', path: 'a/1', data: { at, nested: { at } } },
      { kind: 'set', path: 'a/2', data: { at } },
    ]);
    at.setTime(0); // the caller's own Date, changed after the write
    const first = await store.get('a/1');
    (first.data!.at as Date).setTime(1); // a reader's copy, changed
    (first.data!.nested as { at: Date }).at.setTime(2);
    for (const path of ['a/1', 'a/2']) {
      expect(((await store.get(path)).data!.at as Date).toISOString()).toBe('2026-06-10T14:00:00.000Z');
    }
    expect(((await store.get('a/1')).data!.nested as { at: Date }).at.toISOString()).toBe('2026-06-10T14:00:00.000Z');
    const [row] = await store.query('a', { where: [['at', '==', new Date('2026-06-10T14:00:00Z')]], limit: 1 });
    expect(row!.id).toBe('1');
  });

  it('keeps id order and deletions in a collection grown one document at a time past its small size', async () => {
    const store = new MemoryDocumentStore();
    const ids = ['k', 'c', 'x', 'a', 'm', 'b', 'z', 'e', 'q', 'd', 'y', 'f'];
    for (const id of ids) await store.set(`users/u/items/${id}`, { id });
    await store.delete('users/u/items/m');
    await store.delete('users/u/items/a');
    const expected = ids.filter((id) => id !== 'm' && id !== 'a').sort();
    expect((await store.query('users/u/items')).map((d) => d.id)).toEqual(expected);
    expect(await store.listIds('users/u/items')).toEqual(expected);
    expect((await store.queryGroup('items', { limit: 3 })).map((d) => d.id)).toEqual(expected.slice(0, 3));
  });
  it('a refused batch leaves no trace of the paths it would have created (create, queries, listIds, groups)', async () => {
    const store = new MemoryDocumentStore();
    await store.set('a/taken', { v: 1 });
    await expect(
      store.commit([
        { kind: 'set', path: 'a/new', data: { v: 1 } },
        { kind: 'set', path: 'a/x/fresh/one', data: { v: 1 } },
        { kind: 'create', path: 'a/taken', data: { v: 2 } },
      ]),
    ).rejects.toBeInstanceOf(AlreadyExistsError);
    expect((await store.query('a')).map((d) => d.id)).toEqual(['taken']);
    expect(await store.listIds('a')).toEqual(['taken']);
    expect(await store.queryGroup('fresh')).toEqual([]);
    expect(await store.create('a/new', { v: 3 })).toBe(true);
    expect((await store.get('a/new')).data).toEqual({ v: 3 });
  });

  it('writes one path several times in a batch in order; created and deleted in one batch, it never exists', async () => {
    const store = new MemoryDocumentStore();
    await store.commit([
      { kind: 'create', path: 'c/d', data: { n: 1, m: { a: 1 } } },
      { kind: 'set', path: 'c/d', data: { m: { b: 2 } }, merge: true },
      { kind: 'update', path: 'c/d', data: { n: fieldOps.increment(2) } },
      { kind: 'create', path: 'c/gone', data: { n: 1 } },
      { kind: 'delete', path: 'c/gone' },
    ]);
    expect((await store.get('c/d')).data).toEqual({ n: 3, m: { a: 1, b: 2 } });
    expect((await store.query('c')).map((d) => d.id)).toEqual(['d']);
    expect(await store.create('c/gone', { n: 2 })).toBe(true);
  });

  it('finds in a group query the collections created, emptied and created again since the last one', async () => {
    const store = new MemoryDocumentStore();
    await store.set('u/1/g/a', { v: 1 });
    expect((await store.queryGroup('g')).map((d) => d.path)).toEqual(['u/1/g/a']);
    await store.set('u/2/g/b', { v: 1 });
    await store.set('u/3/g/c', { v: 1 });
    await store.delete('u/3/g/c');
    await store.delete('u/1/g/a');
    await store.set('u/1/g/a2', { v: 2 });
    expect((await store.queryGroup('g')).map((d) => d.path)).toEqual(['u/1/g/a2', 'u/2/g/b']);
    await store.delete('u/2/g/b');
    expect((await store.queryGroup('g')).map((d) => d.path)).toEqual(['u/1/g/a2']);
  });
  it('a collection grows from one document to two in either order, and back to none', async () => {
    const store = new MemoryDocumentStore();
    await store.set('u/1/n/m', { v: 1 });
    expect((await store.query('u/1/n')).map((d) => d.id)).toEqual(['m']);
    await store.set('u/1/n/a', { v: 2 });
    expect((await store.query('u/1/n')).map((d) => d.id)).toEqual(['a', 'm']);
    expect(await store.listIds('u/1/n')).toEqual(['a', 'm']);
    await store.delete('u/1/n/a');
    await store.delete('u/1/n/m');
    expect(await store.query('u/1/n')).toEqual([]);
    expect(await store.listIds('u')).toEqual([]);
    await store.set('u/1/n/z', { v: 3 });
    await store.delete('u/1/n/z');
    expect(await store.queryGroup('n')).toEqual([]);
    expect(await store.listIds('u')).toEqual([]);
  });
});
