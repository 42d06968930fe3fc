/**
 * A setup file of the unit project (vitest.config.mts): records the shape of every query product code issues through
 * the in-memory DocumentStore while a test file runs, and after the file fails it if Firestore could not serve one of
 * them with firestore.indexes.json (src/domain/firestoreIndexes.ts decides), naming the query, the code that issued
 * it and the index definition to add. The emulator serves any query, so this is where a missing index shows before
 * production answers FAILED_PRECONDITION.
 *
 * Who issued a query is read from the stack at the call (the memory store calls the observer synchronously): the
 * src/ frames outside the store and the local run's pass-through wrapper. Queries with no such frame come from test
 * code itself (the store's contract suite, assertions that read state back) and are not checked; queries the local
 * run issues itself (src/local: `npm start`, in-memory only, never against Firestore) are recorded but do not fail.
 *
 * QUERY_SHAPES_DIR=<dir> also writes what each file recorded to <dir>/<file>.json (test/support/queryShapes.ts reads
 * them back into one list).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { afterAll, expect } from 'vitest';
import { observeQueries } from '../../src/adapters/memory/memoryDocumentStore.js';
import type { IndexFile, QueryShape } from '../../src/domain/firestoreIndexes.js';
import { checkQuery, describeShape, shapeKey, shapeOf } from '../../src/domain/firestoreIndexes.js';

const FUNCTIONS_DIR = resolve(__dirname, '..', '..');
export const INDEX_FILE = resolve(FUNCTIONS_DIR, '..', 'firestore.indexes.json');

/** Frames that only pass a query on. */
const PASS_THROUGH = ['test/support/queryRecorder.ts', 'src/adapters/memory/', 'src/local/observedStore.ts'];

export type Origin = 'product' | 'local';

export interface RecordedQuery {
  readonly shape: QueryShape;
  readonly origin: Origin;
  /** Issuing call sites, `src/app/x.ts:12 ← src/app/y.ts:40` (nearest first). */
  readonly sites: string[];
}

/** The product call sites on a query's stack (nearest first), or undefined when only test code issued it. */
export function issuerOf(stack: string): { origin: Origin; site: string } | undefined {
  const frames: string[] = [];
  for (const line of stack.split('\n').slice(1)) {
    const match = /\(?((?:file:\/\/)?\/[^():]+):(\d+):\d+\)?\s*$/.exec(line);
    if (!match) continue;
    const file = relative(FUNCTIONS_DIR, match[1]!.replace(/^file:\/\//, ''))
      .split(sep)
      .join('/');
    if (file.startsWith('..') || file.includes('node_modules/')) continue;
    if (PASS_THROUGH.some((p) => file.startsWith(p))) continue;
    frames.push(`${file}:${match[2]}`);
  }
  // Product code anywhere on the stack issued it (through a test's wrapper of the store, too); none: test code did.
  const chain: string[] = [];
  for (const frame of frames.filter((f) => f.startsWith('src/'))) {
    if (chain.length === 3) break;
    if (!chain.some((f) => f.split(':')[0] === frame.split(':')[0])) chain.push(frame);
  }
  if (chain.length === 0) return undefined;
  return { origin: chain[0]!.startsWith('src/local/') ? 'local' : 'product', site: chain.join(' ← ') };
}

const recorded = new Map<string, RecordedQuery>();

/** What this test file has recorded so far. */
export function recordedQueries(): RecordedQuery[] {
  return [...recorded.values()];
}

observeQueries(({ collection, group, spec }) => {
  const issuer = issuerOf(new Error().stack ?? '');
  if (!issuer) return;
  const shape = shapeOf(collection, group, spec);
  const key = shapeKey(shape);
  const entry = recorded.get(key) ?? { shape, origin: issuer.origin, sites: [] };
  if (issuer.origin === 'product') Object.assign(entry, { origin: 'product' });
  if (!entry.sites.includes(issuer.site)) entry.sites.push(issuer.site);
  recorded.set(key, entry);
});

afterAll(() => {
  observeQueries(undefined);
  const file = JSON.parse(readFileSync(INDEX_FILE, 'utf8')) as IndexFile;
  const results = [...recorded.values()].map((q) => ({
    ...q,
    description: describeShape(q.shape),
    verdict: checkQuery(q.shape, file),
  }));
  const dir = process.env.QUERY_SHAPES_DIR;
  if (dir) {
    const testPath = relative(FUNCTIONS_DIR, expect.getState().testPath ?? 'unknown')
      .split(sep)
      .join('/');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      resolve(dir, `${testPath.replace(/[/\\]/g, '__')}.json`),
      JSON.stringify({ testPath, queries: results }, null, 2),
    );
  }
  recorded.clear();
  const failures = results.filter((r) => r.origin === 'product' && !r.verdict.served);
  if (failures.length === 0) return;
  const text = failures.map((r) => {
    const v = r.verdict as Extract<typeof r.verdict, { served: false }>;
    return [
      `  ${r.description}`,
      `    issued at ${r.sites.join('\n              ')}`,
      `    ${v.reason}`,
      ...(v.add.indexes ?? []).map((i) => `    add to "indexes": ${JSON.stringify(i)}`),
      ...(v.add.fieldOverrides ?? []).map((o) => `    add to (or replace in) "fieldOverrides": ${JSON.stringify(o)}`),
    ].join('\n');
  });
  throw new Error(
    `${failures.length} quer${failures.length === 1 ? 'y' : 'ies'} that Firestore cannot serve with firestore.indexes.json:\n${text.join('\n')}`,
  );
});
