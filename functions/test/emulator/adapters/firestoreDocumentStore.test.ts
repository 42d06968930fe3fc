import { isolatedFirestore } from '../isolatedProject.js';
import type { Query } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import { FirestoreDocumentStore } from '../../../src/adapters/firestore/firestoreDocumentStore.js';
import { QUERY_LIMITS } from '../../../src/adapters/documentRules.js';
import { documentStoreContract } from '../../contracts/documentStore.contract.js';

// Runs against the Firestore emulator (FIRESTORE_EMULATOR_HOST set by `firebase emulators:exec`).
let run = 0;
documentStoreContract('Firestore emulator', async () => ({
  store: new FirestoreDocumentStore(() => isolatedFirestore()),
  root: `contract-${process.pid}-${Date.now()}-${run++}`,
}));

/**
 * Both adapters refuse these query shapes before they run (src/adapters/documentRules.ts). This sends them to Firestore
 * itself, past the adapter, to show the check encodes what Firestore refuses and accepts (a newer emulator that moves
 * a limit fails here). Refused queries take the emulator about 7 s each, so they run side by side.
 */
describe('Firestore itself refuses the query shapes the adapters check', () => {
  const values = (n: number) => Array.from({ length: n }, (_, i) => i);

  it('limits, combinations and cursors', { timeout: 60_000 }, async () => {
    const db = isolatedFirestore();
    const col = db.collection(`raw-${process.pid}-${Date.now()}/c/items`);
    await col.doc('x').set({ n: 1, t: [1] });
    const outcome = async (build: () => Query): Promise<string> => {
      try {
        await build().get();
        return 'ok';
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        return typeof code === 'number' ? `server ${code}` : 'sdk';
      }
    };
    const cases: Record<string, () => Query> = {
      inAtLimit: () => col.where('n', 'in', values(QUERY_LIMITS.in)),
      inOver: () => col.where('n', 'in', values(QUERY_LIMITS.in + 1)),
      inEmpty: () => col.where('n', 'in', []),
      anyAtLimit: () => col.where('t', 'array-contains-any', values(QUERY_LIMITS['array-contains-any'])),
      anyOver: () => col.where('t', 'array-contains-any', values(QUERY_LIMITS['array-contains-any'] + 1)),
      notInAtLimit: () => col.where('n', 'not-in', values(QUERY_LIMITS['not-in'])),
      notInOver: () => col.where('n', 'not-in', values(QUERY_LIMITS['not-in'] + 1)),
      disjunctionsAtLimit: () => col.where('n', 'in', values(15)).where('t', 'array-contains-any', [1, 2]),
      disjunctionsOver: () => col.where('n', 'in', values(16)).where('t', 'array-contains-any', [1, 2]),
      twoArrayContains: () => col.where('t', 'array-contains', 1).where('u', 'array-contains', 1),
      arrayContainsAndAny: () => col.where('t', 'array-contains', 1).where('u', 'array-contains-any', [1]),
      twoNotEqual: () => col.where('n', '!=', 1).where('m', '!=', 1),
      notInWithIn: () => col.where('n', 'not-in', [1]).where('m', 'in', [1]),
      notInWithNotEqual: () => col.where('n', 'not-in', [1]).where('m', '!=', 1),
      negativeLimit: () => col.limit(-1),
      rangeOnNull: () => col.where('n', '<', null),
      rangeOnNaN: () => col.where('n', '>', Number.NaN),
      cursorTooLong: () => col.orderBy('n').startAfter(1, 'x'),
      cursorWithoutOrder: () => col.startAfter(1),
    };
    const results = Object.fromEntries(
      await Promise.all(Object.entries(cases).map(async ([name, build]) => [name, await outcome(build)])),
    );
    expect(results).toEqual({
      inAtLimit: 'ok',
      inOver: 'server 3',
      inEmpty: 'server 3',
      anyAtLimit: 'ok',
      anyOver: 'server 3',
      notInAtLimit: 'ok',
      notInOver: 'server 3',
      disjunctionsAtLimit: 'ok',
      disjunctionsOver: 'server 3',
      twoArrayContains: 'server 3',
      arrayContainsAndAny: 'server 3',
      twoNotEqual: 'server 3',
      notInWithIn: 'server 3',
      notInWithNotEqual: 'server 3',
      negativeLimit: 'server 3',
      rangeOnNull: 'sdk',
      rangeOnNaN: 'sdk',
      cursorTooLong: 'sdk',
      cursorWithoutOrder: 'sdk',
    });
  });
});
