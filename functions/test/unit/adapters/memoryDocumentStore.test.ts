import { describe, expect, it } from 'vitest';
import { MemoryDocumentStore } from '../../../src/adapters/memory/memoryDocumentStore.js';
import { AppError } from '../../../src/domain/errors.js';
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
});
