import { z } from 'zod';
import { CATEGORIES, CHANNELS, PRIORITIES } from '../../src/domain/channels.js';
import { EXPORT_FORMATS } from '../../src/domain/compliance/exportRequest.js';
import { MEMBER_ROLES } from '../../src/domain/messaging/conversation.js';
import {
  ATTACHMENT_KINDS,
  MESSAGE_TYPES,
  encryptedSchema,
  materialSpecSchema,
  techniqueSchema,
} from '../../src/domain/messaging/message.js';
import { ACTIVITY_KINDS } from '../../src/domain/activity/feed.js';
import { FREQUENCIES } from '../../src/domain/notifications/preferences.js';
import { NOTIFICATION_TYPES } from '../../src/domain/notifications/plans.js';
import { RECIPIENT_ROLES } from '../../src/domain/notifications/limits.js';
import { ANNOUNCEMENT_STATUSES, segmentSchema } from '../../src/domain/announcements/announcements.js';
import { ORDER_STATUSES } from '../../src/domain/orders/status.js';

/**
 * The documents clients read and listen to through the Firestore SDK (under firestore.rules), as a client receives
 * them: timestamps are Firestore `Timestamp`s (`tsType` below; the typed client maps it to the SDK's class). The
 * generator attaches each collection's composite indexes from firestore.indexes.json, and test/unit/api checks that
 * every query listed here that needs a composite index has one.
 */

/** A Firestore Timestamp (the JSON Schema says its wire fields; the typed client says `Timestamp`). */
const ts = () =>
  z
    .object({ seconds: z.number(), nanoseconds: z.number() })
    .meta({ tsType: 'Timestamp', description: 'Firestore Timestamp' });

export interface ClientQuery {
  /** How a client asks it (modular SDK terms). */
  where: Array<[field: string, op: string, value: string]>;
  orderBy?: Array<[field: string, direction: 'asc' | 'desc']>;
  /** What it is for. */
  purpose: string;
}

export interface ClientCollection {
  /** Path pattern, `{param}` for ids. */
  path: string;
  /** What the rules let a signed-in client do here. */
  access: string;
  /** Who writes it. */
  writtenBy: string;
  document: z.ZodType;
  /** The queries the rules allow (a list query must carry the filters the rule checks). */
  queries: ClientQuery[];
  /** Collection group name, for index lookup (the path's last collection). */
  group: string;
  /** The document type's name in the typed client. */
  typeName: string;
}

const lastMessage = z.strictObject({
  messageId: z.string(),
  senderId: z.string(),
  type: z.enum(MESSAGE_TYPES),
  preview: z.string(),
  createdAt: ts(),
});

export const conversationDoc = z.strictObject({
  type: z.enum(['direct', 'group']),
  title: z.string().nullable().optional(),
  photo: z.string().nullable().optional(),
  memberIds: z.array(z.string()),
  lastMessage: lastMessage.nullable(),
  lastMessageAt: ts().nullable(),
  /** Number of the newest counted message (unread = lastMessageSeq − lastReadSeq − own messages after it). */
  lastMessageSeq: z.number().int().optional(),
  settings: z.strictObject({ announcementOnly: z.boolean(), e2ee: z.boolean() }),
  pinnedMessageIds: z.array(z.string()).optional(),
  createdAt: ts(),
  createdBy: z.string(),
});

export const memberDoc = z.strictObject({
  uid: z.string(),
  role: z.enum(MEMBER_ROLES),
  displayName: z.string(),
  photoUrl: z.string().nullable(),
  joinedAt: ts(),
  lastReadAt: ts().nullable(),
  lastReadSeq: z.number().int().nullable().optional(),
  /** The member's own message numbers past lastReadSeq (not unread for them). */
  ownSeqs: z.array(z.number().int()).optional(),
  /** Legacy counter: shown on top until the member's first read writes lastReadSeq. */
  unreadCount: z.number().int().optional(),
  mutedUntil: ts().nullable().optional(),
  /** While in the future, the member is looking at the conversation: no push. At most 5 minutes ahead. */
  activeUntil: ts().nullable().optional(),
});

export const readDoc = z.strictObject({ lastReadAt: ts() });
export const typingDoc = z.strictObject({ expiresAt: ts() });

/**
 * `users/{uid}`: the profile. The user creates it after sign-up and may change the first group of fields (the rules
 * check them: firestore.rules `validProfileFields`); the rest is the server's (`serverOwnedUserFields`).
 */
export const userDoc = z.strictObject({
  displayName: z.string().min(1).max(100),
  /** A product role, unrelated to the staff claims; `collector` when absent. */
  kind: z.enum(['creator', 'collector']).optional(),
  /** Replaced by Firebase Auth's address (the server syncs it); mail goes only to a verified one. */
  email: z.string().max(320).optional(),
  /** IANA zone; UTC when absent. */
  timeZone: z.string().max(64).optional(),
  /** BCP 47; `en` when absent or unknown. */
  locale: z.string().max(35).optional(),
  /** https only. */
  photoUrl: z.string().optional(),
  /** Set by the client on create, to the request time. */
  createdAt: ts().optional(),
  // Server-owned from here.
  emailVerified: z.boolean().optional(),
  emailSyncedAt: ts().optional(),
  /** E.164, set once verified through Twilio Verify. */
  phone: z.string().optional(),
  phoneVerified: z.boolean().optional(),
  /** Moderation outcomes (decideModeration): warnings and a ban. */
  moderation: z
    .strictObject({
      warnings: z.number().int().optional(),
      lastWarnedAt: ts().optional(),
      banned: z.boolean().optional(),
      bannedAt: ts().optional(),
      bannedBy: z.string().optional(),
    })
    .optional(),
  /** The caller-role claims Auth holds (admin, compliance, service), mirrored by setStaffRoles and the daily sync. */
  staffRoles: z.array(z.enum(['admin', 'compliance', 'service'])).optional(),
  /** Has sold (an order, auction or listing named them as seller): the seller row of the notification limits. */
  sells: z.literal(true).optional(),
});

const workshop = z.strictObject({
  title: z.string(),
  start: ts(),
  end: ts(),
  place: z.string().optional(),
  link: z.string().optional(),
  capacity: z.number().int(),
});

export const messageDoc = z.strictObject({
  senderId: z.string(),
  type: z.enum(MESSAGE_TYPES),
  text: z.string().max(4000).optional(),
  attachments: z
    .array(
      z.strictObject({
        kind: z.enum(ATTACHMENT_KINDS),
        /** conversations/{cid}/{uid}/{file} in Cloud Storage. */
        path: z.string(),
        contentType: z.string(),
        size: z.number().int(),
        name: z.string(),
      }),
    )
    .max(10)
    .optional(),
  materialSpec: materialSpecSchema.optional(),
  technique: techniqueSchema.optional(),
  workshop: workshop.optional(),
  /** Message id this one answers. */
  replyTo: z.string().optional(),
  clientMessageId: z.string(),
  createdAt: ts(),
  editedAt: ts().optional(),
  editHistory: z.array(z.record(z.string(), z.unknown())).optional(),
  deleted: z.boolean().optional(),
  deletedBy: z.string().optional(),
  deletedAt: ts().optional(),
  /** The end-to-end encryption envelope (README "End-to-end encryption envelope"). */
  encrypted: encryptedSchema.optional(),
  /** System messages (group changes): what happened. */
  system: z.record(z.string(), z.unknown()).optional(),
});

export const notificationDoc = z.strictObject({
  type: z.enum(NOTIFICATION_TYPES),
  category: z.enum(CATEGORIES),
  priority: z.enum(PRIORITIES),
  title: z.string(),
  body: z.string(),
  data: z.record(z.string(), z.string()),
  groupKey: z.string(),
  count: z.number().int(),
  read: z.boolean(),
  readAt: ts().nullable(),
  archived: z.boolean(),
  createdAt: ts(),
  updatedAt: ts(),
  expiresAt: ts(),
  /** `createdAt` ISO + id: order by it to page without skips. */
  sortKey: z.string(),
  /** Critical types reach the user through quiet hours and fall back across channels (absent on older documents). */
  critical: z.boolean().optional(),
  /** The domain event it came from (absent for notifications not made from an event). */
  eventId: z.string().optional(),
});

/** `counters/notifications`: the unread badge, in total and per category (kept in the transaction that changes a read state). */
export const counterDoc = z.strictObject({
  unread: z.number().int(),
  byCategory: z.partialRecord(z.enum(CATEGORIES), z.number().int()).optional(),
});

/** One channel's count in a rate counter day document. */
const rateChannelCount = z.strictObject({
  count: z.number().int(),
  limit: z.number().int(),
  holders: z
    .record(z.string(), z.literal(true))
    .optional()
    .meta({ description: 'the events a fan-out chunk counted here, so a replayed chunk counts nothing twice' }),
});

/**
 * `counters/rate_{day}`: the rate limiter's counts for one local day, a map per capped channel used that day (README
 * "Rate limits per role and channel"). One document per user and day, not per channel (issue 14).
 */
export const rateCounterDoc = z.strictObject({
  day: z.string().meta({ description: "the user's local day, yyyy-MM-dd" }),
  role: z.enum(RECIPIENT_ROLES).optional().meta({
    description:
      'the role the limits were taken for, as the last reservation that needed it found it (an SMS alone does not)',
  }),
  updatedAt: ts(),
  expiresAt: ts().meta({
    description: 'when the document goes (a TTL policy and the retention sweep): 3 days after its last count',
  }),
  // Push is unlimited for every role (no map); the others appear once the day counted one.
  sms: rateChannelCount.optional(),
  email: rateChannelCount.optional(),
  inApp: rateChannelCount.optional(),
});

const typePreferencePatch = z.strictObject({
  channels: z.partialRecord(z.enum(CHANNELS), z.boolean()).optional(),
  frequency: z.enum(FREQUENCIES).optional(),
});
/** Only what the user changed; getPreferences answers the effective preferences (defaults laid under). */
export const preferencesDoc = z.looseObject({
  types: z.partialRecord(z.enum(NOTIFICATION_TYPES), typePreferencePatch).optional(),
  quietHours: z.record(z.string(), z.unknown()).optional(),
  workingHours: z.record(z.string(), z.unknown()).optional(),
  timeZone: z.string().optional(),
  digestAt: z.string().optional(),
});

export const exportDoc = z.strictObject({
  ownerUid: z.string(),
  kind: z.enum(['conversation', 'notifications', 'account']),
  target: z.strictObject({ type: z.string(), id: z.string() }),
  format: z.enum([...EXPORT_FORMATS, 'zip']),
  from: z.string().nullable(),
  to: z.string().nullable(),
  status: z.enum(['queued', 'running', 'done', 'failed']),
  path: z.string(),
  createdAt: ts(),
  url: z.string().optional(),
  bytes: z.number().int().optional(),
  expiresAt: ts().optional(),
  finishedAt: ts().optional(),
  error: z.string().optional(),
});

export const publicKeyDoc = z.strictObject({
  alg: z.enum(['X25519', 'P-256']),
  /** base64 of the raw public key. */
  publicKey: z.string(),
  createdAt: ts(),
  deviceName: z.string().optional(),
});

export const blockDoc = z.strictObject({ createdAt: ts() });

/** `announcements/{id}` (src/app/announcements/store.ts): a system announcement and how far it got. */
export const announcementDoc = z.strictObject({
  status: z.enum(ANNOUNCEMENT_STATUSES),
  segment: segmentSchema,
  title: z.string(),
  body: z.string(),
  link: z.string(),
  sendAt: ts(),
  createdBy: z.string(),
  /** The `events/` document the scheduler releases it as. */
  eventId: z.string(),
  createdAt: ts(),
  updatedAt: ts(),
  /** Users the fan-out was handed (set when sent). */
  recipients: z.number().int().nonnegative().optional(),
  sentAt: ts().optional(),
  cancelledAt: ts().optional(),
  cancelledBy: z.string().optional(),
});

const MEMBER = 'read: members of the conversation (active accounts)';

/** `users/{uid}/activity/{itemId}` (src/domain/activity/feed.ts): ids and facts of the owner's own dealings. */
export const activityDoc = z.strictObject({
  id: z.string(),
  kind: z.enum(ACTIVITY_KINDS),
  verb: z.string().meta({
    description:
      'followed | unfollowed | an event type (auction.bid_placed, auction.won, order.*) | message.sent | moderation.remove|warn|ban | moderation.report_reviewed',
  }),
  createdAt: ts(),
  refs: z.record(z.string(), z.string()),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  expiresAt: ts(),
});

/** `followCounts/{uid}` (src/domain/social/follows.ts): public, exact, written with the edges. */
export const followCountsDoc = z.strictObject({
  followers: z.number().int().nonnegative(),
  following: z.number().int().nonnegative(),
  updatedAt: ts(),
});

/** `users/{creatorId}/followers/{uid}`: one follower of the creator. */
export const followerDoc = z.strictObject({ uid: z.string(), creatorId: z.string(), createdAt: ts() });

/** `users/{uid}/following/{creatorId}`: one account the user follows (`uid` is the followed creator's). */
export const followingDoc = z.strictObject({ uid: z.string(), followerId: z.string(), createdAt: ts() });

const orderStatus = z.enum(ORDER_STATUSES);

/** `orders/{orderId}` (src/app/orders/orderView.ts, src/domain/orders/status.ts): the order status view. */
export const orderDoc = z.strictObject({
  orderId: z.string(),
  buyerId: z.string(),
  sellerId: z.string().optional(),
  itemTitle: z.string(),
  status: orderStatus,
  /** When the event that set the status happened. */
  statusAt: ts(),
  amount: z.number().optional(),
  currency: z.string().optional(),
  carrier: z.string().optional(),
  trackingNumber: z.string().optional(),
  trackingUrl: z.string().optional(),
  paymentFailure: z
    .strictObject({ reason: z.string().optional(), retryBy: z.string().optional(), at: ts() })
    .optional(),
  cancellation: z.strictObject({ reason: z.string(), by: z.string(), at: ts() }).optional(),
  refund: z.strictObject({ amount: z.number(), currency: z.string(), at: ts() }).optional(),
  history: z.array(z.strictObject({ status: orderStatus, at: ts() })),
  /** Idempotency keys (hashed) of the events applied, the latest 50. */
  applied: z.array(z.string()),
  updatedAt: ts(),
});

/** `scheduledNotifications/{scheduleId}` (src/app/scheduling/store.ts): a scheduled notification or reminder. */
export const scheduledNotificationDoc = z.strictObject({
  kind: z.enum(['custom', 'auction', 'workshop', 'announcement']),
  status: z.enum(['pending', 'released', 'cancelled']),
  dueAt: ts(),
  /** Bumped by each reschedule: the event a moved item becomes has a new idempotency key. */
  version: z.number().int().nonnegative(),
  recipientId: z.string().nullable(),
  createdBy: z.string(),
  message: z.strictObject({
    type: z.enum(['reminder.due', 'auction.ending_soon', 'community.event_starting_soon', 'system.announcement']),
    payload: z.record(z.string(), z.unknown()),
    audience: z.record(z.string(), z.unknown()).optional(),
  }),
  /** Reminders: the auction or event they follow, its time, and whether it was cancelled. */
  source: z.strictObject({ ref: z.string(), target: ts(), at: ts(), cancelled: z.boolean() }).optional(),
  createdAt: ts().optional(),
  updatedAt: ts(),
  releasedAt: ts().optional(),
  /** The `events/` document it became when released. */
  eventId: z.string().optional(),
  cancelledAt: ts().optional(),
  /** Released and cancelled items expire (TTL). */
  expiresAt: ts().optional(),
});

export const CLIENT_COLLECTIONS: ClientCollection[] = [
  {
    path: 'users/{uid}',
    group: 'users',
    typeName: 'UserDoc',
    access:
      'read: the user themselves (email and phone are private); create and update: the user themselves, displayName, kind, email, timeZone, locale, photoUrl (and createdAt on create) only, not while banned; delete: through deleteMyAccount',
    writtenBy:
      'the user (the fields above); the server: email sync, phone verification, moderation, setStaffRoles, the seller flag',
    document: userDoc,
    queries: [],
  },
  {
    path: 'conversations/{cid}',
    group: 'conversations',
    typeName: 'ConversationDoc',
    access: 'read: members (`request.auth.uid in memberIds`); no client writes (callables)',
    writtenBy: 'callables (createDirectConversation, createGroup, …); onMessageCreated (summary)',
    document: conversationDoc,
    queries: [
      {
        where: [['memberIds', 'array-contains', '<uid>']],
        orderBy: [['lastMessageAt', 'desc']],
        purpose: "the user's conversation list (the rule needs the array-contains filter on the caller's uid)",
      },
      {
        where: [
          ['memberIds', 'array-contains', '<uid>'],
          ['type', '==', "'direct' | 'group'"],
        ],
        orderBy: [['lastMessageAt', 'desc']],
        purpose: 'the list filtered to direct chats or groups',
      },
    ],
  },
  {
    path: 'conversations/{cid}/members/{uid}',
    group: 'members',
    typeName: 'MemberDoc',
    access: `${MEMBER}; the member updates their own read position, mutedUntil, activeUntil`,
    writtenBy: 'callables; triggers (lastReadSeq/ownSeqs, profile copies); the member (reads, mute, active)',
    document: memberDoc,
    queries: [
      {
        where: [],
        purpose: 'the member list of a conversation the caller belongs to (listen for typing names, read receipts)',
      },
    ],
  },
  {
    path: 'conversations/{cid}/messages/{mid}',
    group: 'messages',
    typeName: 'MessageDoc',
    access: `${MEMBER}; create as yourself (mid = {senderId}_{clientMessageId}), edit own within 15 min, tombstone`,
    writtenBy: 'members (rules) or sendMessage; system messages by the server',
    document: messageDoc,
    queries: [
      {
        where: [],
        orderBy: [['createdAt', 'desc']],
        purpose: 'the newest messages (limit N, then page with startAfter)',
      },
    ],
  },
  {
    path: 'conversations/{cid}/typing/{uid}',
    group: 'typing',
    typeName: 'TypingDoc',
    access: `${MEMBER}; write your own (expiresAt ≤ 10 s ahead), delete your own`,
    writtenBy: 'the member themselves',
    document: typingDoc,
    queries: [{ where: [], purpose: 'who is typing: show documents whose expiresAt is in the future' }],
  },
  {
    path: 'conversations/{cid}/reads/{uid}',
    group: 'reads',
    typeName: 'ReadDoc',
    access: 'read: the member themselves; written in the same batch as their member read position',
    writtenBy: 'the member themselves; markConversationRead',
    document: readDoc,
    queries: [],
  },
  {
    path: 'users/{uid}/notifications/{notificationId}',
    group: 'notifications',
    typeName: 'NotificationDoc',
    access: 'read: the user themselves; no client writes (mark read/archive/delete through callables)',
    writtenBy: 'the notification pipeline; the notification center callables',
    document: notificationDoc,
    queries: [
      {
        where: [['archived', '==', 'false']],
        orderBy: [['sortKey', 'desc']],
        purpose: 'the live notification center (newest first)',
      },
      {
        where: [
          ['archived', '==', 'false'],
          ['category', '==', '<category>'],
        ],
        orderBy: [['sortKey', 'desc']],
        purpose: 'one category (filter chips)',
      },
      {
        where: [
          ['archived', '==', 'false'],
          ['read', '==', 'false'],
        ],
        orderBy: [['sortKey', 'desc']],
        purpose: 'unread only',
      },
    ],
  },
  {
    path: 'users/{uid}/counters/notifications',
    group: 'counters',
    typeName: 'CounterDoc',
    access: 'read: the user themselves; the exact unread badge, in total and per category',
    writtenBy: 'server only, in the transaction that changes a read state',
    document: counterDoc,
    queries: [],
  },
  {
    path: 'users/{uid}/counters/rate_{day}',
    group: 'counters',
    typeName: 'RateCounterDoc',
    access:
      'read: the user themselves; how many notifications each channel sent them on their local day, and its limit',
    writtenBy: 'server only, by the rate limiter in the delivery transaction',
    document: rateCounterDoc,
    queries: [],
  },
  {
    path: 'users/{uid}/settings/notifications',
    group: 'settings',
    typeName: 'PreferencesDoc',
    access: 'read: the user themselves; change through updatePreferences/resetPreferences',
    writtenBy: 'updatePreferences, resetPreferences',
    document: preferencesDoc,
    queries: [],
  },
  {
    path: 'users/{uid}/blocks/{otherUid}',
    group: 'blocks',
    typeName: 'BlockDoc',
    access: 'read: the user themselves; change through blockUser/unblockUser',
    writtenBy: 'blockUser, unblockUser',
    document: blockDoc,
    queries: [],
  },
  {
    path: 'users/{uid}/keys/{deviceId}',
    group: 'keys',
    typeName: 'PublicKeyDoc',
    access: 'read: any active signed-in user; write: the owner (their device public keys)',
    writtenBy: 'the device owner',
    document: publicKeyDoc,
    queries: [],
  },
  {
    path: 'users/{uid}/activity/{itemId}',
    group: 'activity',
    typeName: 'ActivityDoc',
    access: 'read: the user themselves (active accounts); no client writes',
    writtenBy:
      'triggers: activityOnFollowingWritten, activityOnEventWritten, activityOnMessageCreated, activityOnModerationWritten',
    document: activityDoc,
    queries: [
      { where: [], orderBy: [['createdAt', 'desc']], purpose: 'the feed, newest first (page with limit/startAfter)' },
      {
        where: [['kind', '==', "'follow' | 'bid' | 'order' | 'sale' | 'message' | 'moderation'"]],
        orderBy: [['createdAt', 'desc']],
        purpose: 'one kind of activity',
      },
    ],
  },
  {
    path: 'users/{uid}/followers/{followerId}',
    group: 'followers',
    typeName: 'FollowerDoc',
    access: 'read: the creator themselves (active accounts); no client writes (follow/unfollow)',
    writtenBy: 'follow, unfollow (with both counts, in one transaction)',
    document: followerDoc,
    queries: [{ where: [], orderBy: [['createdAt', 'desc']], purpose: "the creator's followers, newest first" }],
  },
  {
    path: 'users/{uid}/following/{creatorId}',
    group: 'following',
    typeName: 'FollowingDoc',
    access: 'read: the user themselves (active accounts); no client writes (follow/unfollow)',
    writtenBy: 'follow, unfollow',
    document: followingDoc,
    queries: [{ where: [], orderBy: [['createdAt', 'desc']], purpose: 'whom the user follows, newest first' }],
  },
  {
    path: 'followCounts/{uid}',
    group: 'followCounts',
    typeName: 'FollowCountsDoc',
    access: 'read: any active signed-in user (public counts); no client writes',
    writtenBy: 'follow, unfollow, in the transaction that writes the edges (exact)',
    document: followCountsDoc,
    queries: [],
  },
  {
    path: 'orders/{orderId}',
    group: 'orders',
    typeName: 'OrderDoc',
    access: "read: the order's buyer or seller (active accounts); a list query must filter on the caller's role",
    writtenBy: 'orderStatusOnEventWritten, from every order event recorded in events/ (any door)',
    document: orderDoc,
    queries: [
      {
        where: [['buyerId', '==', '<uid>']],
        orderBy: [['updatedAt', 'desc']],
        purpose: "the buyer's orders, latest change first",
      },
      {
        where: [['sellerId', '==', '<uid>']],
        orderBy: [['updatedAt', 'desc']],
        purpose: "the seller's sales, latest change first",
      },
    ],
  },
  {
    path: 'scheduledNotifications/{scheduleId}',
    group: 'scheduledNotifications',
    typeName: 'ScheduledNotificationDoc',
    access: 'read: its recipient (`recipientId`, active accounts); a list query must filter `recipientId == uid`',
    writtenBy:
      'scheduleNotification, cancelScheduledNotification, rescheduleNotification; remindersOnEventWritten; ' +
      'releaseScheduledNotifications (released); announcements',
    document: scheduledNotificationDoc,
    queries: [
      {
        where: [['recipientId', '==', '<uid>']],
        orderBy: [['dueAt', 'asc']],
        purpose: "the user's scheduled notifications and reminders, soonest first",
      },
    ],
  },
  {
    path: 'announcements/{announcementId}',
    group: 'announcements',
    typeName: 'AnnouncementDoc',
    access: 'read: admins (active accounts); no client writes',
    writtenBy: 'sendAnnouncement, cancelAnnouncement; the fan-out when it sends (status, recipients)',
    document: announcementDoc,
    queries: [{ where: [], orderBy: [['sendAt', 'desc']], purpose: 'the admin app: announcements, latest first' }],
  },
  {
    path: 'exports/{exportId}',
    group: 'exports',
    typeName: 'ExportDoc',
    access: 'get: the export owner (`ownerUid`); a list query must filter `ownerUid == uid`',
    writtenBy: 'export callables; renderPdfExport',
    document: exportDoc,
    queries: [
      {
        where: [['ownerUid', '==', '<uid>']],
        purpose: "the caller's exports (or get one by id to watch a queued PDF)",
      },
    ],
  },
];
