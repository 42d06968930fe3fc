import { onDocumentCreated, onDocumentUpdated } from 'firebase-functions/v2/firestore';
import type { DocData } from '../ports.js';
import { fromFirestore } from '../adapters/firestore/firestoreDocumentStore.js';
import {
  addMembersInput,
  blockInput,
  conversationInput,
  createGroupInput,
  decideInput,
  directInput,
  editMessageInput,
  memberInput,
  messageRefInput,
  pinInput,
  reportInput,
  sendMessageInput,
  setRoleInput,
  updateGroupInput,
} from '../app/messaging/inputs.js';
import { paths } from '../domain/paths.js';
import { CALL_LIMITS } from '../app/callLimits.js';
import { callable } from './callable.js';
import { REGION } from './options.js';
import { services } from './runtime.js';

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
/** Low-volume calls that bring people in: App Check tokens are single-use (replay protection). */
const REACH_ONCE = { access: 'reach', appCheck: 'consume' } as const;

export const createDirectConversation = callable(directInput, (data, { caller, services: s }) => s.messaging.conversations.createDirect(caller, data), { ...REACH_ONCE, limit: CALL_LIMITS.createDirectConversation });
export const createGroup = callable(createGroupInput, (data, { caller, services: s }) => s.messaging.conversations.createGroup(caller, data), { ...REACH_ONCE, limit: CALL_LIMITS.createGroup });
export const updateGroup = callable(updateGroupInput, (data, { caller, services: s }) => s.messaging.conversations.updateGroup(caller, data), { ...REACH, limit: CALL_LIMITS.updateGroup });
export const addMembers = callable(addMembersInput, (data, { caller, services: s }) => s.messaging.conversations.addMembers(caller, data), { ...REACH_ONCE, limit: CALL_LIMITS.addMembers });
export const removeMember = callable(memberInput, (data, { caller, services: s }) => s.messaging.conversations.removeMember(caller, data), { ...REACH, limit: CALL_LIMITS.membership });
export const setRole = callable(setRoleInput, (data, { caller, services: s }) => s.messaging.conversations.setRole(caller, data), { ...REACH, limit: CALL_LIMITS.membership });
export const leaveGroup = callable(conversationInput, (data, { caller, services: s }) => s.messaging.conversations.leaveGroup(caller, data), { limit: CALL_LIMITS.membership });
export const transferOwnership = callable(memberInput, (data, { caller, services: s }) => s.messaging.conversations.transferOwnership(caller, data), { ...REACH, limit: CALL_LIMITS.membership });
export const pinMessage = callable(pinInput, (data, { caller, services: s }) => s.messaging.conversations.pin(caller, data), { ...REACH, limit: CALL_LIMITS.pinMessage });
export const blockUser = callable(blockInput, (data, { caller, services: s }) => s.messaging.conversations.block(caller, data), { limit: CALL_LIMITS.block });
export const unblockUser = callable(blockInput, (data, { caller, services: s }) => s.messaging.conversations.unblock(caller, data), { limit: CALL_LIMITS.block });
export const markConversationRead = callable(conversationInput, (data, { caller, services: s }) => s.messaging.conversations.markRead(caller, data));

export const sendMessage = callable(sendMessageInput, (data, { caller, services: s }) => s.messaging.messages.send(caller, data), { ...REACH, limit: CALL_LIMITS.sendMessage });
export const editMessage = callable(editMessageInput, (data, { caller, services: s }) => s.messaging.messages.edit(caller, data), { ...REACH, limit: CALL_LIMITS.editMessage });
export const deleteMessage = callable(messageRefInput, (data, { caller, services: s }) => s.messaging.messages.delete(caller, data), { ...REACH, limit: CALL_LIMITS.deleteMessage });

export const reportMessage = callable(reportInput, (data, { caller, services: s }) => s.messaging.moderation.report(caller, data), { limit: CALL_LIMITS.reportMessage });
/** Admins only (checked in the use case): keep, remove, warn or ban. */
export const decideModeration = callable(decideInput, (data, { caller, services: s }) => s.messaging.moderation.decide(caller, data), { ...REACH, limit: CALL_LIMITS.decideModeration });

/**
 * Summary, unread counters, push and moderation for each new message. Retried on failure; every step is
 * idempotent. It re-reads the message through the store, so it sees the document as it is now (and as Dates).
 */
export const onMessageCreated = onDocumentCreated({ document: 'conversations/{cid}/messages/{mid}', region: REGION, retry: true }, async (event) => {
  const { cid, mid } = event.params;
  const s = services();
  const snapshot = await s.infra.store.get(paths.message(cid, mid));
  if (!snapshot.exists || !snapshot.data) return;
  await s.messaging.onMessageCreated.handle(cid, mid, snapshot.data);
});

/** The event's document as the use cases read documents (Timestamps become Dates). */
const asDocData = (data: unknown) => (data === undefined ? undefined : (fromFirestore(data) as DocData));

/**
 * Edits and tombstones (clients write most of them directly): the audit entry (`message.edited` / `message.deleted`,
 * keyed, so a retry or a callable that recorded it already leaves one entry) and the conversation's lastMessage
 * preview when the changed message is the last one.
 */
export const onMessageUpdated = onDocumentUpdated({ document: 'conversations/{cid}/messages/{mid}', region: REGION, retry: true }, async (event) => {
  const { cid, mid } = event.params;
  await services().messaging.onMessageUpdated.handle(cid, mid, asDocData(event.data?.before.data()), asDocData(event.data?.after.data()));
});

/** A renamed user (or a new photo): their member documents, which carry the public profile, follow. */
export const onUserProfileUpdated = onDocumentUpdated({ document: 'users/{uid}', region: REGION, retry: true }, async (event) => {
  await services().messaging.memberProfiles.onProfileUpdated(event.params.uid, asDocData(event.data?.before.data()), asDocData(event.data?.after.data()));
});
