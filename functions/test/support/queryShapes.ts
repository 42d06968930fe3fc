/**
 * Every distinct query shape a unit run recorded, with the index that serves it:
 *   QUERY_SHAPES_DIR=/tmp/shapes npx vitest run --project unit && npx tsx test/support/queryShapes.ts /tmp/shapes
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Verdict } from '../../src/domain/firestoreIndexes.js';

interface Recorded {
  testPath: string;
  queries: Array<{ description: string; origin: 'product' | 'local'; sites: string[]; verdict: Verdict }>;
}

const dir = process.argv[2];
if (!dir) throw new Error('usage: tsx test/support/queryShapes.ts <QUERY_SHAPES_DIR>');
const shapes = new Map<string, { origin: string; sites: Set<string>; verdict: Verdict }>();
for (const name of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
  const file = JSON.parse(readFileSync(join(dir, name), 'utf8')) as Recorded;
  for (const q of file.queries) {
    const entry = shapes.get(q.description) ?? { origin: q.origin, sites: new Set<string>(), verdict: q.verdict };
    if (q.origin === 'product') entry.origin = 'product';
    q.sites.forEach((s) => entry.sites.add(s.split(' ← ')[0]!));
    shapes.set(q.description, entry);
  }
}
for (const [description, { origin, sites, verdict }] of [...shapes].sort(([a], [b]) => a.localeCompare(b))) {
  const how = verdict.served ? verdict.by.join(' + ') : `NOT SERVED: ${verdict.reason}`;
  console.log(
    `${verdict.served ? 'ok  ' : 'FAIL'} ${origin === 'local' ? '[local run] ' : ''}${description}\n     ${[...sites].join(', ')}\n     ${how}`,
  );
}
const product = [...shapes.values()].filter((s) => s.origin === 'product');
console.log(
  `\n${shapes.size} distinct query shapes (${product.length} from product code, ${shapes.size - product.length} from the local run); ${[...shapes.values()].filter((s) => !s.verdict.served).length} not served`,
);
