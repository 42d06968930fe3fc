import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * firestore.indexes.json as messaging needs it (vitest runs from functions/; the file sits at the repository root).
 * The TTL policies matter most: a missing one is not an error anywhere, the documents just pile up.
 */
interface FieldOverride {
  collectionGroup: string;
  fieldPath: string;
  ttl?: boolean;
  indexes: unknown[];
}
interface Index {
  collectionGroup: string;
  queryScope: string;
  fields: Array<{ fieldPath: string; order?: string; arrayConfig?: string }>;
}
const config = JSON.parse(readFileSync(resolve('..', 'firestore.indexes.json'), 'utf8')) as {
  indexes: Index[];
  fieldOverrides: FieldOverride[];
};

describe('firestore.indexes.json (messaging)', () => {
  it('TTL policies on the typing indicators and the trigger markers', () => {
    const ttl = config.fieldOverrides.filter((o) => o.ttl).map((o) => `${o.collectionGroup}.${o.fieldPath}`);
    expect(ttl).toEqual(expect.arrayContaining(['typing.expiresAt', 'processed.expireAt']));
  });

  it('declares each field override once (the deploy rejects duplicates)', () => {
    const keys = config.fieldOverrides.map((o) => `${o.collectionGroup}.${o.fieldPath}`);
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
  });

  it('a user’s conversations by memberIds array-contains and lastMessageAt desc; memberships by uid across conversations', () => {
    expect(config.indexes).toContainEqual(
      expect.objectContaining({
        collectionGroup: 'conversations',
        fields: [
          { fieldPath: 'memberIds', arrayConfig: 'CONTAINS' },
          { fieldPath: 'lastMessageAt', order: 'DESCENDING' },
        ],
      }),
    );
    // onUserProfileUpdated and erasure query members by uid as a collection group.
    const uid = config.fieldOverrides.find((o) => o.collectionGroup === 'members' && o.fieldPath === 'uid');
    expect(uid?.indexes).toContainEqual({ order: 'ASCENDING', queryScope: 'COLLECTION_GROUP' });
  });
});
