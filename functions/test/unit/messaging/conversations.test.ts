import { describe, expect, it } from 'vitest';
import { paths } from '../../../src/domain/paths.js';
import { GROUP_LIMITS } from '../../../src/domain/messaging/conversation.js';
import { as, groupWorld, messagingWorld } from './setup.js';

const roleOf = async (world: Awaited<ReturnType<typeof messagingWorld>>, cid: string, uid: string) =>
  (await world.store.get(paths.member(cid, uid))).data?.role;

const auditActions = async (world: Awaited<ReturnType<typeof messagingWorld>>) =>
  (await world.store.query('auditLog')).map((a) => a.data?.action);

describe('direct conversations', () => {
  it('one per pair, ever: either side gets the same conversation', async () => {
    const world = await messagingWorld();
    const first = await world.messaging.conversations.createDirect(as('member'), { otherUid: 'other' });
    const second = await world.messaging.conversations.createDirect(as('other'), { otherUid: 'member' });
    expect(first).toEqual({ conversationId: 'dm_member_other', created: true });
    expect(second).toEqual({ conversationId: 'dm_member_other', created: false });
    expect((await world.store.get(paths.conversation('dm_member_other'))).data).toMatchObject({
      type: 'direct',
      memberIds: ['member', 'other'],
    });
    expect(await roleOf(world, 'dm_member_other', 'member')).toBe('member');
  });

  it('blocked users cannot start one, in either direction, until unblocked', async () => {
    const world = await messagingWorld();
    await world.messaging.conversations.block(as('other'), { uid: 'member' });
    await expect(world.messaging.conversations.createDirect(as('member'), { otherUid: 'other' })).rejects.toMatchObject(
      { code: 'permission-denied' },
    );
    await expect(world.messaging.conversations.createDirect(as('other'), { otherUid: 'member' })).rejects.toMatchObject(
      { code: 'permission-denied' },
    );
    expect((await world.store.get(paths.conversation('dm_member_other'))).exists).toBe(false);
    await world.messaging.conversations.unblock(as('other'), { uid: 'member' });
    await expect(
      world.messaging.conversations.createDirect(as('member'), { otherUid: 'other' }),
    ).resolves.toMatchObject({ created: true });
    expect(await auditActions(world)).toEqual(
      expect.arrayContaining(['user.blocked', 'user.unblocked', 'conversation.direct_created']),
    );
  });

  it('rejects yourself and unknown users', async () => {
    const world = await messagingWorld();
    await expect(
      world.messaging.conversations.createDirect(as('member'), { otherUid: 'member' }),
    ).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(world.messaging.conversations.createDirect(as('member'), { otherUid: 'ghost' })).rejects.toMatchObject(
      { code: 'not-found' },
    );
  });

  it('refuses an id that belongs to another pair instead of joining it', async () => {
    const world = await messagingWorld(['a_b', 'c', 'a', 'b_c']);
    await world.messaging.conversations.createDirect(as('a_b'), { otherUid: 'c' });
    await expect(world.messaging.conversations.createDirect(as('a'), { otherUid: 'b_c' })).rejects.toMatchObject({
      code: 'failed-precondition',
    });
  });
});

describe('groups', () => {
  it('creates with the caller as owner, a system message and an audit entry', async () => {
    const world = await groupWorld();
    expect(await roleOf(world, world.cid, 'owner')).toBe('owner');
    expect(await roleOf(world, world.cid, 'admin')).toBe('admin');
    expect(await roleOf(world, world.cid, 'member')).toBe('member');
    const system = (await world.store.query(paths.messages(world.cid))).map((m) => m.data?.system);
    expect(system).toEqual(
      expect.arrayContaining([expect.objectContaining({ action: 'group.created', actorUid: 'owner' })]),
    );
    expect(await auditActions(world)).toEqual(expect.arrayContaining(['group.created', 'group.role_changed']));
  });

  it('a retried createGroup with the same requestId makes one group', async () => {
    const world = await messagingWorld();
    const input = { title: 'Glass guild', memberIds: ['member'], requestId: 'req-12345678' };
    const [a, b] = await Promise.all([
      world.messaging.conversations.createGroup(as('owner'), input),
      world.messaging.conversations.createGroup(as('owner'), input),
    ]);
    expect(a.conversationId).toBe(b.conversationId);
    expect((await world.store.query('conversations')).length).toBe(1);
  });

  it('the matrix applies through the use cases, with the reason', async () => {
    const world = await groupWorld();
    const c = world.messaging.conversations;
    const cid = world.cid;
    await expect(c.addMembers(as('member'), { conversationId: cid, memberIds: ['outsider'] })).rejects.toMatchObject({
      code: 'permission-denied',
      message: 'a group member may not add members',
    });
    await expect(c.updateGroup(as('member'), { conversationId: cid, title: 'Mine now' })).rejects.toMatchObject({
      code: 'permission-denied',
    });
    await expect(c.setRole(as('admin'), { conversationId: cid, uid: 'member', role: 'admin' })).rejects.toMatchObject({
      code: 'permission-denied',
      message: 'a group admin may not change roles',
    });
    await expect(c.removeMember(as('admin'), { conversationId: cid, uid: 'owner' })).rejects.toMatchObject({
      code: 'permission-denied',
    });
    await expect(c.transferOwnership(as('admin'), { conversationId: cid, uid: 'member' })).rejects.toMatchObject({
      code: 'permission-denied',
    });
    await expect(c.addMembers(as('outsider'), { conversationId: cid, memberIds: ['outsider'] })).rejects.toMatchObject({
      code: 'permission-denied',
      message: 'you are not a member of this conversation',
    });
    // Allowed ones
    await c.addMembers(as('admin'), { conversationId: cid, memberIds: ['outsider'] });
    await c.removeMember(as('admin'), { conversationId: cid, uid: 'outsider' });
    await c.updateGroup(as('admin'), {
      conversationId: cid,
      title: 'Indigo & Madder',
      settings: { announcementOnly: true },
    });
    const conversation = (await world.store.get(paths.conversation(cid))).data;
    expect(conversation).toMatchObject({ title: 'Indigo & Madder', settings: { announcementOnly: true, e2ee: false } });
    expect(conversation?.memberIds).not.toContain('outsider');
    expect((await world.store.get(paths.member(cid, 'outsider'))).exists).toBe(false);
  });

  it('ownership: transfer demotes the old owner to admin; the owner leaving hands on to the longest-standing admin', async () => {
    const world = await groupWorld();
    const c = world.messaging.conversations;
    await c.transferOwnership(as('owner'), { conversationId: world.cid, uid: 'member' });
    expect(await roleOf(world, world.cid, 'member')).toBe('owner');
    expect(await roleOf(world, world.cid, 'owner')).toBe('admin');
    // Now admins are 'admin' (joined at T0) and 'owner' (joined at T0): ties by uid → 'admin'.
    const left = await c.leaveGroup(as('member'), { conversationId: world.cid });
    expect(left.newOwner).toBe('admin');
    expect(await roleOf(world, world.cid, 'admin')).toBe('owner');
    expect((await world.store.get(paths.conversation(world.cid))).data?.memberIds).toEqual(['owner', 'admin', 'other']);
    expect(await auditActions(world)).toEqual(
      expect.arrayContaining(['group.ownership_transferred', 'group.member_left']),
    );
  });

  it('the owner leaving with no admins hands on to the longest-standing member', async () => {
    const world = await messagingWorld();
    const { conversationId } = await world.messaging.conversations.createGroup(as('owner'), {
      title: 'T',
      memberIds: ['member'],
    });
    world.clock.advance(60_000);
    await world.messaging.conversations.addMembers(as('owner'), { conversationId, memberIds: ['other'] });
    await world.messaging.conversations.leaveGroup(as('owner'), { conversationId });
    expect(await roleOf(world, conversationId, 'member')).toBe('owner');
    expect(await roleOf(world, conversationId, 'other')).toBe('member');
  });

  it('enforces the member limit with nothing written', async () => {
    const uids = Array.from({ length: GROUP_LIMITS.maxMembers + 5 }, (_, i) => `u${i}`);
    const world = await messagingWorld(uids);
    const c = world.messaging.conversations;
    const { conversationId } = await c.createGroup(as('u0'), { title: 'Big', memberIds: uids.slice(1, 50) });
    for (let start = 50; start < GROUP_LIMITS.maxMembers; start += 50) {
      await c.addMembers(as('u0'), {
        conversationId,
        memberIds: uids.slice(start, Math.min(start + 50, GROUP_LIMITS.maxMembers)),
      });
    }
    const before = world.store.dump();
    await expect(
      c.addMembers(as('u0'), { conversationId, memberIds: [uids[GROUP_LIMITS.maxMembers]!] }),
    ).rejects.toMatchObject({ code: 'failed-precondition' });
    expect(world.store.dump()).toEqual(before);
  });

  it('bad membership input is rejected with nothing written', async () => {
    const world = await groupWorld();
    const c = world.messaging.conversations;
    const before = world.store.dump();
    await expect(c.addMembers(as('owner'), { conversationId: world.cid, memberIds: ['member'] })).rejects.toMatchObject(
      { code: 'invalid-argument', message: expect.stringContaining('data.memberIds[0]: already a member') },
    );
    await expect(c.addMembers(as('owner'), { conversationId: world.cid, memberIds: ['ghost'] })).rejects.toMatchObject({
      code: 'not-found',
    });
    await expect(c.createGroup(as('owner'), { title: 'X', memberIds: ['owner', 'member'] })).rejects.toMatchObject({
      code: 'invalid-argument',
    });
    await expect(c.removeMember(as('owner'), { conversationId: world.cid, uid: 'owner' })).rejects.toMatchObject({
      code: 'invalid-argument',
    });
    await expect(c.updateGroup(as('owner'), { conversationId: 'nope', title: 'X' })).rejects.toMatchObject({
      code: 'not-found',
    });
    expect(world.store.dump()).toEqual(before);
  });

  it('E2EE can be switched on, never off', async () => {
    const world = await groupWorld();
    await world.messaging.conversations.updateGroup(as('owner'), {
      conversationId: world.cid,
      settings: { e2ee: true },
    });
    await expect(
      world.messaging.conversations.updateGroup(as('owner'), { conversationId: world.cid, settings: { e2ee: false } }),
    ).rejects.toMatchObject({ code: 'failed-precondition' });
  });

  it('pinning: owner/admin in groups, limited, audited', async () => {
    const world = await groupWorld();
    const [m] = await world.store.query(paths.messages(world.cid));
    await expect(
      world.messaging.conversations.pin(as('member'), { conversationId: world.cid, messageId: m!.id, pinned: true }),
    ).rejects.toMatchObject({ code: 'permission-denied' });
    await world.messaging.conversations.pin(as('admin'), { conversationId: world.cid, messageId: m!.id, pinned: true });
    expect((await world.store.get(paths.conversation(world.cid))).data?.pinnedMessageIds).toEqual([m!.id]);
    await world.messaging.conversations.pin(as('admin'), {
      conversationId: world.cid,
      messageId: m!.id,
      pinned: false,
    });
    expect((await world.store.get(paths.conversation(world.cid))).data?.pinnedMessageIds).toEqual([]);
  });

  it('read receipts: resets only the caller’s count', async () => {
    const world = await groupWorld();
    await world.store.update(paths.member(world.cid, 'member'), { unreadCount: 7 });
    await world.store.update(paths.member(world.cid, 'other'), { unreadCount: 3 });
    world.clock.advance(5000);
    await world.messaging.conversations.markRead(as('member'), { conversationId: world.cid });
    expect((await world.store.get(paths.member(world.cid, 'member'))).data).toMatchObject({
      unreadCount: 0,
      lastReadAt: new Date('2026-11-21T10:00:05.000Z'),
    });
    expect((await world.store.get(paths.member(world.cid, 'other'))).data?.unreadCount).toBe(3);
    await expect(
      world.messaging.conversations.markRead(as('outsider'), { conversationId: world.cid }),
    ).rejects.toMatchObject({ code: 'permission-denied' });
  });
});
