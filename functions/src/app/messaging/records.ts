import type { DocData, DocSnapshot, DocumentStore, Transaction } from '../../ports.js';
import { paths } from '../../domain/paths.js';
import type { Conversation, Member, MemberRole } from '../../domain/messaging/conversation.js';
import { settingsSchema } from '../../domain/messaging/conversation.js';
import { notFound, permissionDenied } from '../../domain/errors.js';

/**
 * Reading conversations and members out of the DocumentStore (both adapters), tolerant of documents written by
 * older code or by hand (seed data): missing fields get their defaults.
 */

const asDate = (v: unknown): Date | null => (v instanceof Date ? v : null);
/** A sequence number (a non-negative integer); anything else (missing: a document from before seqs) is null. */
const seqOf = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : null);

export function toConversation(data: DocData): Conversation {
  const last = data.lastMessage as Conversation['lastMessage'] | undefined;
  return {
    type: data.type === 'group' ? 'group' : 'direct',
    title: typeof data.title === 'string' ? data.title : null,
    photo: typeof data.photo === 'string' ? data.photo : null,
    memberIds: Array.isArray(data.memberIds) ? (data.memberIds as string[]) : [],
    lastMessage: last ?? null,
    lastMessageAt: asDate(data.lastMessageAt),
    lastMessageSeq: seqOf(data.lastMessageSeq) ?? 0,
    settings: settingsSchema.parse(data.settings ?? {}),
    pinnedMessageIds: Array.isArray(data.pinnedMessageIds) ? (data.pinnedMessageIds as string[]) : [],
    createdAt: asDate(data.createdAt) ?? new Date(0),
    createdBy: typeof data.createdBy === 'string' ? data.createdBy : '',
  };
}

export function toMember(snapshot: DocSnapshot): Member {
  const data = snapshot.data ?? {};
  const role = data.role === 'owner' || data.role === 'admin' ? (data.role as MemberRole) : 'member';
  return {
    uid: snapshot.id,
    role,
    displayName: typeof data.displayName === 'string' ? data.displayName : null,
    photoUrl: typeof data.photoUrl === 'string' ? data.photoUrl : null,
    joinedAt: asDate(data.joinedAt) ?? new Date(0),
    lastReadAt: asDate(data.lastReadAt),
    lastReadSeq: seqOf(data.lastReadSeq),
    ownSeqs: Array.isArray(data.ownSeqs) ? data.ownSeqs.filter((v): v is number => seqOf(v) !== null) : [],
    unreadCount: typeof data.unreadCount === 'number' ? data.unreadCount : 0,
    mutedUntil: asDate(data.mutedUntil),
    activeUntil: asDate(data.activeUntil),
  };
}

type Reader = Pick<DocumentStore, 'get'> | Pick<Transaction, 'get'>;

export async function loadConversation(reader: Reader, cid: string): Promise<Conversation> {
  const snapshot = await reader.get(paths.conversation(cid));
  if (!snapshot.exists || !snapshot.data) throw notFound(`conversation ${cid} does not exist`);
  return toConversation(snapshot.data);
}

/** The caller's member document, or PERMISSION_DENIED: non-members learn nothing about a conversation. */
export async function loadMembership(reader: Reader, cid: string, uid: string): Promise<Member> {
  const snapshot = await reader.get(paths.member(cid, uid));
  if (!snapshot.exists) throw permissionDenied('you are not a member of this conversation');
  return toMember(snapshot);
}

export async function loadMembers(
  reader: Pick<DocumentStore, 'query'> | Pick<Transaction, 'query'>,
  cid: string,
): Promise<Member[]> {
  const snapshots = await reader.query(`${paths.conversation(cid)}/members`);
  return snapshots.map(toMember);
}

/**
 * The stored member document; `uid` is kept too so a collection-group query finds a user's memberships, and the
 * public profile (displayName, photoUrl) so members can render each other without reading the private users/{uid}.
 */
export function memberDoc(member: Member): DocData {
  return { ...member };
}
