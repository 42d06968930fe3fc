import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as surface from '../../../src/index.js';
import { REPO_ROOT, WEBHOOKS, buildModel } from '../../../scripts/api/model.js';
import { CLIENT_COLLECTIONS } from '../../../scripts/api/collections.js';
import { renderAll } from '../../../scripts/api/render.js';
import { formatted } from '../../../scripts/api/format.js';

/**
 * The API reference (docs/API.md, docs/api.json) and the typed client's types (client/src/generated.ts) are generated
 * from the code; this fails when a schema, contract, wrapper option, collection or index changed without
 * `npm run docs`.
 */
let model: Awaited<ReturnType<typeof buildModel>>;
let files: Record<string, string>;
beforeAll(async () => {
  model = await buildModel();
  files = await formatted(renderAll(model));
}, 60_000);

type Endpoint = { __endpoint?: { callableTrigger?: object; httpsTrigger?: object } };
/** Each function's endpoint description (the v1 Auth trigger's getter needs a project id, and is no callable). */
const endpointOf = (f: Endpoint) => {
  try {
    return f.__endpoint;
  } catch {
    return undefined;
  }
};
const deployed = Object.entries(surface as Record<string, Endpoint>).map(
  ([n, f]) => [n, { __endpoint: endpointOf(f) }] as const,
);

describe('API reference', () => {
  it.each(['docs/API.md', 'docs/api.json', 'client/src/generated.ts'])('%s is up to date (npm run docs)', (path) => {
    expect(Object.keys(files)).toContain(path);
    expect(readFileSync(join(REPO_ROOT, path), 'utf8'), `${path} is stale: run \`npm run docs\``).toBe(files[path]);
  });

  it('documents every callable of the deploy surface, and nothing else', () => {
    const callables = deployed.filter(([, f]) => f.__endpoint?.callableTrigger).map(([name]) => name);
    expect(model.callables.map((c) => c.name).sort()).toEqual(callables.sort());
  });

  it('documents every HTTPS endpoint of the deploy surface as a webhook', () => {
    const https = deployed.filter(([, f]) => f.__endpoint?.httpsTrigger).map(([name]) => name);
    expect(WEBHOOKS.map((w) => w.name).sort()).toEqual(https.sort());
  });

  it('the main callables declare their output and errors (src/app/<feature>/contract.ts)', () => {
    const declared = model.callables.filter((c) => !model.undeclared.includes(c.name)).map((c) => c.name);
    expect(declared.length).toBeGreaterThanOrEqual(40);
    for (const c of model.callables.filter((c) => declared.includes(c.name))) {
      expect(c.output, c.name).not.toEqual({});
      expect(c.input, c.name).not.toEqual({});
    }
  });

  it('lists a TTL only for the kinds of document that carry its field (a TTL policy covers a whole group)', () => {
    const ttlOf = (path: string) => model.collections.find((c) => c.path === path)?.ttl;
    // Both are in the `counters` group, whose policy is on expiresAt: only the day documents have one.
    expect(ttlOf('users/{uid}/counters/rate_{day}')).toEqual(['expiresAt']);
    expect(ttlOf('users/{uid}/counters/notifications')).toEqual([]);
  });

  it('every client query that needs a composite index has one in firestore.indexes.json', () => {
    for (const collection of CLIENT_COLLECTIONS) {
      const documented = model.collections.find((c) => c.path === collection.path)!;
      for (const query of collection.queries) {
        const fields = [
          ...query.where.map(([f, op]) => `${f} ${op === 'array-contains' ? 'CONTAINS' : ''}`.trim()),
          ...(query.orderBy ?? []).map(([f, d]) => `${f} ${d === 'desc' ? 'DESCENDING' : 'ASCENDING'}`),
        ];
        // Equality on one field, or one orderBy alone, is served by single-field indexes.
        if (new Set(fields.map((f) => f.split(' ')[0])).size < 2) continue;
        const served = documented.indexes.some((index) =>
          fields.every((f) =>
            index.fields.some((i) => i === f || (f.split(' ').length === 1 && i.startsWith(`${f} `))),
          ),
        );
        expect(served, `${collection.path}: ${JSON.stringify(query)}`).toBe(true);
      }
    }
  });
});
