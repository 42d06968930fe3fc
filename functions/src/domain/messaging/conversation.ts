import { z } from 'zod';
import { isHttpsUrl } from '../links.js';
import { userProfileSchema } from '../users.js';

/**
 * Conversations (`conversations/{cid}`) and their members (`conversations/{cid}/members/{uid}`, one document per
 * member so a busy group never funnels its counters through one hot document).
 */

export const CONVERSATION_TYPES = ['direct', 'group'] as const;
export type ConversationType = (typeof CONVERSATION_TYPES)[number];

export const MEMBER_ROLES = ['owner', 'admin', 'member'] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

export const GROUP_LIMITS = {
  maxMembers: 256,
  /** Members one addMembers call may add (keeps every change inside one Firestore transaction). */
  maxAddPerCall: 50,
  titleMax: 100,
  pinnedMax: 20,
} as const;

/** How long an `activeUntil` heartbeat and a typing indicator may reach ahead (firestore.rules uses the same). */
export const ACTIVE_AHEAD_MS = 5 * 60 * 1000;
export const TYPING_AHEAD_MS = 10 * 1000;
/**
 * How far a phone's clock may be off the server's, either way: clients compute expiresAt and activeUntil from their
 * own clock, so the rules allow this much on top (readers ignore expired typing documents).
 */
export const CLOCK_SKEW_MS = 30 * 1000;

/**
 * `conversations/{cid}/typing/{uid}` as a client writes it, judged at the server's time `now` (the rules'
 * request.time): expiring after `now - CLOCK_SKEW_MS` and at most TYPING_AHEAD_MS + CLOCK_SKEW_MS ahead.
 */
export const typingSchema = (now: Date) =>
  z
    .strictObject({ expiresAt: z.date() })
    .refine(
      ({ expiresAt }) =>
        expiresAt.getTime() > now.getTime() - CLOCK_SKEW_MS &&
        expiresAt.getTime() <= now.getTime() + TYPING_AHEAD_MS + CLOCK_SKEW_MS,
      {
        path: ['expiresAt'],
        message: `must be within ${(TYPING_AHEAD_MS + CLOCK_SKEW_MS) / 1000} s ahead (clock skew allowed)`,
      },
    );

export const uidSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be a user id (1-128 letters, digits, _ or -)');
export const conversationIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,160}$/, 'must be a conversation id');

export const settingsSchema = z.object({
  /** Only owner and admins post. */
  announcementOnly: z.boolean().default(false),
  /** Messages carry only ciphertext (README "End-to-end encryption envelope"). Can be switched on, never off. */
  e2ee: z.boolean().default(false),
});
export type ConversationSettings = z.infer<typeof settingsSchema>;

export interface LastMessage {
  messageId: string;
  senderId: string;
  type: string;
  preview: string;
  createdAt: Date;
}

export interface Conversation {
  type: ConversationType;
  title: string | null;
  photo: string | null;
  memberIds: string[];
  lastMessage: LastMessage | null;
  lastMessageAt: Date | null;
  /**
   * Sequence number of the newest counted message (system messages get none): assigned once per message by
   * onMessageCreated, 1, 2, 3, … A conversation from before sequence numbers has none (read as 0).
   */
  lastMessageSeq?: number;
  settings: ConversationSettings;
  pinnedMessageIds: string[];
  createdAt: Date;
  createdBy: string;
}

/**
 * The public part of a user's profile, copied onto their member documents: `users/{uid}` is private (email, phone), so
 * this is how members see who sent what. Only the server writes it (on joining, and when the profile changes).
 */
export interface PublicProfile {
  displayName: string | null;
  photoUrl: string | null;
}

/** The public fields of a `users/{uid}` document; anything missing or malformed is null, nothing else is copied. */
export function publicProfileOf(user: Record<string, unknown> | undefined): PublicProfile {
  const name = userProfileSchema.shape.displayName.safeParse(user?.displayName);
  const photo = userProfileSchema.shape.photoUrl.safeParse(user?.photoUrl);
  // Only https links: other members' clients render it (a javascript:, data: or http: URL has no business there).
  const photoUrl = photo.success && isHttpsUrl(photo.data) ? photo.data : null;
  return { displayName: name.success ? name.data : null, photoUrl };
}

export interface Member extends PublicProfile {
  uid: string;
  role: MemberRole;
  joinedAt: Date;
  lastReadAt: Date | null;
  /** The member's read position in sequence numbers: everything up to it is read. Null: a member from before seqs. */
  lastReadSeq: number | null;
  /** The member's own messages numbered past `lastReadSeq` (they are not unread for them); server-written. */
  ownSeqs: number[];
  /** Legacy: the count of the increment model, kept (and reset by every read) for members without `lastReadSeq`. */
  unreadCount: number;
  mutedUntil: Date | null;
  activeUntil: Date | null;
}

/**
 * `lastMessageSeq`: the conversation's position when the member joins, so what came before is not unread. Null (the
 * default) makes a member of the legacy model, counted by `unreadCount` until their first read (seed data uses it).
 */
export function newMember(
  uid: string,
  role: MemberRole,
  now: Date,
  profile: PublicProfile,
  lastMessageSeq: number | null = null,
): Member {
  return {
    uid,
    role,
    displayName: profile.displayName,
    photoUrl: profile.photoUrl,
    joinedAt: now,
    lastReadAt: now,
    lastReadSeq: lastMessageSeq,
    ownSeqs: [],
    unreadCount: 0,
    mutedUntil: null,
    activeUntil: null,
  };
}

/**
 * One direct conversation per pair, ever: the id is derived from the two uids (sorted), matching the seed data's
 * `dm_{a}_{b}`. Two different pairs could only collide if uids contain `_`; the use case checks the stored member
 * list and refuses a collision instead of joining the wrong conversation.
 */
export function directConversationId(a: string, b: string): string {
  const [first, second] = [a, b].sort();
  return `dm_${first}_${second}`;
}

/** The message id for a sender's clientMessageId: a resend of a queued message lands on the same document. */
export function messageIdFor(senderId: string, clientMessageId: string): string {
  return `${senderId}_${clientMessageId}`;
}

/**
 * A member's unread count, as clients compute it from the two documents they already listen to (the conversation and
 * their own member document): `lastMessageSeq − lastReadSeq`, less the member's own messages numbered after their
 * read position (`ownSeqs`: one's own message is never unread), never below 0. A member from before sequence numbers
 * (no `lastReadSeq`) still carries the old model's `unreadCount`, which is added until their first read under the new
 * one (every read writes `lastReadSeq` and resets `unreadCount`); a conversation without `lastMessageSeq` is at 0.
 */
export function unreadOf(
  conversation: { lastMessageSeq?: unknown },
  member: { lastReadSeq?: unknown; unreadCount?: unknown; ownSeqs?: unknown },
): number {
  const seq = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : 0);
  const read = seq(member.lastReadSeq);
  const legacy = typeof member.lastReadSeq === 'number' ? 0 : seq(member.unreadCount);
  const own = Array.isArray(member.ownSeqs) ? member.ownSeqs.filter((s) => seq(s) > read).length : 0;
  return Math.max(0, seq(conversation.lastMessageSeq) - read - own) + legacy;
}

/** A read position in sequence numbers: everything up to `lastReadSeq` is read, and `ownSeqs` past it are one's own. */
export interface SeqPosition {
  uid: string;
  lastReadAt: Date | null;
  lastReadSeq: number | null;
  ownSeqs?: readonly number[];
}

/**
 * How a message's sequence number `seq` moves read positions (onMessageCreated, in the transaction that assigns it).
 * A read position is a prefix of the numbering: everything up to `lastReadSeq` was seen. A member who saw the message
 * before it had a number (they read the conversation, or joined it, at or after its `createdAt`) and had read
 * everything numbered before it (`lastReadSeq` = seq − 1) has now read up to `seq`. Anyone else keeps their
 * position: moving it would mark as read a message they may not have seen, while leaving it over-counts at most the
 * messages they saw before they were numbered, until their next read. So a count never hides an unseen message.
 *
 * The sender's own message is not unread for them either: it joins the sender's position when it is next in line,
 * otherwise it waits in `ownSeqs` (and is subtracted, unreadOf) until the position reaches it. Returns the new
 * position of every member whose document changes.
 */
export function advancePositions(
  seq: number,
  message: { senderId: string; createdAt: Date },
  candidates: readonly SeqPosition[],
): Array<{ uid: string; lastReadSeq: number; ownSeqs: number[] }> {
  const changes: Array<{ uid: string; lastReadSeq: number; ownSeqs: number[] }> = [];
  for (const m of candidates) {
    let position = m.lastReadSeq ?? 0;
    const own = new Set((m.ownSeqs ?? []).filter((s) => s > position));
    const sender = m.uid === message.senderId;
    if (sender) own.add(seq);
    else if (position === seq - 1 && m.lastReadAt !== null && m.lastReadAt.getTime() >= message.createdAt.getTime())
      position = seq;
    else continue;
    while (own.has(position + 1)) own.delete(++position);
    changes.push({ uid: m.uid, lastReadSeq: position, ownSeqs: [...own].sort((a, b) => a - b) });
  }
  return changes;
}

/** Where a message sits in the conversation's order: by createdAt, ties by message id (deterministic everywhere). */
export interface MessagePosition {
  at: Date;
  messageId: string;
}

/** Whether `a` comes strictly after `b` (so a summary at `b` must give way to `a`). */
export function isAfter(a: MessagePosition, b: MessagePosition | null): boolean {
  if (!b) return true;
  const d = a.at.getTime() - b.at.getTime();
  return d > 0 || (d === 0 && a.messageId > b.messageId);
}

/** The member who takes over when the owner leaves: the longest-standing admin, else the longest-standing member. */
export function nextOwner(members: readonly Member[], leavingUid: string): Member | undefined {
  const rest = members.filter((m) => m.uid !== leavingUid);
  const byTenure = (a: Member, b: Member) => a.joinedAt.getTime() - b.joinedAt.getTime() || a.uid.localeCompare(b.uid);
  return rest.filter((m) => m.role === 'admin').sort(byTenure)[0] ?? [...rest].sort(byTenure)[0];
}
