import { describe, expect, it } from 'vitest';
import { paths } from '../../../src/domain/paths.js';
import { processedMarker } from '../../../src/app/messaging/onMessageCreated.js';
import { advancePositions, unreadOf } from '../../../src/domain/messaging/conversation.js';
import { as, groupWorld, messagingWorld, textMessage, triggerFor, unreadFor } from './setup.js';
import {
  actualUnread,
  assignedSeqs,
  clientRead,
  countWrites,
  newestMessageId,
  numberedSinceRead,
  runInterleaved,
  unseenByOthers,
} from '../../support/unreadScenario.js';

const unread = (world: Awaited<ReturnType<typeof groupWorld>>, uid: string) => unreadFor(world, world.cid, uid);

describe('unread math (domain)', () => {
  it('lastMessageSeq − lastReadSeq, never below 0; legacy members keep their count until their first read', () => {
    expect(unreadOf({ lastMessageSeq: 7 }, { lastReadSeq: 3 })).toBe(4);
    expect(unreadOf({ lastMessageSeq: 3 }, { lastReadSeq: 7 })).toBe(0);
    // A conversation from before sequence numbers, a member from before them: the old count stands.
    expect(unreadOf({}, { unreadCount: 5 })).toBe(5);
    expect(unreadOf({ lastMessageSeq: 2 }, { unreadCount: 5 })).toBe(7);
    // Once a read wrote lastReadSeq, the legacy count no longer adds.
    expect(unreadOf({ lastMessageSeq: 2 }, { lastReadSeq: 2, unreadCount: 5 })).toBe(0);
    expect(unreadOf({ lastMessageSeq: 'x' }, { lastReadSeq: -1 })).toBe(0);
  });

  it('own messages past the read position are not unread for their sender', () => {
    expect(unreadOf({ lastMessageSeq: 7 }, { lastReadSeq: 3, ownSeqs: [2, 5, 7] })).toBe(2);
  });

  it('a number moves the positions of those who had read everything before it and saw it; the sender keeps theirs', () => {
    const message = { senderId: 's', createdAt: new Date(1000) };
    const at = (ms: number | null) => (ms === null ? null : new Date(ms));
    const moved = advancePositions(5, message, [
      // The sender, up to date: the message joins the position.
      { uid: 's', lastReadAt: at(0), lastReadSeq: 4 },
      { uid: 'readAfter', lastReadAt: at(1000), lastReadSeq: 4, ownSeqs: [6, 8] },
      { uid: 'readBefore', lastReadAt: at(999), lastReadSeq: 4 },
      // Saw it, but has a gap before it: moving would mark the gap read.
      { uid: 'gap', lastReadAt: at(2000), lastReadSeq: 3 },
    ]);
    expect(moved).toEqual([
      { uid: 's', lastReadSeq: 5, ownSeqs: [] },
      // Their own 6 was next in line: the position takes it along, 8 waits.
      { uid: 'readAfter', lastReadSeq: 6, ownSeqs: [8] },
    ]);
    // A sender behind on others' messages: their message waits in ownSeqs, subtracted from the count.
    expect(advancePositions(5, message, [{ uid: 's', lastReadAt: at(0), lastReadSeq: 2, ownSeqs: [1, 4] }])).toEqual([
      { uid: 's', lastReadSeq: 2, ownSeqs: [4, 5] },
    ]);
    // A member from before seqs counts as at 0.
    expect(advancePositions(1, message, [{ uid: 'legacy', lastReadAt: at(2000), lastReadSeq: null }])).toEqual([
      { uid: 'legacy', lastReadSeq: 1, ownSeqs: [] },
    ]);
  });
});

/** Issue 12's orderings under issue 14's sequence numbers: a read, whenever its trigger runs, covers what it saw. */
describe('unread counts by sequence number', () => {
  it('a read through markConversationRead before the trigger runs: the message is not counted', async () => {
    const world = await groupWorld();
    world.clock.advance(1000);
    const { messageId } = await world.messaging.messages.send(as('member'), {
      conversationId: world.cid,
      ...textMessage('c1'),
    });
    world.clock.advance(1000);
    await world.messaging.conversations.markRead(as('owner'), { conversationId: world.cid });
    await triggerFor(world, world.cid, messageId);
    await triggerFor(world, world.cid, messageId);
    expect(await unread(world, 'owner')).toBe(0);
    // Those who have not read it count it, once.
    expect(await unread(world, 'other')).toBe(1);
    expect(await unread(world, 'admin')).toBe(1);
    expect((await world.store.get(processedMarker(world.cid, messageId))).data?.advanced).toEqual(['owner', 'member']);
  });

  it('a read as the client writes it (batch under the rules) before the trigger runs: not counted either', async () => {
    const world = await groupWorld();
    world.clock.advance(1000);
    const { messageId } = await world.messaging.messages.send(as('member'), {
      conversationId: world.cid,
      ...textMessage('c1'),
    });
    world.clock.advance(1000);
    await clientRead(world.store, world.cid, 'other', world.clock.now());
    await triggerFor(world, world.cid, messageId);
    expect(await unread(world, 'other')).toBe(0);
    expect(await unread(world, 'owner')).toBe(1);
  });

  it('a read between two runs of the same trigger: counted by the first, cleared by the read, not again by the second', async () => {
    const world = await groupWorld();
    world.clock.advance(1000);
    const { messageId } = await world.messaging.messages.send(as('member'), {
      conversationId: world.cid,
      ...textMessage('c1'),
    });
    await triggerFor(world, world.cid, messageId);
    expect(await unread(world, 'owner')).toBe(1);
    world.clock.advance(1000);
    await world.messaging.conversations.markRead(as('owner'), { conversationId: world.cid });
    await triggerFor(world, world.cid, messageId);
    expect(await unread(world, 'owner')).toBe(0);
  });

  it('a read that commits after a newer one does not move the read position back (found on the emulator)', async () => {
    const world = await groupWorld();
    const slowReadAt = world.clock.now();
    world.clock.advance(1000);
    const { messageId } = await world.messaging.messages.send(as('member'), {
      conversationId: world.cid,
      ...textMessage('c1'),
    });
    world.clock.advance(1000);
    const newer = world.clock.now();
    await clientRead(world.store, world.cid, 'owner', newer);
    // markConversationRead took `now` before the newer read and commits after it.
    world.clock.set(slowReadAt);
    const result = await world.messaging.conversations.markRead(as('owner'), { conversationId: world.cid });
    expect(result.lastReadAt).toBe(newer.toISOString());
    expect((await world.store.get(paths.readPosition(world.cid, 'owner'))).data?.lastReadAt).toEqual(newer);
    await triggerFor(world, world.cid, messageId);
    expect(await unread(world, 'owner')).toBe(0);
  });

  it('a member who joins after a message was sent does not count it when its trigger runs late', async () => {
    const world = await groupWorld();
    world.clock.advance(1000);
    const { messageId } = await world.messaging.messages.send(as('member'), {
      conversationId: world.cid,
      ...textMessage('c1'),
    });
    world.clock.advance(1000);
    await world.messaging.conversations.addMembers(as('owner'), { conversationId: world.cid, memberIds: ['outsider'] });
    await triggerFor(world, world.cid, messageId);
    expect(await unread(world, 'outsider')).toBe(0);
  });

  it('no push to a member who has already read the message when its trigger runs', async () => {
    const world = await groupWorld();
    world.clock.advance(1000);
    const { messageId } = await world.messaging.messages.send(as('member'), {
      conversationId: world.cid,
      ...textMessage('c1'),
    });
    world.clock.advance(1000);
    await world.messaging.conversations.markRead(as('owner'), { conversationId: world.cid });
    const outcome = await triggerFor(world, world.cid, messageId);
    expect(outcome).toMatchObject({ status: 'processed', counted: true, seq: 1 });
    expect(outcome.status === 'processed' && outcome.pushedTo.sort()).toEqual(['admin', 'other']);
  });

  for (const seed of [1, 2, 3]) {
    it(`100 concurrent messages from 10 members, 50 reads interleaved, every trigger late and twice (seed ${seed}): numbered once, counts between the unseen floor and the read ceiling, summary`, async () => {
      const members = ['owner', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9'];
      const base = await messagingWorld(members);
      const { conversationId: cid } = await base.messaging.conversations.createGroup(as('owner'), {
        title: 'Busy',
        memberIds: members.slice(1),
      });
      const world = { store: base.store, messaging: base.messaging, clock: base.clock, cid, members };
      const counter = countWrites(base.store, (p) => p === paths.conversation(cid));

      const result = await runInterleaved(world, {
        messages: 100,
        reads: 50,
        seed,
        duplicateRuns: true,
        clientReadShare: 0.5,
        maxTriggerDelay: 60,
        stepMs: 7,
      });
      counter.stop();

      expect(result.messageIds).toHaveLength(100);
      expect(result.triggerRuns).toBe(200);
      expect(result.readsMade.callable + result.readsMade.client).toBe(50);
      // Numbered once each, 1…100, whatever order and however often the triggers ran.
      expect(await assignedSeqs(world, result.messageIds)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      const actual = await actualUnread(world);
      const floor = await unseenByOthers(world, result);
      const ceiling = await numberedSinceRead(world, result);
      for (const uid of members) {
        expect(actual.get(uid)!, `${uid} hides a message they have not seen`).toBeGreaterThanOrEqual(floor.get(uid)!);
        expect(actual.get(uid)!, `${uid} counts what their read covered`).toBeLessThanOrEqual(ceiling.get(uid)!);
      }
      const over = members.reduce((n, uid) => n + actual.get(uid)! - floor.get(uid)!, 0);
      // Once everything has settled, one read each clears every count.
      for (const uid of members) await world.messaging.conversations.markRead(as(uid), { conversationId: cid });
      expect([...(await actualUnread(world)).values()]).toEqual(members.map(() => 0));
      const conversation = (await world.store.get(paths.conversation(cid))).data!;
      const newest = await newestMessageId(world);
      expect((conversation.lastMessage as { messageId: string }).messageId).toBe(newest);
      expect(conversation.lastMessageAt).toEqual((await world.store.get(paths.message(cid, newest))).data?.createdAt);
      console.info(
        `[unread seed ${seed}] conversation document, 200 trigger runs of 100 messages: ${counter.writes()} writes (${(counter.writes() / 100).toFixed(2)} per message), ` +
          `${counter.lockingAttempts()} transaction attempts reading it; counts over the unseen floor by ${over} in all (messages seen before they were numbered)`,
      );
    });
  }
});
