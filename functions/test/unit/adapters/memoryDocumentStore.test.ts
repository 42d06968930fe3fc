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
});
