import { resolve } from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The layering lint (eslint.config.mjs) fails when a layer imports upward or sideways out of its layer, statically or
 * with import(). Each snippet is linted with the project's own config as if it were a file at `filePath`.
 */
const root = resolve(__dirname, '../..');
let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: root });
});

async function layeringErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(root, filePath) });
  return result!.messages
    .filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax')
    .map((m) => m.message);
}

const upward: Array<[layer: string, filePath: string, code: string]> = [
  [
    'domain → SDK',
    'src/domain/x.ts',
    "import { getFirestore } from 'firebase-admin/firestore';\nexport const f = getFirestore;",
  ],
  [
    'domain → file-format library',
    'src/domain/x.ts',
    "import PDFDocument from 'pdfkit';\nexport const p = PDFDocument;",
  ],
  [
    'domain → app',
    'src/domain/search/x.ts',
    "import { AuditLog } from '../../app/audit.js';\nexport const a = AuditLog;",
  ],
  ['domain → config', 'src/domain/x.ts', "import { params } from '../config.js';\nexport const p = params;"],
  ['domain → ports (a value)', 'src/domain/x.ts', "import * as ports from '../ports.js';\nexport const p = ports;"],
  ['domain → dynamic import of an SDK', 'src/domain/x.ts', "export const load = () => import('twilio');"],
  ['domain → dynamic import of a file format', 'src/domain/x.ts', "export const load = () => import('csv-stringify');"],
  [
    'app → adapter',
    'src/app/x/y.ts',
    "import { MemoryLogger } from '../../adapters/memory/memoryLogger.js';\nexport const l = MemoryLogger;",
  ],
  [
    'app → composition root',
    'src/app/x/y.ts',
    "import type { Services } from '../../composition/services.js';\nexport type S = Services;",
  ],
  ['app → config', 'src/app/x.ts', "import { params } from '../config.js';\nexport const p = params;"],
  ['app → wrappers', 'src/app/x.ts', "import { services } from '../functions/runtime.js';\nexport const s = services;"],
  ['app → SDK', 'src/app/x.ts', "import { getAuth } from 'firebase-admin/auth';\nexport const a = getAuth;"],
  ['app → dynamic import of an SDK', 'src/app/x.ts', "export const load = () => import('@google-cloud/pubsub');"],
  ['app → dynamic import of the root', 'src/app/x.ts', "export const load = () => import('../composition/cloud.js');"],
  [
    'app → dynamic import with a computed specifier',
    'src/app/x.ts',
    'export const load = (name: string) => import(name);',
  ],
  [
    'adapter → app',
    'src/adapters/x/y.ts',
    "import { AuditLog } from '../../app/audit.js';\nexport const a = AuditLog;",
  ],
  [
    'adapter → composition root',
    'src/adapters/memory/y.ts',
    "import type { Services } from '../../composition/services.js';\nexport type S = Services;",
  ],
  ['adapter → config', 'src/adapters/x/y.ts', "import { params } from '../../config.js';\nexport const p = params;"],
  [
    'adapter → dynamic import of the wrappers',
    'src/adapters/x/y.ts',
    "export const load = () => import('../../functions/runtime.js');",
  ],
];

describe('layering lint', () => {
  it.each(upward)('fails on %s', async (_name, filePath, code) => {
    expect(await layeringErrors(filePath, code)).not.toEqual([]);
  });

  it('passes what each layer may import', async () => {
    expect(
      await layeringErrors(
        'src/domain/x.ts',
        "import { z } from 'zod';\nimport type { MessageRecord } from '../ports.js';\nimport { paths } from './paths.js';\nexport type R = MessageRecord;\nexport const a = [z, paths];",
      ),
    ).toEqual([]);
    expect(
      await layeringErrors(
        'src/app/x/y.ts',
        "import type { DocumentStore } from '../../ports.js';\nimport { paths } from '../../domain/paths.js';\nexport const load = () => import('pdfkit');\nexport type D = DocumentStore;\nexport const p = paths;",
      ),
    ).toEqual([]);
    expect(
      await layeringErrors(
        'src/adapters/x/y.ts',
        "import type { Clock } from '../../ports.js';\nexport const load = () => import('firebase-admin/messaging');\nexport type C = Clock;",
      ),
    ).toEqual([]);
    expect(
      await layeringErrors(
        'src/composition/x.ts',
        "import { params } from '../config.js';\nimport { AuditLog } from '../app/audit.js';\nimport { MemoryLogger } from '../adapters/memory/memoryLogger.js';\nexport const a = [params, AuditLog, MemoryLogger];",
      ),
    ).toEqual([]);
  });
});
