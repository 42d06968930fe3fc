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
  unreadCount: number;
  mutedUntil: Date | null;
  activeUntil: Date | null;
}

export function newMember(uid: string, role: MemberRole, now: Date, profile: PublicProfile): Member {
  return {
    uid,
    role,
    displayName: profile.displayName,
    photoUrl: profile.photoUrl,
    joinedAt: now,
    lastReadAt: now,
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
 * Unread counting by position. A message's position is its `createdAt` (the server's time of the write); a member's
 * read position is the later of `members/{uid}.lastReadAt` and `reads/{uid}.lastReadAt` (written together by every
 * read, see README "Messaging data model"). A message counts for a member iff it lies after the read position, so the
 * count does not depend on whether the trigger ran before or after the read: a trigger that runs late sees the read
 * position and skips, a read that comes later resets the count over everything at or before it.
 */
export function readPosition(memberLastReadAt: Date | null, readDocLastReadAt: Date | null): Date | null {
  if (!memberLastReadAt) return readDocLastReadAt;
  if (!readDocLastReadAt) return memberLastReadAt;
  return memberLastReadAt.getTime() >= readDocLastReadAt.getTime() ? memberLastReadAt : readDocLastReadAt;
}

/** Whether a message at `messageAt` is unread for a member whose read position is `readAt` (at or before: read). */
export function isUnreadAt(messageAt: Date, readAt: Date | null): boolean {
  return readAt === null || messageAt.getTime() > readAt.getTime();
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

/** Who receives the push for a new message: other members not looking at the conversation and not muting it. */
export function pushRecipients(members: readonly Member[], senderId: string, now: Date): string[] {
  const after = (d: Date | null) => d !== null && d.getTime() > now.getTime();
  return members.filter((m) => m.uid !== senderId && !after(m.activeUntil) && !after(m.mutedUntil)).map((m) => m.uid);
}

/** The member who takes over when the owner leaves: the longest-standing admin, else the longest-standing member. */
export function nextOwner(members: readonly Member[], leavingUid: string): Member | undefined {
  const rest = members.filter((m) => m.uid !== leavingUid);
  const byTenure = (a: Member, b: Member) => a.joinedAt.getTime() - b.joinedAt.getTime() || a.uid.localeCompare(b.uid);
  return rest.filter((m) => m.role === 'admin').sort(byTenure)[0] ?? [...rest].sort(byTenure)[0];
}
