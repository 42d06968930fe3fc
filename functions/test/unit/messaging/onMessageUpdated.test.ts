import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { MemoryObjectStorage } from '../../../src/adapters/memory/memoryObjectStorage.js';
import { paths } from '../../../src/domain/paths.js';
import { tombstone } from '../../../src/app/messaging/messages.js';
import { moderationItemId } from '../../../src/app/messaging/moderation.js';
import { messageChange } from '../../../src/domain/messaging/messageChange.js';
import type { groupWorld } from './setup.js';
import { as, auditEntries, groupWorld as makeGroup, textMessage, triggerFor, updateTriggerFor } from './setup.js';

type World = Awaited<ReturnType<typeof groupWorld>>;

/** What a client writes directly (firestore.rules validEdit): new text, editedAt now, one more history entry. */
async function clientEdit(world: World, mid: string, text: string) {
  const stored = (await world.store.get(paths.message(world.cid, mid))).data!;
  const history = (stored.editHistory as unknown[] | undefined) ?? [];
  await world.store.update(paths.message(world.cid, mid), {
    text,
    editedAt: world.clock.now(),
    editHistory: [...history, { text: stored.text, editedAt: stored.editedAt ?? stored.createdAt }],
  });
}

/** What a client writes for a tombstone (firestore.rules validTombstone). */
const clientTombstone = (world: World, mid: string, by: string) =>
  world.store.update(paths.message(world.cid, mid), tombstone(by, world.clock.now()));

async function sentAndProcessed(world: World, uid: string, clientMessageId: string, text: string) {
  const { messageId } = await world.messaging.messages.send(as(uid), {
    conversationId: world.cid,
    ...textMessage(clientMessageId, text),
  });
  await triggerFor(world, world.cid, messageId);
  return messageId;
}

const lastMessage = async (world: World) =>
  (await world.store.get(paths.conversation(world.cid))).data?.lastMessage as Record<string, unknown> | undefined;

describe('audit trail of messages (issue 6: sent, edited, deleted)', () => {
  it('message.sent: one entry per message however often the created trigger runs; group-change system messages are audited by their callable', async () => {
    const world = await makeGroup();
    const { messageId } = await world.messaging.messages.send(as('member'), {
      conversationId: world.cid,
      ...textMessage('c1'),
    });
    await Promise.all([triggerFor(world, world.cid, messageId), triggerFor(world, world.cid, messageId)]);
    await triggerFor(world, world.cid, messageId);
    const sent = await auditEntries(world, 'message.sent');
    expect(sent).toEqual([
      expect.objectContaining({
        actorUid: 'member',
        action: 'message.sent',
        target: { type: 'message', id: `${world.cid}/${messageId}` },
        details: { type: 'text', encrypted: false },
        at: expect.any(Date),
      }),
    ]);
    const system = (await world.store.query(paths.messages(world.cid))).filter((m) => m.data?.type === 'system');
    expect(system.length).toBeGreaterThan(0);
    for (const m of system) await triggerFor(world, world.cid, m.id);
    expect(await auditEntries(world, 'message.sent')).toHaveLength(1);
    expect(await auditEntries(world, 'group.created')).toHaveLength(1);
  });

  it('message.sent for an encrypted message says so, and a malformed one is audited as sent too', async () => {
    const world = await makeGroup({ e2ee: true });
    const { messageId } = await world.messaging.messages.send(as('member'), {
      conversationId: world.cid,
      type: 'text',
      clientMessageId: 'e1',
      encrypted: {
        alg: 'X25519-HKDF-SHA256+A256GCM',
        ciphertext: 'aGVsbG8=',
        iv: 'AAAAAAAAAAAAAAAA',
        keyIds: ['owner:d1'],
      },
    });
    await triggerFor(world, world.cid, messageId);
    await world.store.create(paths.message(world.cid, 'bad'), {
      senderId: 'other',
      type: 'poem',
      clientMessageId: 'bad',
      createdAt: new Date(),
    });
    expect(await triggerFor(world, world.cid, 'bad')).toMatchObject({ status: 'invalid' });
    const sent = await auditEntries(world, 'message.sent');
    expect(sent.map((e) => [e.actorUid, e.details])).toEqual(
      expect.arrayContaining([
        ['member', { type: 'text', encrypted: true }],
        ['other', { type: 'poem', encrypted: false }],
      ]),
    );
    expect(sent).toHaveLength(2);
  });

  it('message.edited from a client’s direct edit: one entry per edit, a second run adds none', async () => {
    const world = await makeGroup();
    const mid = await sentAndProcessed(world, 'member', 'c1', 'first draft');
    world.clock.advance(60_000);
    const first = await updateTriggerFor(world, world.cid, mid, () => clientEdit(world, mid, 'second draft'));
    await first.run();
    await first.run();
    world.clock.advance(60_000);
    const second = await updateTriggerFor(world, world.cid, mid, () => clientEdit(world, mid, 'final'));
    expect(await second.run()).toMatchObject({ status: 'processed', change: 'edited' });
    // Entry ids are hashes of their keys (random order across runs): order by edit number.
    const edits = (await auditEntries(world, 'message.edited')).sort(
      (a, b) => Number((a.details as { edit: number }).edit) - Number((b.details as { edit: number }).edit),
    );
    expect(edits.map((e) => [e.actorUid, e.target, e.details])).toEqual([
      [
        'member',
        { type: 'message', id: `${world.cid}/${mid}` },
        { edit: 1, editedAt: new Date('2026-11-21T10:01:00.000Z') },
      ],
      [
        'member',
        { type: 'message', id: `${world.cid}/${mid}` },
        { edit: 2, editedAt: new Date('2026-11-21T10:02:00.000Z') },
      ],
    ]);
  });

  it('editMessage (callable) audits in its transaction; the trigger that follows adds nothing', async () => {
    const world = await makeGroup();
    const mid = await sentAndProcessed(world, 'member', 'c1', 'first draft');
    const update = await updateTriggerFor(world, world.cid, mid, () =>
      world.messaging.messages.edit(as('member'), { conversationId: world.cid, messageId: mid, text: 'better' }),
    );
    expect(await auditEntries(world, 'message.edited')).toHaveLength(1);
    await update.run();
    await update.run();
    expect(await auditEntries(world, 'message.edited')).toEqual([
      expect.objectContaining({ actorUid: 'member', details: { edit: 1, editedAt: world.clock.now() } }),
    ]);
  });

  it('message.deleted from a client’s own tombstone, actor = deletedBy (a group admin here), once', async () => {
    const world = await makeGroup();
    const mid = await sentAndProcessed(world, 'member', 'c1', 'oops');
    const update = await updateTriggerFor(world, world.cid, mid, () => clientTombstone(world, mid, 'admin'));
    expect(await update.run()).toMatchObject({ status: 'processed', change: 'deleted' });
    await update.run();
    expect(await auditEntries(world, 'message.deleted')).toEqual([
      expect.objectContaining({
        actorUid: 'admin',
        target: { type: 'message', id: `${world.cid}/${mid}` },
        details: { senderId: 'member' },
      }),
    ]);
  });

  it('deleteMessage (callable) is not audited twice: the trigger finds the callable’s entry', async () => {
    const world = await makeGroup();
    const mid = await sentAndProcessed(world, 'member', 'c1', 'oops');
    const update = await updateTriggerFor(world, world.cid, mid, () =>
      world.messaging.messages.delete(as('member'), { conversationId: world.cid, messageId: mid }),
    );
    const callableEntry = await auditEntries(world, 'message.deleted');
    expect(callableEntry).toHaveLength(1);
    await update.run();
    await update.run();
    expect(await auditEntries(world, 'message.deleted')).toEqual(callableEntry);
  });

  it('a moderation removal is audited once, as message.removed, not again as message.deleted', async () => {
    const world = await makeGroup();
    const mid = await sentAndProcessed(world, 'member', 'c1', 'pay me on paypal instead');
    const itemId = moderationItemId(world.cid, mid);
    const update = await updateTriggerFor(world, world.cid, mid, () =>
      world.messaging.moderation.decide(as('mod', 'admin'), { itemId, action: 'remove' }),
    );
    await update.run();
    expect(await auditEntries(world, 'message.removed')).toEqual([
      expect.objectContaining({ actorUid: 'mod', details: { itemId, senderId: 'member' } }),
    ]);
    expect(await auditEntries(world, 'message.deleted')).toEqual([]);
  });

  it('other updates (erasure pseudonymising the sender) and malformed documents are not audited', async () => {
    const world = await makeGroup();
    const mid = await sentAndProcessed(world, 'member', 'c1', 'hello');
    const pseudonymised = await updateTriggerFor(world, world.cid, mid, () =>
      world.store.update(paths.message(world.cid, mid), { senderDeleted: true }),
    );
    expect(await pseudonymised.run()).toMatchObject({ status: 'processed', change: 'other' });
    const malformed = await world.messaging.onMessageUpdated.handle(
      world.cid,
      mid,
      { type: 'text' },
      { senderId: 'member', type: 'text', deleted: true },
    );
    expect(malformed).toMatchObject({ status: 'invalid', reason: expect.stringMatching(/before\.senderId/) });
    const actions = (await world.store.query('auditLog')).map((a) => a.data?.action);
    expect(actions).not.toContain('message.edited');
    expect(actions).not.toContain('message.deleted');
  });
});

describe('messageChange', () => {
  const base = { senderId: 'a', type: 'text' };
  it('tells edits, tombstones and anything else apart', () => {
    expect(messageChange(base, { ...base, editHistory: [{}] })).toEqual({
      kind: 'edited',
      edit: 1,
      editedAt: undefined,
    });
    expect(messageChange({ ...base, editHistory: [{}] }, { ...base, deleted: true, deletedBy: 'b' })).toEqual({
      kind: 'deleted',
      deletedBy: 'b',
    });
    expect(messageChange({ ...base, deleted: true }, { ...base, deleted: true, senderDeleted: true })).toEqual({
      kind: 'other',
    });
    expect(messageChange({ ...base, editHistory: [{}] }, { ...base, editHistory: [{}] })).toEqual({ kind: 'other' });
  });
});

describe('lastMessage follows edits and tombstones written by clients', () => {
  it('an edit of the last message updates the preview; a second run writes nothing', async () => {
    const world = await makeGroup();
    const mid = await sentAndProcessed(world, 'member', 'c1', 'first draft');
    expect(await lastMessage(world)).toMatchObject({ messageId: mid, preview: 'first draft' });
    const update = await updateTriggerFor(world, world.cid, mid, () => clientEdit(world, mid, 'final wording'));
    expect(await update.run()).toMatchObject({ summary: 'updated' });
    const after = (await world.store.get(paths.conversation(world.cid))).data;
    expect(after?.lastMessage).toMatchObject({ messageId: mid, preview: 'final wording', senderId: 'member' });
    expect(await update.run()).toMatchObject({ summary: 'unchanged' });
    expect((await world.store.get(paths.conversation(world.cid))).data).toEqual(after);
  });

  it('a client tombstone of the last message shows "Message deleted" and keeps lastMessageAt', async () => {
    const world = await makeGroup();
    const mid = await sentAndProcessed(world, 'member', 'c1', 'oops');
    const at = (await world.store.get(paths.conversation(world.cid))).data?.lastMessageAt;
    world.clock.advance(5_000);
    const update = await updateTriggerFor(world, world.cid, mid, () => clientTombstone(world, mid, 'member'));
    await update.run();
    const conversation = (await world.store.get(paths.conversation(world.cid))).data;
    expect(conversation?.lastMessage).toMatchObject({ messageId: mid, preview: 'Message deleted' });
    expect(conversation?.lastMessageAt).toEqual(at);
  });

  it('editing or deleting an older message never moves lastMessage to it', async () => {
    const world = await makeGroup();
    const older = await sentAndProcessed(world, 'member', 'c1', 'older');
    world.clock.advance(1_000);
    const newer = await sentAndProcessed(world, 'owner', 'c2', 'newer');
    const edit = await updateTriggerFor(world, world.cid, older, () => clientEdit(world, older, 'older, edited'));
    expect(await edit.run()).toMatchObject({ summary: 'not-last' });
    const del = await updateTriggerFor(world, world.cid, older, () => clientTombstone(world, older, 'member'));
    expect(await del.run()).toMatchObject({ summary: 'not-last' });
    expect(await lastMessage(world)).toMatchObject({ messageId: newer, preview: 'newer', senderId: 'owner' });
  });

  it('an edit whose update trigger ran before the created trigger: the created trigger writes the edited preview', async () => {
    const world = await makeGroup();
    const { messageId } = await world.messaging.messages.send(as('member'), {
      conversationId: world.cid,
      ...textMessage('c1', 'typo'),
    });
    const stale = (await world.store.get(paths.message(world.cid, messageId))).data!;
    const update = await updateTriggerFor(world, world.cid, messageId, () => clientEdit(world, messageId, 'fixed'));
    expect(await update.run()).toMatchObject({ summary: 'not-last' });
    // The created trigger read the message before the edit and finishes after it.
    await world.messaging.onMessageCreated.handle(world.cid, messageId, stale);
    expect(await lastMessage(world)).toMatchObject({ messageId, preview: 'fixed' });
  });

  it('deleteMessage already fixed the preview: the trigger finds nothing to change', async () => {
    const world = await makeGroup();
    const mid = await sentAndProcessed(world, 'member', 'c1', 'oops');
    const update = await updateTriggerFor(world, world.cid, mid, () =>
      world.messaging.messages.delete(as('member'), { conversationId: world.cid, messageId: mid }),
    );
    expect(await update.run()).toMatchObject({ summary: 'unchanged' });
    expect(await lastMessage(world)).toMatchObject({ messageId: mid, preview: 'Message deleted' });
  });
});

describe("a tombstoned message's media (issue 11: tombstoned messages kept their media readable)", () => {
  const put = (world: World, path: string) =>
    world.infra.mediaStorage!.write(path, 'image/jpeg', Readable.from([Buffer.from('jpeg bytes')]));
  const stored = (world: World) => (world.infra.mediaStorage as MemoryObjectStorage).paths().sort();

  it('is deleted by the update trigger, exactly the objects it named, and only the sender’s own in this conversation', async () => {
    const world = await makeGroup();
    const own = `conversations/${world.cid}/member/bowl.jpg`;
    const sameStem = `conversations/${world.cid}/member/bowl.jpg2.jpg`; // another upload whose name starts with the same text
    const others = `conversations/${world.cid}/other/theirs.jpg`;
    const elsewhere = `conversations/elsewhere/member/kept.jpg`;
    for (const path of [own, sameStem, others, elsewhere]) await put(world, path);
    const { messageId } = await world.messaging.messages.send(as('member'), {
      conversationId: world.cid,
      type: 'image',
      clientMessageId: 'img',
      attachments: [{ kind: 'image', path: own, contentType: 'image/jpeg', size: 10, name: 'bowl.jpg' }],
    });
    await triggerFor(world, world.cid, messageId);
    // A message written around the schema that names media it does not own (the rules and the callable refuse it).
    await world.store.create(paths.message(world.cid, 'forged'), {
      senderId: 'member',
      type: 'image',
      clientMessageId: 'forged',
      createdAt: world.clock.now(),
      attachments: [
        { kind: 'image', path: others, contentType: 'image/jpeg', size: 10, name: 'x.jpg' },
        { kind: 'image', path: elsewhere, contentType: 'image/jpeg', size: 10, name: 'y.jpg' },
      ],
    });

    for (const mid of [messageId, 'forged']) {
      const { run } = await updateTriggerFor(world, world.cid, mid, () => clientTombstone(world, mid, 'member'));
      await run();
      await run(); // a trigger may run twice
    }
    expect(stored(world)).toEqual([elsewhere, sameStem, others].sort());
  });
});
