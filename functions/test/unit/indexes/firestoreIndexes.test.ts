import { describe, expect, it } from 'vitest';
import type { IndexFile, QueryShape } from '../../../src/domain/firestoreIndexes.js';
import { checkQuery, indexFileProblems, requirementOf, shapeOf } from '../../../src/domain/firestoreIndexes.js';

/** The checker against Firestore's indexing rules (src/domain/firestoreIndexes.ts cites them), one rule a case. */

const q = (collection: string, spec: Parameters<typeof shapeOf>[2] = {}, group = false): QueryShape =>
  shapeOf(collection, group, spec);

const served = (shape: QueryShape, file: IndexFile) => checkQuery(shape, file).served;

const EMPTY: IndexFile = { indexes: [], fieldOverrides: [] };

describe('automatic single-field indexes (collection scope)', () => {
  it('serve no filter, one equality, several equalities (index merging), one range or sort on one field, array-contains', () => {
    expect(served(q('users/u1/devices'), EMPTY)).toBe(true);
    expect(served(q('deliveries', { where: [['uid', '==', 'u1']], limit: 10 }), EMPTY)).toBe(true);
    expect(
      served(
        q('digests', {
          where: [
            ['uid', '==', 'u'],
            ['status', '==', 'pending'],
          ],
        }),
        EMPTY,
      ),
    ).toBe(true);
    expect(served(q('auditLog', { where: [['action', 'in', ['a', 'b']]] }), EMPTY)).toBe(true);
    expect(
      served(
        q('conversations', {
          where: [
            ['memberIds', 'array-contains', 'u1'],
            ['type', '==', 'group'],
          ],
        }),
        EMPTY,
      ),
    ).toBe(true);
    expect(served(q('users/u/followers', { orderBy: [{ field: 'uid' }], startAfter: ['u9'], limit: 50 }), EMPTY)).toBe(
      true,
    );
    expect(
      served(
        q('deliveries', {
          where: [
            ['createdAt', '<', 1],
            ['createdAt', '>=', 0],
          ],
          orderBy: [{ field: 'createdAt' }],
        }),
        EMPTY,
      ),
    ).toBe(true);
    expect(served(q('messages', { orderBy: [{ field: 'createdAt', direction: 'desc' }] }), EMPTY)).toBe(true);
    expect(served(q('items', { where: [['n', '!=', 3]] }), EMPTY)).toBe(true);
  });

  it('do not serve equality plus a sort or range on another field, two sort fields, or ranges on two fields', () => {
    const eqSort = checkQuery(
      q('digests', { where: [['status', '==', 'pending']], orderBy: [{ field: 'releaseAt' }] }),
      EMPTY,
    );
    expect(eqSort).toMatchObject({
      served: false,
      add: {
        indexes: [
          {
            collectionGroup: 'digests',
            queryScope: 'COLLECTION',
            fields: [
              { fieldPath: 'status', order: 'ASCENDING' },
              { fieldPath: 'releaseAt', order: 'ASCENDING' },
            ],
          },
        ],
      },
    });
    // The range field is the implicit sort: (status, releasedAt).
    const eqRange = checkQuery(
      q('digests', {
        where: [
          ['status', '==', 'releasing'],
          ['releasedAt', '<=', 0],
        ],
      }),
      EMPTY,
    );
    expect(eqRange).toMatchObject({
      served: false,
      add: { indexes: [{ fields: [{ fieldPath: 'status' }, { fieldPath: 'releasedAt', order: 'ASCENDING' }] }] },
    });
    expect(
      served(q('notifications', { orderBy: [{ field: 'read' }, { field: 'sortKey', direction: 'desc' }] }), EMPTY),
    ).toBe(false);
    expect(
      served(
        q('cities', {
          where: [
            ['population', '>', 1],
            ['density', '<', 2],
          ],
        }),
        EMPTY,
      ),
    ).toBe(false);
    expect(
      served(
        q('conversations', {
          where: [['memberIds', 'array-contains', 'u']],
          orderBy: [{ field: 'lastMessageAt', direction: 'desc' }],
        }),
        EMPTY,
      ),
    ).toBe(false);
  });
});

describe('field overrides', () => {
  const TTL: IndexFile = {
    indexes: [],
    fieldOverrides: [{ collectionGroup: 'typing', fieldPath: 'expiresAt', ttl: true, indexes: [] }],
  };

  it('a TTL field exempted with indexes: [] serves no query on it: typing where expiresAt > now fails, naming the override to add', () => {
    const verdict = checkQuery(q('conversations/c1/typing', { where: [['expiresAt', '>', new Date()]] }), TTL);
    expect(verdict).toEqual({
      served: false,
      reason: expect.stringContaining('its field override typing.expiresAt (TTL) lists no indexes') as unknown,
      add: {
        fieldOverrides: [
          {
            collectionGroup: 'typing',
            fieldPath: 'expiresAt',
            ttl: true,
            indexes: [{ order: 'ASCENDING', queryScope: 'COLLECTION' }],
          },
        ],
      },
    });
    expect(served(q('conversations/c1/typing', { where: [['expiresAt', '==', 1]] }), TTL)).toBe(false);
    expect(served(q('conversations/c1/typing', { orderBy: [{ field: 'expiresAt' }] }), TTL)).toBe(false);
    // Other fields of the group, and the field in other groups, keep their automatic indexes.
    expect(served(q('conversations/c1/typing', { where: [['uid', '==', 'u']] }), TTL)).toBe(true);
    expect(served(q('notifications', { where: [['expiresAt', '<', 1]] }), TTL)).toBe(true);
  });

  it('an override replaces the automatic settings: only the directions and scopes it lists exist', () => {
    const file: IndexFile = {
      indexes: [],
      fieldOverrides: [
        {
          collectionGroup: 'messages',
          fieldPath: 'createdAt',
          indexes: [{ order: 'ASCENDING', queryScope: 'COLLECTION' }],
        },
      ],
    };
    expect(served(q('conversations/c/messages', { orderBy: [{ field: 'createdAt' }] }), file)).toBe(true);
    expect(
      checkQuery(q('conversations/c/messages', { orderBy: [{ field: 'createdAt', direction: 'desc' }] }), file),
    ).toMatchObject({
      served: false,
      add: {
        fieldOverrides: [
          {
            collectionGroup: 'messages',
            fieldPath: 'createdAt',
            indexes: [
              { order: 'ASCENDING', queryScope: 'COLLECTION' },
              { order: 'DESCENDING', queryScope: 'COLLECTION' },
            ],
          },
        ],
      },
    });
    expect(served(q('conversations/c/messages', { where: [['createdAt', 'array-contains', 1]] }), file)).toBe(false);
  });

  it('map subfields inherit their parent’s exemption; `*` exempts every field without its own override', () => {
    const file: IndexFile = {
      indexes: [],
      fieldOverrides: [
        { collectionGroup: 'events', fieldPath: 'payload', indexes: [] },
        { collectionGroup: 'logs', fieldPath: '*', indexes: [] },
        { collectionGroup: 'logs', fieldPath: 'at', indexes: [{ order: 'ASCENDING', queryScope: 'COLLECTION' }] },
      ],
    };
    expect(served(q('events', { where: [['payload.orderId', '==', 'o1']] }), file)).toBe(false);
    expect(served(q('events', { where: [['type', '==', 'x']] }), file)).toBe(true);
    expect(served(q('logs', { where: [['level', '==', 'x']] }), file)).toBe(false);
    expect(served(q('logs', { where: [['at', '>', 0]] }), file)).toBe(true);
  });
});

describe('collection group queries', () => {
  const members = q('members', { where: [['uid', '==', 'u1']] }, true);

  it('are not served by automatic indexes, even with one equality filter', () => {
    expect(checkQuery(members, EMPTY)).toMatchObject({
      served: false,
      reason: expect.stringContaining('collection-group single-field indexes are not automatic') as unknown,
      add: {
        fieldOverrides: [
          {
            collectionGroup: 'members',
            fieldPath: 'uid',
            indexes: [
              { order: 'ASCENDING', queryScope: 'COLLECTION' },
              { order: 'DESCENDING', queryScope: 'COLLECTION' },
              { order: 'ASCENDING', queryScope: 'COLLECTION_GROUP' },
            ],
          },
        ],
      },
    });
    // Without filters or sort the document-name index serves them.
    expect(served(q('members', {}, true), EMPTY)).toBe(true);
  });

  it('are served by a COLLECTION_GROUP single-field override, or a COLLECTION_GROUP composite, never a COLLECTION one', () => {
    const override: IndexFile = {
      indexes: [],
      fieldOverrides: [
        {
          collectionGroup: 'members',
          fieldPath: 'uid',
          indexes: [{ order: 'ASCENDING', queryScope: 'COLLECTION_GROUP' }],
        },
      ],
    };
    expect(served(members, override)).toBe(true);
    // That override dropped the collection-scope indexes the field had.
    expect(served(q('conversations/c/members', { where: [['uid', '==', 'u1']] }), override)).toBe(false);

    const bySender = q(
      'messages',
      {
        where: [
          ['senderId', '==', 'u'],
          ['createdAt', '>=', 0],
        ],
        orderBy: [{ field: 'createdAt' }],
        limit: 500,
      },
      true,
    );
    const composite = (queryScope: 'COLLECTION' | 'COLLECTION_GROUP'): IndexFile => ({
      indexes: [
        {
          collectionGroup: 'messages',
          queryScope,
          fields: [
            { fieldPath: 'senderId', order: 'ASCENDING' },
            { fieldPath: 'createdAt', order: 'ASCENDING' },
          ],
        },
      ],
    });
    expect(served(bySender, composite('COLLECTION_GROUP'))).toBe(true);
    expect(checkQuery(bySender, composite('COLLECTION'))).toMatchObject({
      served: false,
      add: { indexes: [{ queryScope: 'COLLECTION_GROUP' }] },
    });
  });
});

describe('composite indexes', () => {
  const conversations: IndexFile = {
    indexes: [
      {
        collectionGroup: 'conversations',
        queryScope: 'COLLECTION',
        fields: [
          { fieldPath: 'memberIds', arrayConfig: 'CONTAINS' },
          { fieldPath: 'lastMessageAt', order: 'DESCENDING' },
        ],
      },
    ],
  };

  it('match equality fields in any order and direction, then the sort fields exactly, array-contains as CONTAINS', () => {
    expect(
      served(
        q('conversations', {
          where: [['memberIds', 'array-contains', 'u']],
          orderBy: [{ field: 'lastMessageAt', direction: 'desc' }],
        }),
        conversations,
      ),
    ).toBe(true);
    expect(
      served(
        q('conversations', { where: [['memberIds', 'array-contains', 'u']], orderBy: [{ field: 'lastMessageAt' }] }),
        conversations,
      ),
    ).toBe(false);
    expect(
      served(
        q('conversations', {
          where: [['memberIds', '==', ['u']]],
          orderBy: [{ field: 'lastMessageAt', direction: 'desc' }],
        }),
        conversations,
      ),
    ).toBe(false);
    expect(
      served(
        q('conversations', {
          where: [
            ['memberIds', 'array-contains', 'u'],
            ['type', '==', 'group'],
          ],
          orderBy: [{ field: 'lastMessageAt', direction: 'desc' }],
        }),
        conversations,
      ),
    ).toBe(false);
    const reversed: IndexFile = {
      indexes: [
        {
          collectionGroup: 'digests',
          queryScope: 'COLLECTION',
          fields: [
            { fieldPath: 'uid', order: 'DESCENDING' },
            { fieldPath: 'status', order: 'ASCENDING' },
            { fieldPath: 'releaseAt', order: 'ASCENDING' },
          ],
        },
      ],
    };
    expect(
      served(
        q('digests', {
          where: [
            ['status', '==', 'p'],
            ['uid', '==', 'u'],
          ],
          orderBy: [{ field: 'releaseAt' }],
        }),
        reversed,
      ),
    ).toBe(true);
    // An index with an extra equality field the query lacks does not serve it.
    expect(served(q('digests', { where: [['status', '==', 'p']], orderBy: [{ field: 'releaseAt' }] }), reversed)).toBe(
      false,
    );
  });

  it('merge: indexes that each hold some equality fields and the same sort serve any combination of them', () => {
    const restaurants: IndexFile = {
      indexes: ['category', 'city', 'editors_pick'].map((field) => ({
        collectionGroup: 'restaurants',
        queryScope: 'COLLECTION' as const,
        fields: [
          { fieldPath: field, order: 'ASCENDING' as const },
          { fieldPath: 'star_rating', order: 'DESCENDING' as const },
        ],
      })),
    };
    const where: Array<[string, '==', unknown]> = [
      ['category', '==', 'burgers'],
      ['city', '==', 'SF'],
      ['editors_pick', '==', true],
    ];
    expect(
      checkQuery(q('restaurants', { where, orderBy: [{ field: 'star_rating', direction: 'desc' }] }), restaurants),
    ).toMatchObject({
      served: true,
      by: expect.arrayContaining([
        expect.stringContaining('category'),
        expect.stringContaining('city'),
        expect.stringContaining('editors_pick'),
      ]) as unknown,
    });
    expect(
      served(
        q('restaurants', {
          where: [...where, ['price', '==', 2]],
          orderBy: [{ field: 'star_rating', direction: 'desc' }],
        }),
        restaurants,
      ),
    ).toBe(false);
  });

  it('the sort is orderBy, then unnamed inequality fields by name in the last direction; __name__ last is free', () => {
    expect(
      requirementOf(
        q('c', {
          where: [
            ['b', '>', 1],
            ['a', '<', 2],
            ['x', '==', 1],
          ],
          orderBy: [
            { field: 'z', direction: 'desc' },
            { field: '__name__', direction: 'desc' },
          ],
        }),
      ),
    ).toEqual({
      scope: 'COLLECTION',
      collectionGroup: 'c',
      equality: [{ field: 'x', mode: 'VALUE' }],
      order: [
        { field: 'z', order: 'DESCENDING' },
        { field: 'a', order: 'DESCENDING' },
        { field: 'b', order: 'DESCENDING' },
      ],
    });
    // An equality field that is also sorted on sits in the sort part, in its direction.
    expect(
      requirementOf(
        q('n', {
          where: [
            ['archived', '==', false],
            ['read', '==', false],
          ],
          orderBy: [{ field: 'read' }, { field: 'sortKey', direction: 'desc' }],
        }),
      ).order.map((o) => o.field),
    ).toEqual(['read', 'sortKey']);
    const withName: IndexFile = {
      indexes: [
        {
          collectionGroup: 'c',
          queryScope: 'COLLECTION',
          fields: [
            { fieldPath: 'a', order: 'ASCENDING' },
            { fieldPath: 'b', order: 'ASCENDING' },
            { fieldPath: '__name__', order: 'ASCENDING' },
          ],
        },
      ],
    };
    expect(served(q('c', { where: [['a', '==', 1]], orderBy: [{ field: 'b' }] }), withName)).toBe(true);
  });
});

describe('indexFileProblems', () => {
  it('finds what firebase-tools’ validator lets through and the deploy refuses or repeats', () => {
    const index = {
      collectionGroup: 'd',
      queryScope: 'COLLECTION' as const,
      fields: [
        { fieldPath: 's', order: 'ASCENDING' as const },
        { fieldPath: 'r', order: 'ASCENDING' as const },
      ],
    };
    expect(
      indexFileProblems({
        indexes: [
          index,
          { ...index, fields: [...index.fields, { fieldPath: '__name__', order: 'ASCENDING' }] },
          { collectionGroup: 'd', queryScope: 'COLLECTION', fields: [{ fieldPath: 's', order: 'ASCENDING' }] },
          {
            collectionGroup: 'd',
            queryScope: 'COLLECTION',
            fields: [
              { fieldPath: 'a', arrayConfig: 'CONTAINS' },
              { fieldPath: 'b', arrayConfig: 'CONTAINS' },
            ],
          },
        ],
        fieldOverrides: [
          { collectionGroup: 't', fieldPath: 'e', ttl: true, indexes: [] },
          {
            collectionGroup: 't',
            fieldPath: 'e',
            indexes: [{ order: 'ASCENDING' }, { order: 'ASCENDING', queryScope: 'COLLECTION' }],
          },
        ],
      }),
    ).toEqual([
      'composite index declared twice: d COLLECTION (s ASCENDING, r ASCENDING)',
      'a composite index needs two fields or more (use a field override for one): d COLLECTION (s ASCENDING)',
      'more than one array-contains field in d COLLECTION (a CONTAINS, b CONTAINS)',
      'field override declared twice: t.e',
      'field override t.e lists an index twice',
    ]);
  });
});
