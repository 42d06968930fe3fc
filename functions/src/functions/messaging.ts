import { CALL_LIMITS } from '../app/callLimits.js';
import { callable, inputFrom } from './callable.js';
import { docCreated, docUpdated } from './triggers.js';

/**
 * Messaging: callables for what clients must not write themselves (conversations, membership, roles, moderation)
 * and the trigger that follows every new message. Clients write messages, read receipts and typing documents
 * directly under firestore.rules; `sendMessage` is the same with the checks done here.
 */

/**
 * Who may call what (the account guard in callable.ts): every callable needs an active, provisioned account; those
 * that reach other people (conversations, membership, messages, moderation) also a permanent, email-verified one.
 * Inside, the shared conversation guard (src/app/messaging/guard.ts) checks membership, bans and blocks.
 */
const REACH = { access: 'reach' } as const;
/** The callables' schemas (zod), loaded on a function's first call. */
const inputs = () => import('../app/messaging/inputs.js');
/** Low-volume calls that bring people in: App Check tokens are single-use (replay protection). */
const REACH_ONCE = { access: 'reach', appCheck: 'consume' } as const;

export const createDirectConversation = callable(
  inputFrom(inputs, 'directInput'),
  (data, { caller, services: s }) => s.messaging.conversations.createDirect(caller, data),
  { ...REACH_ONCE, limit: CALL_LIMITS.createDirectConversation },
);
export const createGroup = callable(
  inputFrom(inputs, 'createGroupInput'),
  (data, { caller, services: s }) => s.messaging.conversations.createGroup(caller, data),
  { ...REACH_ONCE, limit: CALL_LIMITS.createGroup },
);
export const updateGroup = callable(
  inputFrom(inputs, 'updateGroupInput'),
  (data, { caller, services: s }) => s.messaging.conversations.updateGroup(caller, data),
  { ...REACH, limit: CALL_LIMITS.updateGroup },
);
export const addMembers = callable(
  inputFrom(inputs, 'addMembersInput'),
  (data, { caller, services: s }) => s.messaging.conversations.addMembers(caller, data),
  { ...REACH_ONCE, limit: CALL_LIMITS.addMembers },
);
export const removeMember = callable(
  inputFrom(inputs, 'memberInput'),
  (data, { caller, services: s }) => s.messaging.conversations.removeMember(caller, data),
  { ...REACH, limit: CALL_LIMITS.membership },
);
export const setRole = callable(
  inputFrom(inputs, 'setRoleInput'),
  (data, { caller, services: s }) => s.messaging.conversations.setRole(caller, data),
  { ...REACH, limit: CALL_LIMITS.membership },
);
export const leaveGroup = callable(
  inputFrom(inputs, 'conversationInput'),
  (data, { caller, services: s }) => s.messaging.conversations.leaveGroup(caller, data),
  { limit: CALL_LIMITS.membership },
);
export const transferOwnership = callable(
  inputFrom(inputs, 'memberInput'),
  (data, { caller, services: s }) => s.messaging.conversations.transferOwnership(caller, data),
  { ...REACH, limit: CALL_LIMITS.membership },
);
export const pinMessage = callable(
  inputFrom(inputs, 'pinInput'),
  (data, { caller, services: s }) => s.messaging.conversations.pin(caller, data),
  { ...REACH, limit: CALL_LIMITS.pinMessage },
);
export const blockUser = callable(
  inputFrom(inputs, 'blockInput'),
  (data, { caller, services: s }) => s.messaging.conversations.block(caller, data),
  { limit: CALL_LIMITS.block },
);
export const unblockUser = callable(
  inputFrom(inputs, 'blockInput'),
  (data, { caller, services: s }) => s.messaging.conversations.unblock(caller, data),
  { limit: CALL_LIMITS.block },
);
export const markConversationRead = callable(inputFrom(inputs, 'conversationInput'), (data, { caller, services: s }) =>
  s.messaging.conversations.markRead(caller, data),
);

export const sendMessage = callable(
  inputFrom(inputs, 'sendMessageInput'),
  (data, { caller, services: s }) => s.messaging.messages.send(caller, data),
  { ...REACH, limit: CALL_LIMITS.sendMessage },
);
export const editMessage = callable(
  inputFrom(inputs, 'editMessageInput'),
  (data, { caller, services: s }) => s.messaging.messages.edit(caller, data),
  { ...REACH, limit: CALL_LIMITS.editMessage },
);
export const deleteMessage = callable(
  inputFrom(inputs, 'messageRefInput'),
  (data, { caller, services: s }) => s.messaging.messages.delete(caller, data),
  { ...REACH, limit: CALL_LIMITS.deleteMessage },
);

export const reportMessage = callable(
  inputFrom(inputs, 'reportInput'),
  (data, { caller, services: s }) => s.messaging.moderation.report(caller, data),
  { limit: CALL_LIMITS.reportMessage },
);
/** Admins only (checked in the use case): keep, remove, warn or ban. */
export const decideModeration = callable(
  inputFrom(inputs, 'decideInput'),
  (data, { caller, services: s }) => s.messaging.moderation.decide(caller, data),
  { ...REACH, limit: CALL_LIMITS.decideModeration },
);

/**
 * Summary, unread counters, push and moderation for each new message. Retried on failure; every step is idempotent.
 * The use case re-reads the message, so it sees the document as it is now.
 */
export const onMessageCreated = docCreated('conversations/{cid}/messages/{mid}', ({ params }, s) =>
  s.messaging.onMessageCreated.onCreated(params.cid, params.mid),
);

/**
 * Edits and tombstones (clients write most of them directly): the audit entry (`message.edited` / `message.deleted`,
 * keyed, so a retry or a callable that recorded it already leaves one entry) and the conversation's lastMessage
 * preview when the changed message is the last one.
 */
export const onMessageUpdated = docUpdated('conversations/{cid}/messages/{mid}', ({ params, before, after }, s) =>
  s.messaging.onMessageUpdated.handle(params.cid, params.mid, before, after),
);

/** A renamed user (or a new photo): their member documents, which carry the public profile, follow. */
export const onUserProfileUpdated = docUpdated('users/{uid}', ({ params, before, after }, s) =>
  s.messaging.memberProfiles.onProfileUpdated(params.uid, before, after),
);
