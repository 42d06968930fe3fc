/**
 * What erasure removes and how it pseudonymises what must be kept (messages in conversations with others stay for
 * disputes and financial records, but no longer say who the sender was).
 */
import { DELETED_USER_NAME } from '../search/record.js';

export { DELETED_USER_NAME };
export const REDACTED = '[redacted]';

// ─────────────────────────── where personal data lives (the one list erasure works from) ───────────────────────────
//
// Erasure (src/app/compliance/erasure.ts) walks exactly these places; the erasure scan test
// (test/unit/compliance/erasureScan.test.ts) walks EVERY document, index record and stored object afterwards and fails
// on any trace outside PSEUDONYMS below, so a new place that holds personal data fails it until it is listed here.

/** Subcollections of users/{uid} that hold only that user's personal data: deleted outright. */
export const PERSONAL_SUBCOLLECTIONS = [
  'devices',
  'keys',
  'settings',
  'notifications',
  'counters',
  'blocks',
  // Burst windows of her notifications (group keys), whom she follows and who follows her (audiences).
  'notificationGroups',
  'following',
  'followers',
  // Her activity feed (src/domain/activity/feed.ts): what she followed, bid on, bought, sold, sent.
  'activity',
] as const;

/** Documents elsewhere keyed by the user's uid: deleted. */
export const PERSONAL_DOCUMENTS = (uid: string): string[] => [
  // A phone verification in progress names the number being verified.
  `phoneVerifications/${uid}`,
  // Per-user call limits: when she called what (src/app/callLimits.ts).
  `callLimits/${uid}`,
  // Her latest notification interaction (analytics' conversion attribution): what she opened, and when.
  `analyticsTouches/${uid}`,
];

export interface OwnedQuery {
  /** Collection path, or collection id when `group`. */
  collection: string;
  group: boolean;
  /** The field that holds the user's uid. */
  field: string;
  why: string;
}

/** Documents that are the user's own, found by the field holding their uid: deleted. */
export const OWNED_DOCUMENTS: readonly OwnedQuery[] = [
  { collection: 'deliveries', group: false, field: 'uid', why: 'her delivery records: address, provider ids, errors' },
  { collection: 'digests', group: false, field: 'uid', why: 'notifications held for her, with their rendered jobs' },
  {
    collection: 'recipients',
    group: true,
    field: 'uid',
    why: 'events/{id}/recipients/{uid}: the jobs rendered for her',
  },
  {
    collection: 'followers',
    group: true,
    field: 'uid',
    why: "users/{creator}/followers/{uid}: her entry in a creator's audience",
  },
  {
    collection: 'following',
    group: true,
    field: 'uid',
    why: "users/{follower}/following/{uid}: a follower's entry for her",
  },
  { collection: 'watchers', group: true, field: 'uid', why: 'auctions/{id}/watchers/{uid}: auctions she watches' },
  { collection: 'exports', group: false, field: 'ownerUid', why: 'her export jobs (the objects are deleted too)' },
];

/** Arrays that list the user among others: her uid is removed. */
export const LISTED_IN: readonly { collection: string; field: string }[] = [
  { collection: 'auctions', field: 'watcherIds' },
  { collection: 'moderationQueue', field: 'reporterIds' },
];

/**
 * Event payload fields that name a participant (domain/notifications/events.ts). Events she took part in are
 * scrubbed of her name, and so is everything rendered from them for their recipients: receipts, in-app notifications
 * and digests (pending ones too, so a digest released after the erasure does not name her).
 */
export const EVENT_PARTICIPANT_FIELDS = [
  'bidderId',
  'previousBidderId',
  'followerId',
  'commenterId',
  'collectorId',
  'creatorId',
  'senderId',
  'hostId',
  'authorId',
  'winnerId',
  'buyerId',
  'sellerId',
] as const;

/** Stored objects: her past exports, and the media she uploaded to each conversation. */
export const personalObjects = {
  exports: (uid: string) => `exports/${uid}/`,
  media: (cid: string, uid: string) => `conversations/${cid}/${uid}/`,
};

/**
 * The pseudonymised records erasure leaves (README "Search & compliance" → Erasure): the only places where the erased
 * user's uid may remain, never with a name, email or phone. `path` matches the document path (`*` one segment),
 * `fields` the dotted field paths (`*` one segment, `**` any rest); `id: true` allows the uid in the document id.
 */
export interface Pseudonym {
  path: string;
  fields: readonly string[];
  id?: boolean;
  why: string;
}

export const PSEUDONYMS: readonly Pseudonym[] = [
  {
    path: 'announcements/*',
    fields: ['createdBy', 'cancelledBy'],
    why: 'the admin who sent or cancelled a system announcement (staff, like the audit log), names no one',
  },
  {
    path: 'accountStates/*',
    fields: ['**'],
    id: true,
    why: 'marks the uid as erased, so a still-valid token acts as no one',
  },
  {
    path: 'auditLog/*',
    fields: ['actorUid', 'target.id', 'key', 'details.**'],
    id: true,
    why: 'the append-only audit trail (who did what), names no one',
  },
  {
    path: 'conversations/*/messages/*',
    fields: ['senderId', 'deletedBy', 'replyTo', 'replyTo.**', 'clientMessageId'],
    id: true,
    why: 'messages kept for disputes, shown as "Deleted user" (senderDeleted)',
  },
  {
    path: 'conversations/*',
    fields: ['lastMessage.senderId', 'lastMessage.messageId', 'createdBy', 'pinnedMessageIds.*'],
    why: "the summary of a kept message, the conversation's creator",
  },
  {
    path: 'conversations/*/processed/*',
    fields: [],
    id: true,
    why: 'the new-message trigger marker of a kept message',
  },
  {
    path: 'moderationQueue/*',
    fields: ['senderId', 'messageId'],
    why: 'moderation items of her kept messages, excerpts scrubbed',
  },
  // What other people were told about her keeps its navigation ids (`data`: followerId, messageId, link), never her name.
  {
    path: 'users/*/notifications/*',
    fields: ['data.*'],
    why: "other users' notifications about her: ids and links of an erased account",
  },
  {
    path: 'users/*/activity/*',
    fields: ['refs.*'],
    why: "other users' activity feeds: the ids of what they did with her (followed her), never her name",
  },
  {
    path: 'digests/*',
    fields: ['items.*.data.*', 'jobs.*.data.*'],
    why: 'the same ids in notifications held for other users',
  },
  {
    path: 'events/*/recipients/*',
    fields: ['jobs.*.data.*'],
    why: 'the same ids in the jobs rendered for other users; deleted after 90 days',
  },
  {
    path: 'exports/*',
    fields: ['target.id'],
    why: 'a staff export of her data: the job, marked erased, without its object',
  },
  {
    path: 'events/*',
    fields: ['payload.*', 'payload.*.*', 'idempotencyKey', 'duplicateOf'],
    why: 'events she took part in, names scrubbed; deleted after 90 days',
  },
  { path: 'eventKeys/*', fields: ['idempotencyKey'], why: 'idempotency claims of those events; deleted after 90 days' },
  {
    path: 'analyticsMarks/*',
    fields: [],
    id: true,
    why: "analytics' counting marker of a delivery or in-app notification: its id is the record's (which holds the uid), its fields count, name no one; TTL",
  },
  { path: 'orders/*', fields: ['buyerId', 'sellerId'], why: "the marketplace's financial records" },
  { path: 'auctions/*', fields: ['sellerId', 'highBid.bidderId'], why: "the marketplace's financial records" },
  { path: 'auctions/*/bids/*', fields: ['bidderId'], why: "the marketplace's financial records" },
];

/** Search records of kept messages: their id (`{cid}/{mid}`, the message id starts with the sender's uid) and sender. */
export const INDEX_PSEUDONYM_FIELDS: readonly string[] = ['objectID', 'senderId'];

/** Whether the erased user's uid may remain at this document path and field (see PSEUDONYMS). */
export function isPseudonym(docPath: string, field: string | undefined): boolean {
  return PSEUDONYMS.some(
    (p) =>
      globMatch(p.path, docPath) &&
      (field === undefined ? p.id === true : p.fields.some((f) => globMatch(f, field, '.'))),
  );
}

function globMatch(pattern: string, value: string, sep = '/'): boolean {
  const want = pattern.split(sep);
  const have = value.split(sep);
  for (let i = 0; i < want.length; i++) {
    if (want[i] === '**') return have.length >= i;
    if (i >= have.length || (want[i] !== '*' && want[i] !== have[i])) return false;
  }
  return want.length === have.length;
}

export interface Identifiers {
  name?: string;
  email?: string;
  phone?: string;
  /** Further values known from elsewhere (the Auth record's phone when the profile holds another). */
  also?: readonly Identifiers[];
}

const hasAny = (ids: Identifiers): boolean => !!(ids.name || ids.email || ids.phone || ids.also?.some(hasAny));

export function identifiersOf(profile: Record<string, unknown> | undefined): Identifiers {
  const pick = (key: string) =>
    typeof profile?.[key] === 'string' && (profile[key] as string).length > 0 ? (profile[key] as string) : undefined;
  const name = pick('displayName');
  const email = pick('email');
  const phone = pick('phone');
  return { ...(name ? { name } : {}), ...(email ? { email } : {}), ...(phone ? { phone } : {}) };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Replaces the person's email and phone anywhere in a string, and their name where it stands as a whole word. */
export function scrubText(text: string, ids: Identifiers): string {
  let out = text;
  for (const more of ids.also ?? []) out = scrubText(out, more);
  if (ids.email) out = out.replace(new RegExp(escape(ids.email), 'gi'), REDACTED);
  if (ids.phone) out = out.replace(new RegExp(escape(ids.phone), 'g'), REDACTED);
  if (ids.name)
    out = out.replace(new RegExp(`(?<![\\p{L}\\p{N}])${escape(ids.name)}(?![\\p{L}\\p{N}])`, 'giu'), DELETED_USER_NAME);
  return out;
}

/**
 * Every string field (nested too) that mentions the person, scrubbed. Returns only the changed top-level fields, so
 * the caller writes a minimal update, or undefined when nothing mentions them.
 */
export function scrubDocument(data: Record<string, unknown>, ids: Identifiers): Record<string, unknown> | undefined {
  if (!hasAny(ids)) return undefined;
  const changed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    const next = scrubValue(value, ids);
    if (next !== value) changed[key] = next;
  }
  return Object.keys(changed).length > 0 ? changed : undefined;
}

function scrubValue(value: unknown, ids: Identifiers): unknown {
  if (typeof value === 'string') {
    const next = scrubText(value, ids);
    return next === value ? value : next;
  }
  if (value instanceof Date || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const next = value.map((v) => scrubValue(v, ids));
    return next.some((v, i) => v !== value[i]) ? next : value;
  }
  let changed = false;
  const next: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    next[k] = scrubValue(v, ids);
    if (next[k] !== v) changed = true;
  }
  return changed ? next : value;
}
