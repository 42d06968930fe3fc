import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  addMembers,
  createDirectConversation,
  createGroup,
  decideModeration,
  deleteMessage,
  editMessage,
  leaveGroup,
  markConversationRead,
  pinMessage,
  removeMember,
  reportMessage,
  sendMessage,
  setRole,
  transferOwnership,
  updateGroup,
  blockUser,
} from '../../../src/functions/messaging.js';
import { useServices } from '../../../src/functions/runtime.js';
import { paths } from '../../../src/domain/paths.js';
import type { World } from './support.js';
import { expectRefused, invoke, world } from './support.js';

/**
 * Leaks and bypasses, class "membership, blocks, bans and account state are checked on some paths and not others":
 * every messaging callable goes through the one conversation guard (src/app/messaging/guard.ts).
 */

let w: World;
let cid: string;
const text = (clientMessageId: string, body = 'hello') => ({ type: 'text', text: body, clientMessageId });

beforeEach(async () => {
  w = await world(['owner', 'admin', 'member', 'other', 'outsider', 'mod', 'mod2']);
  ({ conversationId: cid } = await invoke<{ conversationId: string }>(
    createGroup,
    { title: 'Indigo Collective', memberIds: ['admin', 'member', 'other'] },
    { uid: 'owner' },
  ));
  await invoke(setRole, { conversationId: cid, uid: 'admin', role: 'admin' }, { uid: 'owner' });
});
afterAll(() => useServices(undefined));

const ban = (uid: string) => w.infra.store.update(paths.user(uid), { moderation: { banned: true } });
const block = (by: string, uid: string) => invoke(blockUser, { uid }, { uid: by });

describe('membership: a removed or departed member acts in the conversation no more', () => {
  it('cannot edit, delete, pin, report, mark read or post after removal', async () => {
    const { messageId } = await invoke<{ messageId: string }>(
      sendMessage,
      { conversationId: cid, ...text('m1') },
      { uid: 'member' },
    );
    const { messageId: ownersId } = await invoke<{ messageId: string }>(
      sendMessage,
      { conversationId: cid, ...text('o1') },
      { uid: 'owner' },
    );
    await invoke(removeMember, { conversationId: cid, uid: 'member' }, { uid: 'owner' });

    await expectRefused(
      w,
      () => invoke(editMessage, { conversationId: cid, messageId, text: 'rewritten after removal' }, { uid: 'member' }),
      'permission-denied',
      'not a member',
    );
    await expectRefused(
      w,
      () => invoke(deleteMessage, { conversationId: cid, messageId }, { uid: 'member' }),
      'permission-denied',
      'not a member',
    );
    await expectRefused(
      w,
      () => invoke(sendMessage, { conversationId: cid, ...text('m2') }, { uid: 'member' }),
      'permission-denied',
      'not a member',
    );
    await expectRefused(
      w,
      () => invoke(reportMessage, { conversationId: cid, messageId: ownersId, reason: 'spam' }, { uid: 'member' }),
      'permission-denied',
      'not a member',
    );
    await expectRefused(
      w,
      () => invoke(markConversationRead, { conversationId: cid }, { uid: 'member' }),
      'permission-denied',
      'not a member',
    );
  });

  it('a member who left cannot edit either, and an outsider learns nothing about a message', async () => {
    const { messageId } = await invoke<{ messageId: string }>(
      sendMessage,
      { conversationId: cid, ...text('m1') },
      { uid: 'other' },
    );
    await invoke(leaveGroup, { conversationId: cid }, { uid: 'other' });
    await expectRefused(
      w,
      () => invoke(editMessage, { conversationId: cid, messageId, text: 'x' }, { uid: 'other' }),
      'permission-denied',
    );
    // Same answer for a message that exists and one that does not: no oracle for non-members.
    const a = await expectRefused(
      w,
      () => invoke(editMessage, { conversationId: cid, messageId, text: 'x' }, { uid: 'outsider' }),
      'permission-denied',
    );
    const b = await expectRefused(
      w,
      () => invoke(editMessage, { conversationId: cid, messageId: 'nope_1', text: 'x' }, { uid: 'outsider' }),
      'permission-denied',
    );
    expect(a.message).toBe(b.message);
  });
});

describe('blocks, either direction', () => {
  it('a blocked user cannot create a group with the blocker, nor add them, nor start a direct conversation', async () => {
    await block('member', 'outsider');
    // blocked user → blocker
    await expectRefused(
      w,
      () => invoke(createGroup, { title: 'Sneaky', memberIds: ['other', 'member'] }, { uid: 'outsider' }),
      'permission-denied',
      'data.memberIds[1]',
    );
    await expectRefused(
      w,
      () => invoke(createDirectConversation, { otherUid: 'member' }, { uid: 'outsider' }),
      'permission-denied',
      'data.otherUid',
    );
    // blocker → blocked user
    await expectRefused(
      w,
      () => invoke(createDirectConversation, { otherUid: 'outsider' }, { uid: 'member' }),
      'permission-denied',
      'data.otherUid',
    );
    // an admin blocked by a user cannot add them; a user blocked by the admin neither
    await block('outsider', 'admin');
    await expectRefused(
      w,
      () => invoke(addMembers, { conversationId: cid, memberIds: ['mod', 'outsider'] }, { uid: 'admin' }),
      'permission-denied',
      'data.memberIds[1]',
    );
  });

  it('a block in a direct conversation stops posting and editing there, and pinning', async () => {
    const { conversationId: dm } = await invoke<{ conversationId: string }>(
      createDirectConversation,
      { otherUid: 'other' },
      { uid: 'member' },
    );
    const { messageId } = await invoke<{ messageId: string }>(
      sendMessage,
      { conversationId: dm, ...text('d1') },
      { uid: 'member' },
    );
    await block('other', 'member');
    await expectRefused(
      w,
      () => invoke(editMessage, { conversationId: dm, messageId, text: 'edited after the block' }, { uid: 'member' }),
      'permission-denied',
    );
    await expectRefused(
      w,
      () => invoke(sendMessage, { conversationId: dm, ...text('d2') }, { uid: 'member' }),
      'permission-denied',
    );
    await expectRefused(
      w,
      () => invoke(pinMessage, { conversationId: dm, messageId, pinned: true }, { uid: 'member' }),
      'permission-denied',
    );
  });
});

describe('bans', () => {
  it('a banned user cannot create, rename, re-configure or populate groups, nor post, edit, delete or pin', async () => {
    const { messageId } = await invoke<{ messageId: string }>(
      sendMessage,
      { conversationId: cid, ...text('a1') },
      { uid: 'admin' },
    );
    await ban('admin');
    await expectRefused(
      w,
      () => invoke(createGroup, { title: 'BUY CHEAP FOLLOWERS', memberIds: ['mod'] }, { uid: 'admin' }),
      'permission-denied',
      'may not',
    );
    await expectRefused(
      w,
      () => invoke(updateGroup, { conversationId: cid, title: 'BUY CHEAP FOLLOWERS' }, { uid: 'admin' }),
      'permission-denied',
      'may not',
    );
    await expectRefused(
      w,
      () => invoke(updateGroup, { conversationId: cid, settings: { announcementOnly: true } }, { uid: 'admin' }),
      'permission-denied',
    );
    await expectRefused(
      w,
      () => invoke(addMembers, { conversationId: cid, memberIds: ['mod'] }, { uid: 'admin' }),
      'permission-denied',
    );
    await expectRefused(
      w,
      () => invoke(removeMember, { conversationId: cid, uid: 'member' }, { uid: 'admin' }),
      'permission-denied',
    );
    await expectRefused(
      w,
      () => invoke(sendMessage, { conversationId: cid, ...text('a2') }, { uid: 'admin' }),
      'permission-denied',
    );
    await expectRefused(
      w,
      () => invoke(editMessage, { conversationId: cid, messageId, text: 'x' }, { uid: 'admin' }),
      'permission-denied',
    );
    await expectRefused(
      w,
      () => invoke(deleteMessage, { conversationId: cid, messageId }, { uid: 'admin' }),
      'permission-denied',
    );
    await expectRefused(
      w,
      () => invoke(pinMessage, { conversationId: cid, messageId, pinned: true }, { uid: 'admin' }),
      'permission-denied',
    );
    await expectRefused(
      w,
      () => invoke(createDirectConversation, { otherUid: 'mod' }, { uid: 'admin' }),
      'permission-denied',
    );
    // What concerns only them stays possible.
    await expect(invoke(markConversationRead, { conversationId: cid }, { uid: 'admin' })).resolves.toMatchObject({
      conversationId: cid,
    });
    await expect(invoke(leaveGroup, { conversationId: cid }, { uid: 'admin' })).resolves.toMatchObject({
      conversationId: cid,
    });
  });

  it('a banned owner cannot hand the group on or change roles either', async () => {
    await ban('owner');
    await expectRefused(
      w,
      () => invoke(transferOwnership, { conversationId: cid, uid: 'admin' }, { uid: 'owner' }),
      'permission-denied',
    );
    await expectRefused(
      w,
      () => invoke(setRole, { conversationId: cid, uid: 'member', role: 'admin' }, { uid: 'owner' }),
      'permission-denied',
    );
  });
});

describe('announcement-only groups', () => {
  it('a member who may no longer post may no longer edit', async () => {
    const { messageId } = await invoke<{ messageId: string }>(
      sendMessage,
      { conversationId: cid, ...text('m1') },
      { uid: 'member' },
    );
    await invoke(updateGroup, { conversationId: cid, settings: { announcementOnly: true } }, { uid: 'owner' });
    await expectRefused(
      w,
      () => invoke(editMessage, { conversationId: cid, messageId, text: 'sneaked in' }, { uid: 'member' }),
      'permission-denied',
      'announcement-only',
    );
  });
});

describe('moderation: nobody decides their own case', () => {
  it('an admin cannot decide on a report they filed, nor on a message they sent', async () => {
    await invoke(addMembers, { conversationId: cid, memberIds: ['mod'] }, { uid: 'owner' });
    const { messageId: byMember } = await invoke<{ messageId: string }>(
      sendMessage,
      { conversationId: cid, ...text('m1', 'rude') },
      { uid: 'member' },
    );
    const { itemId: reported } = await invoke<{ itemId: string }>(
      reportMessage,
      { conversationId: cid, messageId: byMember, reason: 'harassment' },
      { uid: 'mod' },
    );
    await expectRefused(
      w,
      () => invoke(decideModeration, { itemId: reported, action: 'ban' }, { uid: 'mod', roles: ['admin'] }),
      'permission-denied',
      'report you filed',
    );

    const { messageId: byMod } = await invoke<{ messageId: string }>(
      sendMessage,
      { conversationId: cid, ...text('x1', 'mine') },
      { uid: 'mod' },
    );
    const { itemId: own } = await invoke<{ itemId: string }>(
      reportMessage,
      { conversationId: cid, messageId: byMod, reason: 'spam' },
      { uid: 'member' },
    );
    await expectRefused(
      w,
      () => invoke(decideModeration, { itemId: own, action: 'keep' }, { uid: 'mod', roles: ['admin'] }),
      'permission-denied',
      'message you sent',
    );

    // Another admin decides.
    await expect(
      invoke(decideModeration, { itemId: reported, action: 'warn' }, { uid: 'mod2', roles: ['admin'] }),
    ).resolves.toEqual({ itemId: reported, action: 'warn' });
  });

  it('a warning or ban never re-creates the profile of a sender whose account was erased', async () => {
    const { messageId } = await invoke<{ messageId: string }>(
      sendMessage,
      { conversationId: cid, ...text('m1', 'rude') },
      { uid: 'member' },
    );
    const { itemId } = await invoke<{ itemId: string }>(
      reportMessage,
      { conversationId: cid, messageId, reason: 'spam' },
      { uid: 'other' },
    );
    await w.infra.store.delete(paths.user('member'));
    await invoke(decideModeration, { itemId, action: 'ban' }, { uid: 'mod', roles: ['admin'] });
    expect((await w.infra.store.get(paths.user('member'))).exists).toBe(false);
  });
});
