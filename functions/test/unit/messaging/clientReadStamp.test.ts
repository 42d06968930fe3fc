import { describe, expect, it } from 'vitest';
import { as, groupWorld, textMessage, triggerFor } from './setup.js';
import { actualUnread, clientRead, clientReadAt, unseenByOthers } from '../../support/unreadScenario.js';

/**
 * The scenario helper's client read (test/support/unreadScenario.ts) against the floor it is checked with: a read that
 * is slow to apply (on the emulator it waits seconds on the conversation's lock) while another member's message is
 * sent and numbered. A real client's batch is stamped with request.time, when it is applied, so the lastMessageSeq it
 * shows never covers a message created after its lastReadAt.
 */
describe('scenario helper: a client read is stamped when it is applied', () => {
  async function slowRead() {
    const world = await groupWorld();
    const scheduledAt = world.clock.now();
    world.clock.advance(1000);
    const { messageId } = await world.messaging.messages.send(as('member'), {
      conversationId: world.cid,
      ...textMessage('c1'),
    });
    await triggerFor(world, world.cid, messageId);
    world.clock.advance(1000);
    const scenario = { ...world, members: ['owner'] };
    const check = async (at: Date, seq: number) => {
      const result = {
        messageIds: [messageId],
        readPositions: new Map([['owner', at]]),
        readSeqs: new Map([['owner', seq]]),
        triggerRuns: 1,
        readsMade: { callable: 0, client: 1 },
      };
      return {
        floor: (await unseenByOthers(scenario, result)).get('owner'),
        actual: (await actualUnread(scenario)).get('owner'),
      };
    };
    return { world, scheduledAt, check };
  }

  it('stamped with the time it was scheduled (the old helper): the numbered message is read yet counted unseen', async () => {
    const { world, scheduledAt, check } = await slowRead();
    const seq = await clientRead(world.store, world.cid, 'owner', scheduledAt);
    expect(seq).toBe(1);
    // The inconsistency the emulator test hit (`expected 53 to be ≥ 54`): the count is below the floor.
    expect(await check(scheduledAt, seq)).toEqual({ floor: 1, actual: 0 });
  });

  it('stamped by the clock inside its transaction: what it covers was created before its lastReadAt', async () => {
    const { world, scheduledAt, check } = await slowRead();
    const read = await clientReadAt(world.store, world.cid, 'owner', world.clock);
    expect(read.seq).toBe(1);
    expect(read.at.getTime()).toBeGreaterThan(scheduledAt.getTime());
    expect(await check(read.at, read.seq)).toEqual({ floor: 0, actual: 0 });
  });
});
