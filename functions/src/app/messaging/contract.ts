import { z } from 'zod';
import { defineContracts } from '../contract.js';
import type { ErrorCase } from '../contract.js';
import { MEMBER_ROLES } from '../../domain/messaging/conversation.js';
import { MODERATION_ACTIONS } from './inputs.js';

/**
 * The messaging callables' answers and errors (src/app/messaging: conversations.ts, messages.ts, moderation.ts, and
 * the shared guard in guard.ts). Inputs are in inputs.ts.
 */

const NOT_FOUND_CONVERSATION: ErrorCase = { code: 'not-found', when: 'the conversation does not exist' };
const NOT_MEMBER: ErrorCase = { code: 'permission-denied', when: 'the caller is not a member of the conversation' };
const BANNED: ErrorCase = { code: 'permission-denied', when: 'the caller is banned from messaging (moderation)' };
const NOT_ALLOWED: ErrorCase = {
  code: 'permission-denied',
  when: "the caller's role in the group does not allow it (the permission matrix: README, Roles)",
};
const NOT_GROUP: ErrorCase = { code: 'failed-precondition', when: 'the conversation is a direct one, not a group' };
const NOT_A_MEMBER_TARGET: ErrorCase = { code: 'not-found', when: '`uid` is not a member of the group' };
const GROUP_GUARD = [NOT_FOUND_CONVERSATION, NOT_MEMBER, NOT_GROUP, NOT_ALLOWED] as const;

const created = z.strictObject({
  conversationId: z.string(),
  /** false when the conversation already existed (a repeated call, or `requestId` seen before). */
  created: z.boolean(),
});
const messageRef = { conversationId: z.string(), messageId: z.string() };

export const messagingContracts = defineContracts({
  createDirectConversation: {
    summary: 'Opens (or returns) the direct conversation `dm_{uidA}_{uidB}` with another user.',
    who: 'a permanent, email-verified account; neither side blocks the other',
    output: created,
    errors: [
      { code: 'invalid-argument', when: '`otherUid` is the caller' },
      { code: 'not-found', when: '`otherUid` is no active user' },
      { code: 'permission-denied', when: 'either user blocks the other, or the caller is banned' },
      { code: 'failed-precondition', when: 'a conversation with this id exists for another pair of users' },
    ],
  },
  createGroup: {
    summary: 'Creates a group; the caller becomes its owner. A repeated `requestId` returns the same group.',
    who: 'a permanent, email-verified account; no listed user blocks the caller or is blocked by them',
    output: created,
    errors: [
      { code: 'invalid-argument', when: '`memberIds` lists the caller, or more members than a group holds (256)' },
      { code: 'not-found', when: 'a listed user does not exist (the field names which: `data.memberIds[i]`)' },
      { code: 'permission-denied', when: 'a listed user blocks the caller or is blocked, or the caller is banned' },
    ],
  },
  updateGroup: {
    summary: "Renames a group, changes its photo or settings (end-to-end encryption can't be switched off).",
    who: 'owner or admin of the group',
    output: z.strictObject({ conversationId: z.string() }),
    errors: [...GROUP_GUARD, { code: 'failed-precondition', when: '`settings.e2ee: false` on an encrypted group' }],
  },
  addMembers: {
    summary: 'Adds users to a group (a system message and an audit entry record it).',
    who: 'owner or admin of the group',
    output: z.strictObject({ conversationId: z.string(), memberCount: z.number().int() }),
    errors: [
      ...GROUP_GUARD,
      { code: 'invalid-argument', when: 'a listed user is already a member (`data.memberIds[i]`)' },
      { code: 'failed-precondition', when: 'the group would exceed 256 members' },
      { code: 'not-found', when: 'a listed user does not exist' },
      { code: 'permission-denied', when: 'a listed user blocks the caller or is blocked by them' },
    ],
  },
  removeMember: {
    summary: 'Removes a member from a group (admins remove members only).',
    who: 'owner or admin of the group, over a lower role',
    output: z.strictObject({ conversationId: z.string() }),
    errors: [
      ...GROUP_GUARD,
      NOT_A_MEMBER_TARGET,
      { code: 'invalid-argument', when: '`uid` is the caller (leave with leaveGroup)' },
    ],
  },
  setRole: {
    summary: "Sets a member's role to admin or member.",
    who: 'owner of the group',
    output: z.strictObject({ conversationId: z.string(), uid: z.string(), role: z.enum(MEMBER_ROLES) }),
    errors: [...GROUP_GUARD, NOT_A_MEMBER_TARGET],
  },
  leaveGroup: {
    summary:
      'Leaves a group; an owner hands ownership to the longest-standing admin, else member (`newOwner`, or null).',
    who: 'a member of the group',
    output: z.strictObject({ conversationId: z.string(), newOwner: z.string().nullable() }),
    errors: [NOT_FOUND_CONVERSATION, NOT_MEMBER, NOT_GROUP],
  },
  transferOwnership: {
    summary: 'Makes another member the owner; the caller becomes an admin.',
    who: 'owner of the group',
    output: z.strictObject({ conversationId: z.string(), ownerId: z.string() }),
    errors: [...GROUP_GUARD, NOT_A_MEMBER_TARGET, { code: 'invalid-argument', when: '`uid` is the caller' }],
  },
  pinMessage: {
    summary: 'Pins or unpins a message in a group.',
    who: 'owner or admin of the group',
    output: z.strictObject({ ...messageRef, pinned: z.boolean() }),
    errors: [
      ...GROUP_GUARD,
      { code: 'not-found', when: 'the message does not exist or is deleted' },
      { code: 'failed-precondition', when: 'the group already has the most pinned messages allowed' },
    ],
  },
  blockUser: {
    summary:
      'Blocks a user: no direct messages either way, no new conversations with them; following ends both ways ' +
      '(both counts kept exact).',
    who: 'any signed-in, provisioned account (own data)',
    output: z.strictObject({ blocked: z.literal(true) }),
    errors: [{ code: 'invalid-argument', when: '`uid` is the caller' }],
  },
  unblockUser: {
    summary: 'Removes a block.',
    who: 'any signed-in, provisioned account (own data)',
    output: z.strictObject({ blocked: z.literal(false) }),
    errors: [],
  },
  markConversationRead: {
    summary:
      "Moves the caller's read position to the conversation's newest message (clients may also write it directly).",
    who: 'a member of the conversation',
    output: z.strictObject({
      conversationId: z.string(),
      /** ISO 8601 instant. */
      lastReadAt: z.iso.datetime(),
      lastReadSeq: z.number().int(),
    }),
    errors: [NOT_FOUND_CONVERSATION, NOT_MEMBER],
  },
  sendMessage: {
    summary:
      'Sends a message (the same as a client write under the rules, with the checks done on the server); ' +
      '`duplicate: true` when this `clientMessageId` was sent before.',
    who: 'a member of the conversation; owner/admin in announcement-only groups; system messages: service role',
    roles: ['service'],
    output: z.strictObject({ ...messageRef, duplicate: z.boolean() }),
    errors: [
      NOT_FOUND_CONVERSATION,
      NOT_MEMBER,
      BANNED,
      { code: 'permission-denied', when: 'a direct conversation where either side blocks the other' },
      { code: 'permission-denied', when: 'an announcement-only group and the caller is a plain member' },
      { code: 'permission-denied', when: '`type: system` without the service role' },
      { code: 'invalid-argument', when: 'content of the wrong shape for the conversation (plaintext in e2ee, …)' },
      { code: 'invalid-argument', when: '`replyTo` names no message of this conversation' },
    ],
  },
  editMessage: {
    summary: 'Edits the text of an own message within 15 minutes (at most a few times; history kept).',
    who: 'the sender',
    output: z.strictObject({ ...messageRef, editedAt: z.iso.datetime() }),
    errors: [
      NOT_FOUND_CONVERSATION,
      NOT_MEMBER,
      { code: 'not-found', when: 'no such message in the conversation' },
      { code: 'permission-denied', when: 'the caller is not the sender' },
      { code: 'failed-precondition', when: 'the message is deleted, a system message, too old, or edited too often' },
    ],
  },
  deleteMessage: {
    summary: 'Leaves a tombstone in place of a message (content removed); repeating it changes nothing.',
    who: 'the sender, or a group owner/admin over a lower role',
    output: z.strictObject({ ...messageRef, deleted: z.literal(true) }),
    errors: [
      NOT_FOUND_CONVERSATION,
      NOT_MEMBER,
      NOT_ALLOWED,
      { code: 'not-found', when: 'no such message in the conversation' },
      { code: 'failed-precondition', when: 'a system message' },
    ],
  },
  reportMessage: {
    summary: "Reports another member's message to moderation (one queue item per message; reports add to it).",
    who: 'a member of the conversation',
    output: z.strictObject({ itemId: z.string() }),
    errors: [
      NOT_FOUND_CONVERSATION,
      NOT_MEMBER,
      { code: 'not-found', when: 'no such message in the conversation' },
      { code: 'invalid-argument', when: 'the message is the caller’s own' },
    ],
  },
  decideModeration: {
    summary: 'Decides an open moderation item: keep, remove (tombstone), warn or ban the sender.',
    who: 'admins, never on their own message or their own report',
    roles: ['admin'],
    output: z.strictObject({ itemId: z.string(), action: z.enum(MODERATION_ACTIONS) }),
    errors: [
      { code: 'permission-denied', when: 'the caller has no admin role, sent the message or filed a report on it' },
      { code: 'not-found', when: 'no such moderation item' },
      { code: 'failed-precondition', when: 'the item is already decided' },
    ],
  },
});
