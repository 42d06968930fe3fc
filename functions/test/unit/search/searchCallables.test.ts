import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CallableFunction } from 'firebase-functions/v2/https';
import { useServices } from '../../../src/functions/runtime.js';
import { getSearchKey, searchMessages } from '../../../src/functions/search.js';
import { call } from '../../support/callables.js';
import type { TestWorld } from '../../support/world.js';
import { seedConversation, seedMessage, testWorld } from '../../support/world.js';

type Fn = CallableFunction<unknown, unknown>;

describe('search callables (wrappers over the in-memory index)', () => {
  let infra: TestWorld['infra'];

  beforeEach(async () => {
    const world = await testWorld({
      now: '2024-06-01T00:00:00Z',
      users: [{ uid: 'alice', displayName: 'Alice Weaver' }, 'bob', 'mallory'],
      install: true,
    });
    ({ infra } = world);
    const { services } = world;
    await seedConversation(infra.store, 'c1', ['alice', 'bob']);
    await seedMessage(infra.store, 'c1', 'm1', { senderId: 'alice', text: 'Hand-spun merino, 200 g' });
    await services.search.indexer.syncMessage('c1', 'm1');
  });

  afterEach(() => useServices(undefined));

  it('searchMessages finds the caller’s messages and nobody else’s', async () => {
    const asBob = await call<{ hits: Array<{ objectID: string; senderName: string }>; degraded: boolean }>(
      searchMessages as Fn,
      { query: 'merino' },
      { uid: 'bob' },
    );
    expect(asBob).toMatchObject({
      degraded: false,
      nbHits: 1,
      hits: [{ objectID: 'c1/m1', messageId: 'm1', senderName: 'Alice Weaver' }],
    });
    expect(await call(searchMessages as Fn, { query: 'merino' }, { uid: 'mallory' })).toMatchObject({
      nbHits: 0,
      hits: [],
    });
  });

  it('rejects unauthenticated calls and bad input, naming the field', async () => {
    await expect(call(searchMessages as Fn, { query: 'x' })).rejects.toMatchObject({ code: 'unauthenticated' });
    await expect(call(getSearchKey as Fn, {})).rejects.toMatchObject({ code: 'unauthenticated' });
    await expect(
      call(
        searchMessages as Fn,
        { query: 'x', from: '2024-05-02T00:00:00Z', to: '2024-05-01T00:00:00Z' },
        { uid: 'bob' },
      ),
    ).rejects.toMatchObject({
      code: 'invalid-argument',
      message: expect.stringMatching(/data\.from: from must not be after to/),
    });
    await expect(call(searchMessages as Fn, { query: 'x', types: ['poem'] }, { uid: 'bob' })).rejects.toMatchObject({
      code: 'invalid-argument',
      message: expect.stringMatching(/data\.types\[0\]/),
    });
    await expect(call(searchMessages as Fn, { query: 'x', hitsPerPage: 1000 }, { uid: 'bob' })).rejects.toMatchObject({
      code: 'invalid-argument',
      message: expect.stringMatching(/data\.hitsPerPage/),
    });
  });

  it('getSearchKey returns a key limited to the caller, expiring in an hour', async () => {
    const key = await call<{ apiKey: string; expiresAt: string }>(getSearchKey as Fn, {}, { uid: 'bob' });
    expect(key.expiresAt).toBe('2024-06-01T01:00:00.000Z');
    const restrictions = new URLSearchParams(key.apiKey.replace(/^memory-secured:/, ''));
    expect(restrictions.get('filters')).toBe('visibleTo:bob');
  });
});
