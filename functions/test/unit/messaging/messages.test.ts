import { describe, expect, it } from 'vitest';
import { paths } from '../../../src/domain/paths.js';
import { parseInput } from '../../../src/domain/validation.js';
import { sendMessageInput } from '../../../src/app/messaging/inputs.js';
import { messageSchema } from '../../../src/domain/messaging/message.js';
import { as, groupWorld, messagingWorld, textMessage } from './setup.js';

// Parses like the callable wrapper does, so bad input is rejected the way a client would see it.
const send = async (world: Awaited<ReturnType<typeof groupWorld>>, uid: string, content: Record<string, unknown>) =>
  world.messaging.messages.send(as(uid), parseInput(sendMessageInput, { conversationId: world.cid, ...content }));

describe('sending', () => {
  it('stores every message type in the shared schema', async () => {
    const world = await groupWorld();
    const cid = world.cid;
    const contents = [
      textMessage('t1'),
      {
        type: 'image',
        clientMessageId: 'i1',
        text: 'In daylight',
        attachments: [
          {
            kind: 'image',
            path: `conversations/${cid}/member/bowl.jpg`,
            contentType: 'image/jpeg',
            size: 842113,
            name: 'bowl.jpg',
          },
        ],
      },
      {
        type: 'file',
        clientMessageId: 'f1',
        attachments: [
          {
            kind: 'file',
            path: `conversations/${cid}/member/dye.pdf`,
            contentType: 'application/pdf',
            size: 1000,
            name: 'dye.pdf',
          },
        ],
      },
      {
        type: 'voice',
        clientMessageId: 'v1',
        attachments: [
          {
            kind: 'voice',
            path: `conversations/${cid}/member/note.m4a`,
            contentType: 'audio/mp4',
            size: 2000,
            name: 'note.m4a',
          },
        ],
      },
      {
        type: 'material_spec',
        clientMessageId: 'ms1',
        materialSpec: {
          material: 'Indigo',
          quantity: 2,
          unit: 'kg',
          colour: 'deep blue',
          supplier: 'co-op',
          notes: 'ferment 10 days',
        },
      },
      {
        type: 'technique',
        clientMessageId: 'te1',
        technique: { title: 'Shibori', steps: ['Wrap', 'Bind', 'Dip'], difficulty: 'intermediate' },
      },
      {
        type: 'workshop',
        clientMessageId: 'w1',
        workshop: {
          title: 'Open studio',
          start: '2026-12-05T04:30:00Z',
          end: '2026-12-05T08:30:00Z',
          place: 'Studio 4',
          capacity: 12,
        },
      },
      { ...textMessage('r1', 'Agreed'), replyTo: 'member_t1' },
    ];
    for (const content of contents) await send(world, 'member', content);
    const stored = (await world.store.query(paths.messages(cid))).filter((m) => m.data?.senderId === 'member');
    expect(stored.map((m) => m.data?.type).sort()).toEqual([
      'file',
      'image',
      'material_spec',
      'technique',
      'text',
      'text',
      'voice',
      'workshop',
    ]);
    for (const m of stored) expect(messageSchema.safeParse(m.data).success, m.id).toBe(true);
    const workshop = await world.store.get(paths.message(cid, 'member_w1'));
    expect(workshop.data?.workshop).toMatchObject({ start: new Date('2026-12-05T04:30:00Z') });
  });

  it('a duplicate clientMessageId is stored once', async () => {
    const world = await groupWorld();
    const results = await Promise.all([1, 2, 3].map(() => send(world, 'member', textMessage('offline-1'))));
    expect(results.map((r) => r.messageId)).toEqual(['member_offline-1', 'member_offline-1', 'member_offline-1']);
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(
      (await world.store.query(paths.messages(world.cid))).filter((m) => m.data?.clientMessageId === 'offline-1'),
    ).toHaveLength(1);
  });

  it('bad inputs are rejected naming the field, with nothing written', async () => {
    const world = await groupWorld();
    const before = world.store.dump();
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [textMessage('a', 'x'.repeat(4001)), /data\.text/],
      [{ type: 'poem', text: 'roses', clientMessageId: 'b' }, /data\.type/],
      [{ type: 'text', clientMessageId: 'c' }, /data\.text: is required/],
      [
        {
          type: 'image',
          clientMessageId: 'd',
          attachments: [
            {
              kind: 'image',
              path: `conversations/${world.cid}/member/x.exe`,
              contentType: 'application/x-msdownload',
              size: 10,
              name: 'x.exe',
            },
          ],
        },
        /data\.attachments\[0\]\.contentType/,
      ],
      [
        {
          type: 'image',
          clientMessageId: 'e',
          attachments: [
            {
              kind: 'image',
              path: `conversations/${world.cid}/member/huge.jpg`,
              contentType: 'image/jpeg',
              size: 50_000_000,
              name: 'huge.jpg',
            },
          ],
        },
        /data\.attachments\[0\]\.size/,
      ],
      [
        {
          type: 'workshop',
          clientMessageId: 'f',
          workshop: { title: 'W', start: '2026-12-05T08:00:00Z', end: '2026-12-05T07:00:00Z', capacity: 5 },
        },
        /data\.workshop\.end.*data\.workshop\.place|data\.workshop\.place.*data\.workshop\.end/,
      ],
      [{ type: 'text', text: 'hi', clientMessageId: 'has spaces' }, /data\.clientMessageId/],
      [
        { type: 'text', text: 'hi', clientMessageId: 'g', materialSpec: { material: 'x', quantity: 1, unit: 'kg' } },
        /data\.materialSpec: is not allowed on a text message/,
      ],
    ];
    for (const [content, field] of bad) {
      await expect(send(world, 'member', content), JSON.stringify(content).slice(0, 60)).rejects.toMatchObject({
        code: 'invalid-argument',
        message: expect.stringMatching(field),
      });
    }
    await expect(send(world, 'member', { ...textMessage('h'), replyTo: 'nope' })).rejects.toMatchObject({
      message: expect.stringMatching(/data\.replyTo/),
    });
    await expect(
      send(world, 'member', {
        type: 'image',
        clientMessageId: 'i',
        attachments: [
          {
            kind: 'image',
            path: `conversations/${world.cid}/owner/a.jpg`,
            contentType: 'image/jpeg',
            size: 10,
            name: 'a.jpg',
          },
        ],
      }),
    ).rejects.toMatchObject({ message: expect.stringMatching(/data\.attachments\[0\]\.path/) });
    await expect(send(world, 'outsider', textMessage('j'))).rejects.toMatchObject({ code: 'permission-denied' });
    await expect(
      send(world, 'member', { type: 'system', text: 'I am the system', clientMessageId: 'k' }),
    ).rejects.toMatchObject({ code: 'permission-denied' });
    expect(world.store.dump()).toEqual(before);
  });

  it('announcement-only groups: members are refused, admins post', async () => {
    const world = await groupWorld({ announcementOnly: true });
    await expect(send(world, 'member', textMessage('a'))).rejects.toMatchObject({
      code: 'permission-denied',
      message: 'only the owner and admins may post in an announcement-only group',
    });
    await expect(send(world, 'admin', textMessage('b'))).resolves.toMatchObject({ duplicate: false });
  });

  it('blocked users cannot continue a direct conversation', async () => {
    const world = await messagingWorld();
    const { conversationId } = await world.messaging.conversations.createDirect(as('member'), { otherUid: 'other' });
    await world.messaging.messages.send(as('member'), { conversationId, ...textMessage('a') });
    await world.messaging.conversations.block(as('other'), { uid: 'member' });
    await expect(
      world.messaging.messages.send(as('member'), { conversationId, ...textMessage('b') }),
    ).rejects.toMatchObject({ code: 'permission-denied' });
    await expect(
      world.messaging.messages.send(as('other'), { conversationId, ...textMessage('c') }),
    ).rejects.toMatchObject({ code: 'permission-denied' });
  });

  it('E2EE conversations take only the envelope; plaintext is refused', async () => {
    const world = await groupWorld({ e2ee: true });
    const envelope = {
      alg: 'X25519-HKDF-SHA256+A256GCM',
      ciphertext: 'Y2lwaGVy',
      iv: 'aXZpdml2aXZpdml2',
      keyIds: ['owner:d1', 'member:d2'],
      epk: 'ZXBr',
      wrappedKeys: { 'owner:d1': 'a2V5MQ==', 'member:d2': 'a2V5Mg==' },
    };
    await expect(send(world, 'member', textMessage('a'))).rejects.toMatchObject({
      code: 'invalid-argument',
      message: expect.stringMatching(/end-to-end encrypted/),
    });
    await expect(
      send(world, 'member', { type: 'text', text: 'leak', clientMessageId: 'b', encrypted: envelope }),
    ).rejects.toMatchObject({ message: expect.stringMatching(/data\.text: must be absent on an encrypted message/) });
    await expect(
      send(world, 'member', { type: 'text', clientMessageId: 'c', encrypted: envelope }),
    ).resolves.toMatchObject({ duplicate: false });
    const plain = await groupWorld();
    await expect(
      send(plain, 'member', { type: 'text', clientMessageId: 'd', encrypted: envelope }),
    ).rejects.toMatchObject({ message: expect.stringMatching(/not end-to-end encrypted/) });
  });

  it('a backend service sends system messages without being a member', async () => {
    const world = await groupWorld();
    await expect(
      world.messaging.messages.send(as('commerce', 'service'), {
        conversationId: world.cid,
        type: 'system',
        text: 'Order shipped',
        clientMessageId: 'order-1-shipped',
      }),
    ).resolves.toMatchObject({ messageId: 'commerce_order-1-shipped' });
  });
});

describe('editing', () => {
  it('the sender edits within 15 minutes; history is kept', async () => {
    const world = await groupWorld();
    const { messageId } = await send(world, 'member', textMessage('a', 'first draft'));
    world.clock.advance(60_000);
    await world.messaging.messages.edit(as('member'), { conversationId: world.cid, messageId, text: 'second draft' });
    world.clock.advance(60_000);
    await world.messaging.messages.edit(as('member'), { conversationId: world.cid, messageId, text: 'final' });
    const data = (await world.store.get(paths.message(world.cid, messageId))).data;
    expect(data).toMatchObject({ text: 'final', editedAt: new Date('2026-11-21T10:02:00.000Z') });
    expect(data?.editHistory).toEqual([
      { text: 'first draft', editedAt: new Date('2026-11-21T10:00:00.000Z') },
      { text: 'second draft', editedAt: new Date('2026-11-21T10:01:00.000Z') },
    ]);
    expect(messageSchema.safeParse(data).success).toBe(true);
  });

  it('refuses others, late edits, tombstones and type changes', async () => {
    const world = await groupWorld();
    const { messageId } = await send(world, 'member', textMessage('a', 'hello'));
    await expect(
      world.messaging.messages.edit(as('owner'), { conversationId: world.cid, messageId, text: 'x' }),
    ).rejects.toMatchObject({ code: 'permission-denied' });
    await expect(
      world.messaging.messages.edit(as('member'), {
        conversationId: world.cid,
        messageId,
        technique: { title: 't', steps: ['s'], difficulty: 'beginner' },
      }),
    ).rejects.toMatchObject({
      code: 'invalid-argument',
      message: expect.stringMatching(/technique: is not allowed on a text message/),
    });
    world.clock.advance(15 * 60_000 + 1);
    await expect(
      world.messaging.messages.edit(as('member'), { conversationId: world.cid, messageId, text: 'late' }),
    ).rejects.toMatchObject({ code: 'failed-precondition' });
    const { messageId: second } = await send(world, 'member', textMessage('b', 'bye'));
    await world.messaging.messages.delete(as('member'), { conversationId: world.cid, messageId: second });
    await expect(
      world.messaging.messages.edit(as('member'), { conversationId: world.cid, messageId: second, text: 'back' }),
    ).rejects.toMatchObject({ code: 'failed-precondition' });
  });
});

describe('deleting', () => {
  it('leaves a tombstone without content, audited', async () => {
    const world = await groupWorld();
    const { messageId } = await send(world, 'member', { ...textMessage('a', 'oops'), replyTo: undefined });
    await world.messaging.messages.edit(as('member'), { conversationId: world.cid, messageId, text: 'oops2' });
    await world.messaging.messages.delete(as('member'), { conversationId: world.cid, messageId });
    const data = (await world.store.get(paths.message(world.cid, messageId))).data;
    expect(data).toEqual({
      senderId: 'member',
      type: 'text',
      clientMessageId: 'a',
      createdAt: new Date('2026-11-21T10:00:00.000Z'),
      editedAt: new Date('2026-11-21T10:00:00.000Z'),
      deleted: true,
      deletedBy: 'member',
      deletedAt: new Date('2026-11-21T10:00:00.000Z'),
    });
    expect(messageSchema.safeParse(data).success).toBe(true);
    const audits = (await world.store.query('auditLog')).filter((a) => a.data?.action === 'message.deleted');
    expect(audits[0]?.data).toMatchObject({
      actorUid: 'member',
      target: { type: 'message', id: `${world.cid}/${messageId}` },
    });
  });

  it('others: group owner/admin over lower roles, platform admins; members never', async () => {
    const world = await groupWorld();
    const byMember = await send(world, 'member', textMessage('a'));
    const byOwner = await send(world, 'owner', textMessage('b'));
    const del = (uid: string, messageId: string, ...roles: Array<'admin'>) =>
      world.messaging.messages.delete(as(uid, ...roles), { conversationId: world.cid, messageId });
    await expect(del('other', byMember.messageId)).rejects.toMatchObject({ code: 'permission-denied' });
    await expect(del('admin', byOwner.messageId)).rejects.toMatchObject({ code: 'permission-denied' });
    await expect(del('outsider', byMember.messageId)).rejects.toMatchObject({ code: 'permission-denied' });
    await del('admin', byMember.messageId);
    await del('platform-moderator', byOwner.messageId, 'admin');
    for (const m of [byMember, byOwner])
      expect((await world.store.get(paths.message(world.cid, m.messageId))).data?.deleted).toBe(true);
  });

  it('deleting the last message updates the summary preview', async () => {
    const world = await groupWorld();
    const { messageId } = await send(world, 'member', textMessage('a', 'secret plans'));
    await world.messaging.onMessageCreated.handle(
      world.cid,
      messageId,
      (await world.store.get(paths.message(world.cid, messageId))).data!,
    );
    await world.messaging.messages.delete(as('member'), { conversationId: world.cid, messageId });
    expect((await world.store.get(paths.conversation(world.cid))).data?.lastMessage).toMatchObject({
      messageId,
      preview: 'Message deleted',
    });
  });
});
