import { describe, expect, it } from 'vitest';
import { MemoryDocumentStore } from '../../../src/adapters/memory/memoryDocumentStore.js';
import { audiencePage } from '../../../src/app/notifications/audience.js';
import { issuerOf, recordedQueries } from '../../support/queryRecorder.js';

const stack = (...files: string[]) =>
  ['Error', ...files.map((f, i) => `    at fn${i} (${process.cwd()}/${f}:${10 + i}:5)`)].join('\n');

describe('the query recorder (test/support/queryRecorder.ts, the unit project’s setup file)', () => {
  it('attributes a query to the product code on its stack, past the store and pass-through wrappers', () => {
    expect(
      issuerOf(
        stack(
          'test/support/queryRecorder.ts',
          'src/adapters/memory/memoryDocumentStore.ts',
          'src/app/compliance/pages.ts',
          'src/app/compliance/exports.ts',
          'test/unit/compliance/exports.test.ts',
        ),
      ),
    ).toEqual({ origin: 'product', site: 'src/app/compliance/pages.ts:12 ← src/app/compliance/exports.ts:13' });
    // Through a test's own wrapper of the store, still product code's query.
    expect(
      issuerOf(stack('src/adapters/memory/memoryDocumentStore.ts', 'test/support/wrapper.ts', 'src/app/x.ts')),
    ).toEqual({ origin: 'product', site: 'src/app/x.ts:12' });
    expect(
      issuerOf(
        stack('src/adapters/memory/memoryDocumentStore.ts', 'src/local/observedStore.ts', 'src/local/scenario.ts'),
      ),
    ).toEqual({ origin: 'local', site: 'src/local/scenario.ts:12' });
    expect(
      issuerOf(
        stack(
          'src/adapters/memory/memoryDocumentStore.ts',
          'test/contracts/documentStore.contract.ts',
          '../node_modules/@vitest/runner/dist/index.js',
        ),
      ),
    ).toBeUndefined();
  });

  it('records product queries as they are issued, and not the ones test code issues itself', async () => {
    const store = new MemoryDocumentStore();
    await audiencePage(store, { kind: 'followers', creatorId: 'recorder_probe' }, 10);
    await store.query('recorder_probe_items', { where: [['a', '==', 1]], orderBy: [{ field: 'b' }] });
    const followers = recordedQueries().find((q) => q.shape.collectionGroup === 'followers');
    expect(followers).toMatchObject({
      origin: 'product',
      shape: { scope: 'COLLECTION', orderBy: [{ field: 'uid', direction: 'asc' }], limit: true },
    });
    expect(followers!.sites[0]).toMatch(/^src\/app\/notifications\/audience\.ts:\d+$/);
    expect(recordedQueries().some((q) => q.shape.collectionGroup === 'recorder_probe_items')).toBe(false);
  });
});
