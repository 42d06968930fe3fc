import type { DocData, DocSnapshot, DocumentStore, Transaction } from '../../ports.js';
import type { Caller } from '../../domain/caller.js';
import { invalidArgument, notFound, permissionDenied } from '../../domain/errors.js';
import { paths } from '../../domain/paths.js';
import type { Conversation, Member } from '../../domain/messaging/conversation.js';
import { isActiveUser } from '../accounts.js';
import { toConversation, toMember } from './records.js';

/**
 * The one guard every messaging use case runs before it acts, inside its transaction, on the documents as they are now
 * (a removed member, a fresh block or a ban made a second ago all count):
 *
 * | act      | member | not banned | no block (direct) | used by |
 * |----------|--------|------------|-------------------|---------|
 * | post     | ✓      | ✓          | ✓                 | sendMessage |
 * | edit     | ✓      | ✓          | ✓                 | editMessage |
 * | delete   | ✓      | ✓          | –                 | deleteMessage (own or as a group admin) |
 * | manage   | ✓      | ✓          | ✓                 | updateGroup, addMembers, removeMember, setRole, transferOwnership, pinMessage |
 * | leave    | ✓      | –          | –                 | leaveGroup |
 * | read     | ✓      | –          | –                 | markConversationRead |
 * | report   | ✓      | –          | –                 | reportMessage |
 *
 * Then `guardReach` for acts that bring other users in (createDirectConversation, createGroup, addMembers): the caller is
 * not banned, each user exists and is active, and no block stands between the caller and any of them, either way.
 * The role matrix (`authorize`, src/domain/messaging/permissions.ts) comes on top, in the use case. A banned user
 * keeps what protects or concerns only them: reading, read receipts, leaving, reporting, blocking.
 */
export const CONVERSATION_ACTS = ['post', 'edit', 'delete', 'manage', 'leave', 'read', 'report'] as const;
export type ConversationAct = (typeof CONVERSATION_ACTS)[number];

const BANNED_FROM: ReadonlySet<ConversationAct> = new Set(['post', 'edit', 'delete', 'manage']);
const BLOCKED_FROM: ReadonlySet<ConversationAct> = new Set(['post', 'edit', 'manage']);

type Reader = Pick<DocumentStore, 'getAll'> | Pick<Transaction, 'getAll'>;

/** Whether moderation has banned this user from posting (set by a `ban` decision). */
export function isBanned(user: DocData | undefined): boolean {
  const moderation = user?.moderation as { banned?: unknown } | undefined;
  return moderation?.banned === true;
}

export const BANNED_MESSAGE = 'your account may not send messages or change conversations';

export interface Guarded {
  conversation: Conversation;
  conversationData: DocData;
  me: Member;
  /** The caller's profile. */
  user: DocData | undefined;
}

export async function guardConversation(
  reader: Reader,
  caller: Caller,
  cid: string,
  act: ConversationAct,
): Promise<Guarded> {
  const [conversationSnap, meSnap, userSnap] = await reader.getAll([
    paths.conversation(cid),
    paths.member(cid, caller.uid),
    paths.user(caller.uid),
  ]);
  if (!conversationSnap?.exists || !conversationSnap.data) throw notFound(`conversation ${cid} does not exist`);
  // A removed or departed member has no member document: they act in the conversation no more.
  if (!meSnap?.exists) throw permissionDenied('you are not a member of this conversation');
  const conversation = toConversation(conversationSnap.data);
  if (!conversation.memberIds.includes(caller.uid)) throw permissionDenied('you are not a member of this conversation');
  if (BANNED_FROM.has(act) && isBanned(userSnap?.data)) throw permissionDenied(BANNED_MESSAGE);
  if (BLOCKED_FROM.has(act) && conversation.type === 'direct') {
    const other = conversation.memberIds.find((uid) => uid !== caller.uid);
    if (other && (await blockedBetween(reader, caller.uid, other)))
      throw permissionDenied('you cannot message this user');
  }
  return { conversation, conversationData: conversationSnap.data, me: toMember(meSnap), user: userSnap?.data };
}

/** Is either user blocking the other? */
export async function blockedBetween(reader: Reader, a: string, b: string): Promise<boolean> {
  const [ab, ba] = await reader.getAll([paths.block(a, b), paths.block(b, a)]);
  return !!ab?.exists || !!ba?.exists;
}

/**
 * Before the caller brings `uids` into a conversation: the caller is not banned; every user exists and is active
 * (not deleted or disabled: those look like users that do not exist); no block either way between the caller and any
 * of them. `fieldAt(i)` names the input entry a refusal is about (`data.memberIds[2]`); it never says who blocked whom.
 * Returns the users' profiles, in order (for the member documents' public profile).
 */
export async function guardReach(
  reader: Reader,
  caller: Caller,
  uids: readonly string[],
  fieldAt: (index: number) => string,
  blockedMessage = 'you cannot add this user',
): Promise<DocSnapshot[]> {
  const reads = [
    paths.user(caller.uid),
    ...uids.flatMap((uid) => [
      paths.user(uid),
      paths.accountState(uid),
      paths.block(caller.uid, uid),
      paths.block(uid, caller.uid),
    ]),
  ];
  const [me, ...snaps] = await reader.getAll(reads);
  if (isBanned(me?.data)) throw permissionDenied(BANNED_MESSAGE);
  return uids.map((_, i) => {
    const [profile, state, mine, theirs] = snaps.slice(i * 4, i * 4 + 4);
    if (!isActiveUser(profile, state)) throw notFound(`${fieldAt(i)}: no such user`);
    if (mine?.exists || theirs?.exists) throw permissionDenied(`${fieldAt(i)}: ${blockedMessage}`);
    return profile!;
  });
}

/** The caller's own uid among `uids` is refused (INVALID_ARGUMENT naming the entry). */
export function refuseSelf(
  caller: Caller,
  uids: readonly string[],
  fieldAt: (index: number) => string,
  message: string,
): void {
  const i = uids.indexOf(caller.uid);
  if (i >= 0) throw invalidArgument(`${fieldAt(i)}: ${message}`, { fields: [fieldAt(i)] });
}
