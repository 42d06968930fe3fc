import { describe, expect, it } from 'vitest';
import { paths } from '../../../src/domain/paths.js';
import { processedMarker } from '../../../src/app/messaging/onMessageCreated.js';
import { as, groupWorld, messagingWorld, textMessage, triggerFor } from './setup.js';
import {
  actualUnread,
  clientRead,
  countWrites,
  expectedUnread,
  newestMessageId,
  runInterleaved,
} from '../../support/unreadScenario.js';

const unread = async (world: Awaited<ReturnType<typeof groupWorld>>, uid: string) =>
  (await world.store.get(paths.member(world.cid, uid))).data?.unreadCount;

/** Issue 12, "Messaging counters": unread counts exact under any order of trigger and read. */
describe('unread counts by read position', () => {
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
    expect((await world.store.get(processedMarker(world.cid, messageId))).data?.countedFor).toEqual(
      expect.not.arrayContaining(['owner']),
    );
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
    expect(outcome).toMatchObject({ status: 'processed', counted: true });
    expect(outcome.status === 'processed' && outcome.pushedTo.sort()).toEqual(['admin', 'other']);
  });

  for (const seed of [1, 2, 3]) {
    it(`100 concurrent messages from 10 members, 50 reads interleaved, every trigger late and twice (seed ${seed}): exact counts and summary`, async () => {
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
      expect(Object.fromEntries(await actualUnread(world))).toEqual(
        Object.fromEntries(await expectedUnread(world, result)),
      );
      const conversation = (await world.store.get(paths.conversation(cid))).data!;
      const newest = await newestMessageId(world);
      expect((conversation.lastMessage as { messageId: string }).messageId).toBe(newest);
      expect(conversation.lastMessageAt).toEqual((await world.store.get(paths.message(cid, newest))).data?.createdAt);
      console.info(
        `[unread seed ${seed}] conversation document, 200 trigger runs of 100 messages: ${counter.writes()} writes (${(counter.writes() / 100).toFixed(2)} per message), ` +
          `${counter.lockingAttempts()} transaction attempts reading it`,
      );
    });
  }
});
