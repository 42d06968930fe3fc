import { describe, expect, it } from 'vitest';
import { paths } from '../../../src/domain/paths.js';
import { TOPICS } from '../../../src/domain/channels.js';
import { processedMarker } from '../../../src/app/messaging/onMessageCreated.js';
import type { NewMessageEvent } from '../../../src/app/messaging/onMessageCreated.js';
import { moderationItemId } from '../../../src/app/messaging/moderation.js';
import type { messagingWorld } from './setup.js';
import { as, groupWorld as newGroup, textMessage, triggerFor } from './setup.js';

/**
 * The group, a second later: members joined (read position = join time) at T0, and a message stamped at the same
 * millisecond as a member's read position counts as read, so the messages of these tests come after it.
 */
const groupWorld = async (settings?: Parameters<typeof newGroup>[0]) => {
  const world = await newGroup(settings);
  world.clock.advance(1000);
  return world;
};

const unread = async (
  world: { store: { get(p: string): Promise<{ data?: Record<string, unknown> | undefined }> } },
  cid: string,
  uid: string,
) => (await world.store.get(paths.member(cid, uid))).data?.unreadCount;

const events = (world: Awaited<ReturnType<typeof messagingWorld>>) =>
  world.infra.publisher.on(TOPICS.domainEvents).map((m) => m.data as NewMessageEvent);

describe('onMessageCreated', () => {
  it('100 concurrent messages: unread exactly 100 for every other member, 0 for the sender', async () => {
    const world = await groupWorld();
    const sent = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        world.messaging.messages.send(as('member'), { conversationId: world.cid, ...textMessage(`c${i}`) }),
      ),
    );
    // Every trigger at once, as Cloud Functions would run them, plus a duplicate run of the first ten.
    await Promise.all([...sent, ...sent.slice(0, 10)].map((s) => triggerFor(world, world.cid, s.messageId)));
    expect(await unread(world, world.cid, 'member')).toBe(0);
    for (const uid of ['owner', 'admin', 'other']) expect(await unread(world, world.cid, uid)).toBe(100);
    // Push is at-least-once (a duplicate run racing the first may publish again) with one idempotency key per
    // message, which the pipeline dedupes on.
    const keys = new Set(events(world).map((e) => e.idempotencyKey));
    expect(keys.size).toBe(100);
    expect([...keys].every((k) => k.startsWith(`message:${world.cid}/member_c`))).toBe(true);
  });

  it('running twice counts once, pushes once, flags once', async () => {
    const world = await groupWorld();
    const { messageId } = await world.messaging.messages.send(as('member'), {
      conversationId: world.cid,
      ...textMessage('c1', 'pay me on paypal instead'),
    });
    const first = await triggerFor(world, world.cid, messageId);
    const second = await triggerFor(world, world.cid, messageId);
    expect(first).toMatchObject({ status: 'processed', counted: true, flagged: true });
    expect(second).toMatchObject({ status: 'processed', counted: false });
    expect(await unread(world, world.cid, 'owner')).toBe(1);
    expect(events(world).filter((e) => e.payload.messageId === messageId)).toHaveLength(1);
    const queue = await world.store.query('moderationQueue');
    expect(queue).toHaveLength(1);
    const audits = (await world.store.query('auditLog')).filter((a) => a.data?.action === 'moderation.flagged');
    expect(audits).toHaveLength(1);
  });

  it('a crash after counting but before the push: the retry pushes without counting again', async () => {
    const world = await groupWorld();
    const { messageId } = await world.messaging.messages.send(as('member'), {
      conversationId: world.cid,
      ...textMessage('c1'),
    });
    const publish = world.infra.publisher.publish.bind(world.infra.publisher);
    world.infra.publisher.publish = async () => {
      throw new Error('pubsub unavailable');
    };
    await expect(triggerFor(world, world.cid, messageId)).rejects.toThrow('pubsub unavailable');
    expect(await unread(world, world.cid, 'owner')).toBe(1);
    world.infra.publisher.publish = publish;
    await triggerFor(world, world.cid, messageId);
    expect(await unread(world, world.cid, 'owner')).toBe(1);
    expect(events(world)).toHaveLength(1);
    expect((await world.store.get(processedMarker(world.cid, messageId))).data).toMatchObject({ published: true });
  });

  it('publishes the pipeline envelope to members who are neither active nor muted', async () => {
    const world = await groupWorld();
    const now = world.clock.now().getTime();
    await world.store.update(paths.member(world.cid, 'admin'), { activeUntil: new Date(now + 60_000) });
    await world.store.update(paths.member(world.cid, 'other'), { mutedUntil: new Date(now + 3_600_000) });
    // An expired mute no longer silences.
    await world.store.update(paths.member(world.cid, 'owner'), { mutedUntil: new Date(now - 1) });
    const { messageId } = await world.messaging.messages.send(as('member'), {
      conversationId: world.cid,
      ...textMessage('c1', 'x'.repeat(300)),
    });
    await triggerFor(world, world.cid, messageId);
    const [event] = events(world);
    expect(event).toEqual({
      type: 'messaging.new_message',
      idempotencyKey: `message:${world.cid}/${messageId}`,
      occurredAt: '2026-11-21T10:00:01.000Z',
      payload: {
        conversationId: world.cid,
        messageId,
        senderId: 'member',
        senderName: 'User member',
        recipientIds: ['owner'],
        conversationTitle: 'Indigo Collective',
        preview: `${'x'.repeat(119)}…`,
        messageType: 'text',
        encrypted: false,
      },
    });
    // Muted and active members still count the message as unread.
    expect(await unread(world, world.cid, 'other')).toBe(1);
    expect(await unread(world, world.cid, 'admin')).toBe(1);
  });

  it('does not push to a member who blocked the sender', async () => {
    const world = await groupWorld();
    await world.messaging.conversations.block(as('other'), { uid: 'member' });
    const { messageId } = await world.messaging.messages.send(as('member'), {
      conversationId: world.cid,
      ...textMessage('c1'),
    });
    await triggerFor(world, world.cid, messageId);
    expect(events(world)[0]?.payload.recipientIds.sort()).toEqual(['admin', 'owner']);
  });

  it('summary: the newest message wins whatever order the triggers run in', async () => {
    const world = await groupWorld();
    const first = await world.messaging.messages.send(as('member'), {
      conversationId: world.cid,
      ...textMessage('c1', 'first'),
    });
    world.clock.advance(1000);
    const second = await world.messaging.messages.send(as('owner'), {
      conversationId: world.cid,
      ...textMessage('c2', 'second'),
    });
    await triggerFor(world, world.cid, second.messageId);
    await triggerFor(world, world.cid, first.messageId);
    const conversation = (await world.store.get(paths.conversation(world.cid))).data;
    expect(conversation?.lastMessage).toMatchObject({
      messageId: second.messageId,
      preview: 'second',
      senderId: 'owner',
    });
    expect(conversation?.lastMessageAt).toEqual(new Date('2026-11-21T10:00:02.000Z'));
  });

  it('E2EE: push says "New encrypted message", the filter skips it', async () => {
    const world = await groupWorld({ e2ee: true });
    const { messageId } = await world.messaging.messages.send(as('member'), {
      conversationId: world.cid,
      type: 'text',
      clientMessageId: 'c1',
      encrypted: {
        alg: 'X25519-HKDF-SHA256+A256GCM',
        ciphertext: 'cGF5IG1lIG9uIHBheXBhbA==',
        iv: 'AAAAAAAAAAAAAAAA',
        keyIds: ['owner:d1'],
      },
    });
    const outcome = await triggerFor(world, world.cid, messageId);
    expect(outcome).toMatchObject({ flagged: false });
    expect(events(world)[0]?.payload).toMatchObject({ preview: 'New encrypted message', encrypted: true });
    expect(await world.store.query('moderationQueue')).toHaveLength(0);
  });

  it('system messages update the summary but neither count nor push', async () => {
    const world = await groupWorld();
    const systemMessages = (await world.store.query(paths.messages(world.cid))).filter(
      (m) => m.data?.type === 'system',
    );
    expect(systemMessages.length).toBeGreaterThan(0);
    for (const m of systemMessages) await triggerFor(world, world.cid, m.id);
    expect(await unread(world, world.cid, 'owner')).toBe(0);
    expect(events(world)).toHaveLength(0);
    expect((await world.store.get(paths.conversation(world.cid))).data?.lastMessage).toMatchObject({ type: 'system' });
  });

  it('a malformed stored message goes to moderation and nowhere else', async () => {
    const world = await groupWorld();
    await world.store.create(paths.message(world.cid, 'bad'), {
      senderId: 'member',
      type: 'poem',
      clientMessageId: 'bad',
      createdAt: new Date(),
    });
    const outcome = await triggerFor(world, world.cid, 'bad');
    expect(outcome.status).toBe('invalid');
    expect(await unread(world, world.cid, 'owner')).toBe(0);
    expect(events(world)).toHaveLength(0);
    const item = await world.store.get(`moderationQueue/${moderationItemId(world.cid, 'bad')}`);
    expect(item.data).toMatchObject({ reasons: ['malformed'], status: 'open' });
  });

  it('a member who left between read and commit is not counted and does not fail the trigger', async () => {
    const world = await groupWorld();
    const { messageId } = await world.messaging.messages.send(as('member'), {
      conversationId: world.cid,
      ...textMessage('c1'),
    });
    const leaving = world.messaging.conversations.leaveGroup(as('other'), { conversationId: world.cid });
    await Promise.all([leaving, triggerFor(world, world.cid, messageId)]);
    expect(await unread(world, world.cid, 'owner')).toBe(1);
    expect((await world.store.get(paths.member(world.cid, 'other'))).exists).toBe(false);
  });
});
