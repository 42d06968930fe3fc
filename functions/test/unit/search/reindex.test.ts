import { describe, expect, it } from 'vitest';
import { MemoryMessageIndex } from '../../../src/adapters/memory/memoryMessageIndex.js';
import { MessageIndexer } from '../../../src/app/search/messageIndexer.js';
import { REINDEX_CHECKPOINT, reindexAll } from '../../../src/app/search/reindex.js';
import { MESSAGE_INDEX_SETTINGS } from '../../../src/domain/search/record.js';
import type { MessageRecord } from '../../../src/ports.js';
import { bareWorld, seedConversation, seedMessage, seedUser } from '../../support/world.js';

/** An index that fails once on the n-th save, like a network error half-way through a long rebuild. */
class FlakyIndex extends MemoryMessageIndex {
  saves = 0;
  constructor(private readonly failOnSave: number) {
    super();
  }
  override async saveRecords(records: readonly MessageRecord[]) {
    this.saves += 1;
    if (this.saves === this.failOnSave) throw new Error('connection reset');
    return super.saveRecords(records);
  }
}

describe('npm run reindex (reindexAll)', () => {
  it('rebuilds every conversation in batches, skips encrypted and tombstoned messages, and resumes after a failure', async () => {
    const { infra } = bareWorld();
    const index = new FlakyIndex(3); // c1 takes two batches (500 + 200); the first batch of c2 fails
    const indexer = new MessageIndexer(infra.store, index, infra.logger);
    await seedUser(infra.store, 'alice');
    for (const cid of ['c1', 'c2', 'c3']) {
      await seedConversation(infra.store, cid, ['alice', 'bob']);
      for (let i = 0; i < 700; i++)
        await seedMessage(infra.store, cid, `${cid}-m${i}`, {
          senderId: 'alice',
          text: `hello ${i}`,
          createdAt: new Date(Date.UTC(2024, 0, 1, 0, 0, 0, i)),
        });
    }
    await seedMessage(infra.store, 'c3', 'enc', {
      senderId: 'alice',
      encrypted: { alg: 'X25519-HKDF-SHA256+A256GCM', ciphertext: 'AA==', iv: 'AA==', keyIds: ['a:b'] },
    });
    await seedMessage(infra.store, 'c3', 'tomb', { senderId: 'alice', deleted: true });

    await expect(reindexAll({ store: infra.store, indexer, clock: infra.clock, logger: infra.logger })).rejects.toThrow(
      'connection reset',
    );
    expect((await infra.store.get(REINDEX_CHECKPOINT)).data).toMatchObject({ after: 'c1', done: false });

    const resumed = await reindexAll({ store: infra.store, indexer, clock: infra.clock, logger: infra.logger });
    expect(resumed).toEqual({ conversations: 2, records: 1_400, resumedAfter: 'c1' });
    expect(index.records.size).toBe(2_100);
    expect(index.records.has('enc')).toBe(false);
    expect(index.records.has('tomb')).toBe(false);
    expect(index.settings).toEqual(MESSAGE_INDEX_SETTINGS);
    expect((await infra.store.get(REINDEX_CHECKPOINT)).data).toMatchObject({ after: 'c3', done: true });

    // A finished run starts over next time.
    expect(await reindexAll({ store: infra.store, indexer, clock: infra.clock, logger: infra.logger })).toEqual({
      conversations: 3,
      records: 2_100,
    });
  });
});
