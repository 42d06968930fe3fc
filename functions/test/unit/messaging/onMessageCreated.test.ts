import { describe, expect, it } from 'vitest';
import { paths } from '../../../src/domain/paths.js';
import { TOPICS } from '../../../src/domain/channels.js';
import { chatDeliveryId, processedMarker } from '../../../src/app/messaging/onMessageCreated.js';
import type { NewMessageEvent } from '../../../src/app/messaging/onMessageCreated.js';
import { chatCollapseKey } from '../../../src/domain/messaging/chatPush.js';
import { moderationItemId } from '../../../src/app/messaging/moderation.js';
import { deviceToken } from '../../support/world.js';
import type { messagingWorld } from './setup.js';
import { as, groupWorld as newGroup, textMessage, triggerFor, unreadFor } from './setup.js';

/**
 * The group, a second later: members joined (read position = join time) at T0, and a message stamped at the same
 * millisecond as a member's read position counts as read, so the messages of these tests come after it.
 */
const groupWorld = async (settings?: Parameters<typeof newGroup>[0]) => {
  const world = await newGroup(settings);
  world.clock.advance(1000);
  return world;
};

type World = Awaited<ReturnType<typeof messagingWorld>>;

const unread = (world: World, cid: string, uid: string) => unreadFor(world, cid, uid);

const published = (world: World) => world.infra.publisher.on(TOPICS.domainEvents).map((m) => m.data as NewMessageEvent);

/** The chat pushes FCM received for a message, by token. */
const pushesOf = (world: World, messageId: string) =>
  world.infra.delivery.push.sent.filter((m) => m.data.messageId === messageId);
const phone = (uid: string) => deviceToken(`${uid}-phone`);

describe('onMessageCreated', () => {
  it('100 concurrent messages: numbers 1…100 once each, unread exactly 100 for every other member, 0 for the sender', async () => {
    const world = await groupWorld();
    const sent = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        world.messaging.messages.send(as('member'), { conversationId: world.cid, ...textMessage(`c${i}`) }),
      ),
    );
    // Every trigger at once, as Cloud Functions would run them, plus a duplicate run of the first ten.
    await Promise.all([...sent, ...sent.slice(0, 10)].map((s) => triggerFor(world, world.cid, s.messageId)));
    const markers = await world.store.getAll(sent.map((s) => processedMarker(world.cid, s.messageId)));
    const seqs = markers.map((m) => m.data?.seq as number).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect((await world.store.get(paths.conversation(world.cid))).data?.lastMessageSeq).toBe(100);
    expect(await unread(world, world.cid, 'member')).toBe(0);
    for (const uid of ['owner', 'admin', 'other']) expect(await unread(world, world.cid, uid)).toBe(100);
    // No counter is written on anyone else's member document any more.
    expect((await world.store.get(paths.member(world.cid, 'owner'))).data?.unreadCount).toBe(0);
    // Push is at-least-once (a duplicate run racing the first may send again; the collapse key replaces it on the
    // device): every message reached every other member's phone.
    for (const s of sent)
      expect(new Set(pushesOf(world, s.messageId).map((m) => m.token))).toEqual(
        new Set(['owner', 'admin', 'other'].map(phone)),
      );
  });

  it('running twice numbers once, pushes once, flags once', async () => {
    const world = await groupWorld();
    const { messageId } = await world.messaging.messages.send(as('member'), {
      conversationId: world.cid,
      ...textMessage('c1', 'pay me on paypal instead'),
    });
    const first = await triggerFor(world, world.cid, messageId);
    const second = await triggerFor(world, world.cid, messageId);
    expect(first).toMatchObject({ status: 'processed', counted: true, seq: 1, flagged: true });
    expect(second).toMatchObject({ status: 'processed', counted: false, seq: 1, pushedTo: [] });
    expect(await unread(world, world.cid, 'owner')).toBe(1);
    expect(pushesOf(world, messageId)).toHaveLength(3);
    const queue = await world.store.query('moderationQueue');
    expect(queue).toHaveLength(1);
    const audits = (await world.store.query('auditLog')).filter((a) => a.data?.action === 'moderation.flagged');
    expect(audits).toHaveLength(1);
  });

  it('a crash after numbering but before the push: the retry pushes without numbering again', async () => {
    const world = await groupWorld();
    const { messageId } = await world.messaging.messages.send(as('member'), {
      conversationId: world.cid,
      ...textMessage('c1'),
    });
    const push = world.infra.delivery.push;
    const send = push.send.bind(push);
    push.send = async () => {
      throw new Error('fcm unavailable');
    };
    await expect(triggerFor(world, world.cid, messageId)).rejects.toThrow('fcm unavailable');
    expect(await unread(world, world.cid, 'owner')).toBe(1);
    push.send = send;
    const retry = await triggerFor(world, world.cid, messageId);
    expect(retry).toMatchObject({ counted: false, seq: 1 });
    expect(await unread(world, world.cid, 'owner')).toBe(1);
    expect(pushesOf(world, messageId)).toHaveLength(3);
    expect((await world.store.get(processedMarker(world.cid, messageId))).data).toMatchObject({ published: true });
  });

  it('pushes straight to FCM, one call for every device, collapsed per conversation, to members neither active nor muted', async () => {
    const world = await groupWorld();
    const now = world.clock.now().getTime();
    await world.store.update(paths.member(world.cid, 'admin'), { activeUntil: new Date(now + 60_000) });
    await world.store.update(paths.member(world.cid, 'other'), { mutedUntil: new Date(now + 3_600_000) });
    // An expired mute no longer silences; a second phone gets it too.
    await world.store.update(paths.member(world.cid, 'owner'), { mutedUntil: new Date(now - 1) });
    await world.addDevice('owner', 'owner-tablet', { platform: 'android' });
    const calls: number[] = [];
    const push = world.infra.delivery.push;
    const send = push.send.bind(push);
    push.send = (messages) => (calls.push(messages.length), send(messages));
    const { messageId } = await world.messaging.messages.send(as('member'), {
      conversationId: world.cid,
      ...textMessage('c1', 'x'.repeat(300)),
    });
    const outcome = await triggerFor(world, world.cid, messageId);
    expect(outcome).toMatchObject({ pushedTo: ['owner'], pipeline: [] });
    expect(calls).toEqual([2]);
    const pushes = pushesOf(world, messageId);
    expect(pushes.map((m) => m.token).sort()).toEqual([phone('owner'), deviceToken('owner-tablet')].sort());
    const key = chatCollapseKey(world.cid);
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    expect(pushes[0]).toMatchObject({
      notification: { title: 'Indigo Collective', body: `User member: ${'x'.repeat(119)}…` },
      data: {
        conversationId: world.cid,
        messageId,
        link: `/conversations/${world.cid}`,
        type: 'messaging.new_message',
        deliveryId: chatDeliveryId(world.cid, messageId),
      },
      android: { collapseKey: key, notification: { channelId: 'messages', tag: key } },
      apns: { headers: { 'apns-collapse-id': key } },
      webpush: { headers: { Topic: key } },
    });
    // The pipeline is not involved, and the ledger has one record for the batch.
    expect(published(world)).toHaveLength(0);
    expect((await world.store.get(paths.delivery(chatDeliveryId(world.cid, messageId)))).data).toMatchObject({
      status: 'sent',
      channel: 'push',
      batch: true,
      recipients: 1,
      devices: 2,
      sentCount: 2,
    });
    // Muted and active members still have it unread.
    expect(await unread(world, world.cid, 'other')).toBe(1);
    expect(await unread(world, world.cid, 'admin')).toBe(1);
  });

  it('a second message replaces the first on the device: same collapse key, no burst hold', async () => {
    const world = await groupWorld();
    const ids: string[] = [];
    for (const c of ['c1', 'c2']) {
      const { messageId } = await world.messaging.messages.send(as('member'), {
        conversationId: world.cid,
        ...textMessage(c),
      });
      await triggerFor(world, world.cid, messageId);
      ids.push(messageId);
      world.clock.advance(1000);
    }
    const [a, b] = ids.map((mid) => pushesOf(world, mid).find((m) => m.token === phone('owner'))!);
    expect(a!.android.collapseKey).toBe(b!.android.collapseKey);
    expect(a!.apns.headers['apns-collapse-id']).toBe(b!.apns.headers['apns-collapse-id']);
  });

  it('preferences as the pipeline applies them: off → nothing, quiet hours or email on → the pipeline, for those only', async () => {
    const world = await groupWorld();
    // 10:00:01 UTC: owner's quiet hours cover it; admin switched messaging off; other wants email as well.
    await world.store.set(paths.preferences('owner'), { quietHours: { enabled: true, start: '09:00', end: '11:00' } });
    await world.store.set(paths.preferences('admin'), { categories: { messaging: { frequency: 'off' } } });
    await world.store.set(paths.preferences('other'), { categories: { messaging: { channels: { email: true } } } });
    const { messageId } = await world.messaging.messages.send(as('member'), {
      conversationId: world.cid,
      ...textMessage('c1'),
    });
    const outcome = await triggerFor(world, world.cid, messageId);
    expect(outcome.status === 'processed' && [...outcome.pipeline].sort()).toEqual(['other', 'owner']);
    expect(pushesOf(world, messageId)).toHaveLength(0);
    const [event] = published(world);
    expect(event).toEqual({
      type: 'messaging.new_message',
      idempotencyKey: `message:${world.cid}/${messageId}`,
      occurredAt: '2026-11-21T10:00:01.000Z',
      payload: {
        conversationId: world.cid,
        messageId,
        senderId: 'member',
        senderName: 'User member',
        recipientIds: expect.arrayContaining(['owner', 'other']),
        conversationTitle: 'Indigo Collective',
        preview: 'Hello there',
        messageType: 'text',
        encrypted: false,
      },
    });
  });

  it('does not push to a member who blocked the sender', async () => {
    const world = await groupWorld();
    await world.messaging.conversations.block(as('other'), { uid: 'member' });
    const { messageId } = await world.messaging.messages.send(as('member'), {
      conversationId: world.cid,
      ...textMessage('c1'),
    });
    const outcome = await triggerFor(world, world.cid, messageId);
    expect(outcome.status === 'processed' && [...outcome.pushedTo].sort()).toEqual(['admin', 'owner']);
    expect(pushesOf(world, messageId).map((m) => m.token)).not.toContain(phone('other'));
  });

  it('a token FCM reports dead is removed; the others still get it', async () => {
    const world = await groupWorld();
    world.infra.delivery.push.deadTokens.add(phone('admin'));
    const { messageId } = await world.messaging.messages.send(as('member'), {
      conversationId: world.cid,
      ...textMessage('c1'),
    });
    await triggerFor(world, world.cid, messageId);
    expect((await world.store.get(paths.device('admin', 'admin-phone'))).exists).toBe(false);
    expect((await world.store.get(paths.device('owner', 'owner-phone'))).exists).toBe(true);
    expect((await world.store.get(paths.delivery(chatDeliveryId(world.cid, messageId)))).data).toMatchObject({
      sentCount: 2,
      failedCount: 1,
      tokensPruned: 1,
    });
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
    expect(pushesOf(world, messageId)[0]?.notification.body).toBe('User member: New encrypted message');
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
    expect(world.infra.delivery.push.sent).toHaveLength(0);
    expect((await world.store.get(paths.conversation(world.cid))).data?.lastMessageSeq).toBe(0);
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
    expect(world.infra.delivery.push.sent).toHaveLength(0);
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
