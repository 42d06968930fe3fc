import { createHmac } from 'node:crypto';
import { algoliasearch } from 'algoliasearch';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlgoliaMessageIndex } from '../../../src/adapters/algolia/algoliaMessageIndex.js';
import { MessageIndexer } from '../../../src/app/search/messageIndexer.js';
import { MessageSearch } from '../../../src/app/search/messageSearch.js';
import { MAX_TEXT_BYTES, MESSAGE_INDEX_SETTINGS } from '../../../src/domain/search/record.js';
import { searchMessagesSchema } from '../../../src/domain/search/searchRequest.js';
import { paths } from '../../../src/domain/paths.js';
import type { Caller } from '../../../src/domain/caller.js';
import { decodeSecuredKey, FakeAlgolia } from '../../support/fakes/algoliaServer.js';
import type { TestWorld } from '../../support/world.js';
import { bareWorld, seedConversation, seedMessage, seedUser } from '../../support/world.js';

const alice: Caller = { uid: 'alice', roles: new Set() };
const bob: Caller = { uid: 'bob', roles: new Set() };
const carol: Caller = { uid: 'carol', roles: new Set() };
const input = (data: unknown) => searchMessagesSchema.parse(data);

describe('message search on Algolia (real algoliasearch client, loopback Algolia)', () => {
  let fake: FakeAlgolia;
  let infra: TestWorld['infra'];
  let index: AlgoliaMessageIndex;
  let indexer: MessageIndexer;
  let search: MessageSearch;

  beforeEach(async () => {
    fake = await new FakeAlgolia().start();
    ({ infra } = bareWorld({ now: '2024-06-01T00:00:00Z' }));
    fake.nowSeconds = () => Math.floor(infra.clock.now().getTime() / 1000);
    index = new AlgoliaMessageIndex({
      credentials: () => ({ appId: fake.appId, adminKey: fake.adminKey, searchKey: fake.searchKey }),
      indexName: () => 'messages_test',
      hosts: fake.hosts,
      timeouts: { connect: 500, read: 1_000, write: 2_000 },
    });
    indexer = new MessageIndexer(infra.store, index, infra.logger);
    search = new MessageSearch(infra.store, index, infra.clock, infra.logger, { failures: 2, halfOpenAfterMs: 60_000 });
    await seedUser(infra.store, { uid: 'alice', displayName: 'Alice Weaver' });
    await seedUser(infra.store, { uid: 'bob', displayName: 'Bob Potter' });
    await seedUser(infra.store, { uid: 'carol', displayName: 'Carol Smith' });
    await seedConversation(infra.store, 'c1', ['alice', 'bob', 'carol']);
    await seedConversation(infra.store, 'c2', ['alice', 'bob']);
  });

  afterEach(async () => {
    await fake.stop();
  });

  it('sends a full record for a new message and the index settings', async () => {
    await seedMessage(infra.store, 'c1', 'm1', {
      senderId: 'alice',
      type: 'file',
      text: 'Indigo yarn, 3 skeins',
      attachments: [
        {
          kind: 'file',
          path: 'conversations/c1/alice/spec.pdf',
          contentType: 'application/pdf',
          size: 10,
          name: 'spec.pdf',
        },
      ],
      createdAt: new Date('2024-05-02T10:00:00Z'),
    });
    expect(await indexer.syncMessage('c1', 'm1')).toBe('indexed');
    await indexer.applySettings();

    expect(fake.index('messages_test').get('c1/m1')).toEqual({
      objectID: 'c1/m1',
      conversationId: 'c1',
      senderId: 'alice',
      senderName: 'Alice Weaver',
      type: 'file',
      text: 'Indigo yarn, 3 skeins',
      createdAt: Date.parse('2024-05-02T10:00:00Z'),
      attachmentKinds: ['file'],
      attachmentNames: ['spec.pdf'],
      visibleTo: ['alice', 'bob', 'carol'],
    });
    expect(fake.settings.get('messages_test')).toEqual(MESSAGE_INDEX_SETTINGS);
    expect(fake.settings.get('messages_test')?.attributesForFaceting).toContain('filterOnly(visibleTo)');
    // Writes go with the admin key, nothing else.
    expect(new Set(fake.requests.map((r) => r.apiKey))).toEqual(new Set([fake.adminKey]));
  });

  it('re-indexes edits, removes tombstones and deletions, and never sends encrypted messages', async () => {
    await seedMessage(infra.store, 'c1', 'm1', { senderId: 'alice', text: 'first draft' });
    await indexer.syncMessage('c1', 'm1');
    await infra.store.update(paths.message('c1', 'm1'), { text: 'edited text', editedAt: new Date() });
    await indexer.syncMessage('c1', 'm1');
    expect(fake.index('messages_test').get('c1/m1')?.text).toBe('edited text');

    await infra.store.set(paths.message('c1', 'm1'), {
      senderId: 'alice',
      type: 'text',
      deleted: true,
      clientMessageId: 'x',
      createdAt: new Date(),
    });
    expect(await indexer.syncMessage('c1', 'm1')).toBe('removed');
    expect(fake.index('messages_test').has('c1/m1')).toBe(false);

    await seedMessage(infra.store, 'c1', 'secret', {
      senderId: 'bob',
      encrypted: { alg: 'X25519-HKDF-SHA256+A256GCM', ciphertext: 'AAAA', iv: 'BBBB', keyIds: ['alice:d1'] },
    });
    expect(await indexer.syncMessage('c1', 'secret')).toBe('removed');
    const sentBodies = fake.requests
      .filter((r) => r.path.endsWith('/batch'))
      .flatMap((r) => (r.body as { requests: Array<{ action: string; body: { objectID: string } }> }).requests);
    expect(sentBodies.filter((r) => r.body.objectID === 'c1/secret').map((r) => r.action)).toEqual(['deleteObject']);
    expect(JSON.stringify(fake.requests)).not.toContain('AAAA');

    await seedMessage(infra.store, 'c1', 'gone', { senderId: 'bob', text: 'will vanish' });
    await indexer.syncMessage('c1', 'gone');
    await infra.store.delete(paths.message('c1', 'gone'));
    await indexer.syncMessage('c1', 'gone');
    expect(fake.index('messages_test').has('gone')).toBe(false);
  });

  it('cuts long text to stay under the record size limit', async () => {
    await seedMessage(infra.store, 'c1', 'long', { senderId: 'alice', text: '🧶'.repeat(5_000) });
    await indexer.syncMessage('c1', 'long');
    const record = fake.index('messages_test').get('c1/long')!;
    expect(Buffer.byteLength(String(record.text))).toBeLessThanOrEqual(MAX_TEXT_BYTES);
    expect(Buffer.byteLength(JSON.stringify(record))).toBeLessThan(10_000);
    expect(String(record.text)).toMatch(/^(🧶)+$/u);
  });

  it('always sends the visibleTo filter for the caller, whatever the client asks', async () => {
    await seedMessage(infra.store, 'c1', 'm1', {
      senderId: 'alice',
      text: 'indigo dye bath',
      createdAt: new Date('2024-05-01T00:00:00Z'),
    });
    await seedMessage(infra.store, 'c2', 'm2', {
      senderId: 'bob',
      text: 'indigo private note',
      createdAt: new Date('2024-05-03T00:00:00Z'),
    });
    await indexer.reindexConversation('c1');
    await indexer.reindexConversation('c2');

    const asCarol = await search.search(carol, input({ query: 'indigo' }));
    expect(asCarol.hits.map((h) => h.objectID)).toEqual(['c1/m1']);
    expect(asCarol.degraded).toBe(false);
    expect(asCarol.hits[0]).not.toHaveProperty('visibleTo');

    // Carol asks for a conversation she is not in: the server's filter still limits her to her own.
    const probing = await search.search(
      carol,
      input({
        query: 'indigo',
        conversationId: 'c2',
        senderId: 'bob',
        types: ['text'],
        from: '2024-01-01T00:00:00Z',
        to: '2024-12-31T00:00:00Z',
      }),
    );
    expect(probing.hits).toEqual([]);

    const asAlice = await search.search(alice, input({ query: 'indigo', types: ['text', 'image'] }));
    expect(asAlice.hits.map((h) => h.objectID)).toEqual(['c2/m2', 'c1/m1']);

    const queries = fake.requests.filter((r) => r.path.endsWith('/query'));
    expect(queries).toHaveLength(3);
    for (const q of queries)
      expect((q.body as { filters: string }).filters).toMatch(
        /^visibleTo:(carol|alice) AND |^visibleTo:(carol|alice)$/,
      );
    expect((queries[1]!.body as { filters: string }).filters).toBe(
      `visibleTo:carol AND conversationId:c2 AND senderId:bob AND (type:text) AND createdAt >= ${Date.parse('2024-01-01T00:00:00Z')} AND createdAt <= ${Date.parse('2024-12-31T00:00:00Z')}`,
    );
  });

  it('a removed member no longer matches, through the server search and through their secured key', async () => {
    await seedMessage(infra.store, 'c1', 'm1', { senderId: 'alice', text: 'group plans for the fair' });
    await indexer.reindexConversation('c1');
    const carolKey = await search.searchKey(carol);
    const direct = algoliasearch(fake.appId, carolKey.apiKey, { hosts: fake.hosts });
    const viaKey = () => direct.searchSingleIndex({ indexName: carolKey.indexName, searchParams: { query: 'fair' } });
    expect((await viaKey()).hits.map((h) => h.objectID)).toEqual(['c1/m1']);
    expect((await search.search(carol, input({ query: 'fair' }))).nbHits).toBe(1);

    await infra.store.update(paths.conversation('c1'), { memberIds: ['alice', 'bob'] });
    expect(await indexer.syncMembers('c1', ['alice', 'bob', 'carol'], ['alice', 'bob'])).toBe(1);

    expect(fake.index('messages_test').get('c1/m1')?.visibleTo).toEqual(['alice', 'bob']);
    expect((await search.search(carol, input({ query: 'fair' }))).nbHits).toBe(0);
    expect((await viaKey()).hits).toEqual([]);
    expect((await search.search(bob, input({ query: 'fair' }))).nbHits).toBe(1);
    // Unchanged membership sends nothing.
    const before = fake.requests.length;
    expect(await indexer.syncMembers('c1', ['bob', 'alice'], ['alice', 'bob'])).toBe(0);
    expect(fake.requests.length).toBe(before);
  });

  it('re-indexes visibleTo in batches for a large conversation', async () => {
    for (let i = 0; i < 1_200; i++)
      await seedMessage(infra.store, 'c2', `bulk${i}`, {
        senderId: 'alice',
        text: `message ${i}`,
        createdAt: new Date(Date.UTC(2024, 0, 1, 0, 0, 0, i)),
      });
    expect(await indexer.reindexConversation('c2')).toBe(1_200);
    await infra.store.update(paths.conversation('c2'), { memberIds: ['alice', 'bob', 'dave'] });
    await indexer.syncMembers('c2', ['alice', 'bob'], ['alice', 'bob', 'dave']);
    const batches = fake.requests
      .filter((r) => r.path.endsWith('/batch'))
      .map((r) => (r.body as { requests: unknown[] }).requests.length);
    expect(Math.max(...batches)).toBeLessThanOrEqual(500);
    expect([...fake.index('messages_test').values()].every((r) => (r.visibleTo as string[]).includes('dave'))).toBe(
      true,
    );
  });

  it('falls back to a degraded Firestore search inside one conversation when Algolia fails, and the breaker opens', async () => {
    await seedMessage(infra.store, 'c1', 'm1', { senderId: 'alice', text: 'Walnut handle sizes' });
    await seedMessage(infra.store, 'c1', 'm2', { senderId: 'bob', text: 'unrelated' });
    await seedMessage(infra.store, 'c1', 'enc', {
      senderId: 'bob',
      encrypted: { alg: 'X25519-HKDF-SHA256+A256GCM', ciphertext: 'AAAA', iv: 'BBBB', keyIds: ['alice:d1'] },
    });
    await seedMessage(infra.store, 'c2', 'm3', { senderId: 'bob', text: 'walnut in the other conversation' });
    fake.failWith(500);

    const degraded = await search.search(carol, input({ query: 'walnut', conversationId: 'c1' }));
    expect(degraded).toMatchObject({ degraded: true, nbHits: 1 });
    expect(degraded.hits[0]).toMatchObject({
      objectID: 'c1/m1',
      messageId: 'm1',
      senderName: 'Alice Weaver',
      text: 'Walnut handle sizes',
    });

    await expect(search.search(carol, input({ query: 'walnut', conversationId: 'c2' }))).rejects.toMatchObject({
      code: 'permission-denied',
    });
    await expect(search.search(carol, input({ query: 'walnut' }))).rejects.toMatchObject({ code: 'unavailable' });

    // Two consecutive failures opened the breaker: further searches do not even reach Algolia.
    const reached = fake.requests.length;
    expect((await search.search(alice, input({ query: 'walnut', conversationId: 'c1' }))).degraded).toBe(true);
    expect(fake.requests.length).toBe(reached);
  });

  it('issues a secured key that decodes to visibleTo:<uid>, this index, and one hour of validity', async () => {
    const key = await search.searchKey(alice);
    expect(key).toMatchObject({ appId: fake.appId, indexName: 'messages_test', expiresAt: '2024-06-01T01:00:00.000Z' });
    const decoded = decodeSecuredKey(key.apiKey)!;
    expect(decoded.hmac).toBe(createHmac('sha256', fake.searchKey).update(decoded.queryString).digest('hex'));
    expect(decoded.params.get('filters')).toBe('visibleTo:alice');
    expect(Number(decoded.params.get('validUntil'))).toBe(Date.parse('2024-06-01T01:00:00Z') / 1000);
    expect(decoded.params.get('restrictIndices')).toBe('messages_test');
    // Signed with the search key, not the admin key.
    expect(decoded.hmac).not.toBe(createHmac('sha256', fake.adminKey).update(decoded.queryString).digest('hex'));
    // The loopback Algolia refuses it once expired.
    fake.nowSeconds = () => Date.parse('2024-06-01T01:00:01Z') / 1000;
    const direct = algoliasearch(fake.appId, key.apiKey, { hosts: fake.hosts });
    await expect(direct.searchSingleIndex({ indexName: 'messages_test', searchParams: { query: '' } })).rejects.toThrow(
      /expired/,
    );
  });
});
