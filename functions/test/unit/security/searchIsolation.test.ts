import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { addMembers, createGroup, removeMember, sendMessage } from '../../../src/functions/messaging.js';
import { searchMessages } from '../../../src/functions/search.js';
import { useServices } from '../../../src/functions/runtime.js';
import { paths } from '../../../src/domain/paths.js';
import type { World } from './support.js';
import { invoke, world } from './support.js';

/**
 * Leaks and bypasses, class "search shows another conversation's message": record ids are unique across the index
 * (`{cid}/{mid}`), and nothing addressed to one conversation's records reaches another's.
 */

interface Hits {
  hits: Array<{ objectID: string; messageId: string; conversationId: string; text: string }>;
}

let w: World;
let c1: string;
let c2: string;

/** What the search triggers do after each write (searchIndexMessage, searchSyncMembers). */
async function indexMessage(cid: string, mid: string) {
  await w.services.search.indexer.syncMessage(cid, mid);
}
async function changeMembers(cid: string, change: () => Promise<unknown>) {
  const before = (await w.infra.store.get(paths.conversation(cid))).data?.memberIds as string[];
  await change();
  const after = (await w.infra.store.get(paths.conversation(cid))).data?.memberIds as string[];
  await w.services.search.indexer.syncMembers(cid, before, after);
}
const search = (uid: string, query: string) => invoke<Hits>(searchMessages, { query }, { uid });

beforeEach(async () => {
  w = await world(['alice', 'bob', 'carol', 'dave']);
  ({ conversationId: c1 } = await invoke<{ conversationId: string }>(
    createGroup,
    { title: 'Public fair', memberIds: ['bob'] },
    { uid: 'alice' },
  ));
  ({ conversationId: c2 } = await invoke<{ conversationId: string }>(
    createGroup,
    { title: 'Private deal', memberIds: ['carol'] },
    { uid: 'alice' },
  ));
  // The same clientMessageId in both conversations: the same message id, `alice_same`.
  await invoke(
    sendMessage,
    { conversationId: c1, type: 'text', text: 'fair booth opens at nine', clientMessageId: 'same' },
    { uid: 'alice' },
  );
  await invoke(
    sendMessage,
    { conversationId: c2, type: 'text', text: 'secret price eleven hundred', clientMessageId: 'same' },
    { uid: 'alice' },
  );
  await indexMessage(c1, 'alice_same');
  await indexMessage(c2, 'alice_same');
});
afterAll(() => useServices(undefined));

describe('search isolation between conversations', () => {
  it('two messages with the same id in two conversations are two records', async () => {
    expect([...w.infra.messageIndex.records.keys()].sort()).toEqual([`${c1}/alice_same`, `${c2}/alice_same`].sort());
    expect((await search('bob', 'secret')).hits).toEqual([]);
    expect((await search('carol', 'secret')).hits).toEqual([
      expect.objectContaining({ conversationId: c2, messageId: 'alice_same', objectID: `${c2}/alice_same` }),
    ]);
    expect((await search('carol', 'booth')).hits).toEqual([]);
  });

  it("a membership change in one conversation never makes the other's message visible to its members", async () => {
    await changeMembers(c1, () => invoke(addMembers, { conversationId: c1, memberIds: ['dave'] }, { uid: 'alice' }));
    expect((await search('dave', 'secret')).hits).toEqual([]);
    expect((await search('bob', 'secret')).hits).toEqual([]);
    expect((await search('dave', 'booth')).hits).toHaveLength(1);
    expect(w.infra.messageIndex.records.get(`${c2}/alice_same`)?.visibleTo).toEqual(['alice', 'carol']);

    await changeMembers(c2, () => invoke(removeMember, { conversationId: c2, uid: 'carol' }, { uid: 'alice' }));
    expect((await search('carol', 'secret')).hits).toEqual([]);
    expect(w.infra.messageIndex.records.get(`${c1}/alice_same`)?.visibleTo).toEqual(['alice', 'bob', 'dave']);
  });

  it("re-indexing or tombstoning in one conversation leaves the other's record as it was", async () => {
    const other = structuredClone(w.infra.messageIndex.records.get(`${c2}/alice_same`));
    await w.services.search.indexer.reindexConversation(c1);
    await w.infra.store.update(paths.message(c1, 'alice_same'), { deleted: true, text: undefined });
    await indexMessage(c1, 'alice_same');
    expect(w.infra.messageIndex.records.has(`${c1}/alice_same`)).toBe(false);
    expect(w.infra.messageIndex.records.get(`${c2}/alice_same`)).toEqual(other);
  });
});
