import { FieldValue, Timestamp } from '@google-cloud/firestore';
import { describe, expect, it } from 'vitest';
import { toFirestore } from '../../../src/adapters/firestore/firestoreDocumentStore.js';
import { fieldOps } from '../../../src/ports.js';

describe('toFirestore', () => {
  const at = new Date('2026-06-10T14:00:00Z');

  it('for a batch (copy false): a value without field ops or undefined fields is passed through, not copied', () => {
    const data = { uid: 'u1', at, jobs: [{ channel: 'push', at }], channels: { push: 'send' } };
    expect(toFirestore(data, false)).toBe(data);
  });

  it('for a batch: field ops become sentinels and undefined fields go, in a copy; the caller’s value is untouched', () => {
    const nested = { count: fieldOps.increment(1), ids: fieldOps.arrayUnion('d1'), at };
    const data = { uid: 'u1', gone: undefined, items: { k: nested }, list: [1, fieldOps.increment(2)], same: { a: 1 } };
    const out = toFirestore(data, false) as Record<string, Record<string, Record<string, unknown>>>;
    expect(Object.keys(out)).toEqual(['uid', 'items', 'list', 'same']);
    expect(out.items!.k!.count).toBeInstanceOf(FieldValue);
    expect((out.items!.k!.count as FieldValue).isEqual(FieldValue.increment(1))).toBe(true);
    expect((out.items!.k!.ids as FieldValue).isEqual(FieldValue.arrayUnion('d1'))).toBe(true);
    expect(out.items!.k!.at).toBe(at);
    expect((out.list as unknown as unknown[])[0]).toBe(1);
    expect(((out.list as unknown as unknown[])[1] as FieldValue).isEqual(FieldValue.increment(2))).toBe(true);
    // Unchanged branches are shared, changed ones copied; the input keeps its field ops.
    expect(out.same).toBe(data.same);
    expect('gone' in data).toBe(true);
    expect(nested.count).toEqual(fieldOps.increment(1));
  });

  it('for a transaction (the default): a copy as the value was when the write was made, Dates as Timestamps', () => {
    const data = { at, tags: [] as string[], meta: {} as Record<string, unknown>, deep: { n: 1 } };
    const out = toFirestore(data) as typeof data;
    expect(out).not.toBe(data);
    expect(out.tags).not.toBe(data.tags);
    expect(out.meta).not.toBe(data.meta);
    expect(out.deep).not.toBe(data.deep);
    expect(out.at).toEqual(Timestamp.fromDate(at));
    data.tags.push('late');
    data.deep.n = 2;
    expect(out.tags).toEqual([]);
    expect(out.deep).toEqual({ n: 1 });
  });
});
