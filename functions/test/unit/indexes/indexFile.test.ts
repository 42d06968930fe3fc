import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { IndexFile } from '../../../src/domain/firestoreIndexes.js';
import { checkQuery, indexFileProblems, shapeOf } from '../../../src/domain/firestoreIndexes.js';
import { INDEX_FILE } from '../../support/queryRecorder.js';

/**
 * firestore.indexes.json deploys (`firebase deploy --only firestore:indexes`) and serves the queries clients issue
 * through the Firestore SDK, which no test of this repository runs. The queries the functions issue are checked
 * after every unit test file by test/support/queryRecorder.ts.
 */
const raw = JSON.parse(readFileSync(INDEX_FILE, 'utf8')) as unknown;
const file = raw as IndexFile;

interface FirestoreApiLike {
  upgradeOldSpec(spec: unknown): unknown;
  validateSpec(spec: unknown): void;
}

describe('firestore.indexes.json', () => {
  it('passes the validation firebase-tools runs before deploying it', () => {
    // firebase-tools (a root devDependency) validates offline in FirestoreApi.deploy: upgradeOldSpec, then validateSpec.
    const require = createRequire(__filename);
    const { FirestoreApi } = require('firebase-tools/lib/firestore/api.js') as {
      FirestoreApi: new () => FirestoreApiLike;
    };
    const api = new FirestoreApi();
    expect(() => api.validateSpec(api.upgradeOldSpec(raw))).not.toThrow();
    // And the validator does catch a broken override (so the line above proves something).
    expect(() =>
      api.validateSpec(api.upgradeOldSpec({ indexes: [], fieldOverrides: [{ collectionGroup: 'x', fieldPath: 'y' }] })),
    ).toThrow(/indexes/);
  });

  it('declares nothing twice and no composite index the Admin API would refuse', () => {
    expect(indexFileProblems(file)).toEqual([]);
  });

  it('serves the client queries the README documents', () => {
    // A user's conversation list (README, "Typing indicators"/conversation list).
    const conversationList = shapeOf('conversations', false, {
      where: [['memberIds', 'array-contains', 'uid']],
      orderBy: [{ field: 'lastMessageAt', direction: 'desc' }],
      limit: 30,
    });
    expect(checkQuery(conversationList, file)).toMatchObject({ served: true });
  });
});
