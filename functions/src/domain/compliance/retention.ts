/**
 * Retention policy (README "Search & compliance"), stated once: writers take `expiresAt` from here, the sweep its
 * cutoffs. Analytics aggregates are kept: they hold counts, not people.
 */
const DAY = 24 * 60 * 60 * 1000;
const YEAR = 365 * DAY;

export interface RetentionRule {
  /** Collection id (a collection group for subcollections). */
  collection: string;
  group: boolean;
  /** Time field compared with the cutoff. */
  field: string;
  maxAgeMs: number;
}

/**
 * The notification pipeline's working records (events, their per-recipient receipts and idempotency claims, digests)
 * outlive every retry and redelivery (Pub/Sub keeps messages at most 31 days) and every hold (a weekly digest) by far,
 * and then go: they hold rendered copies of what was sent, names included.
 */
const PIPELINE_RECORDS_MS = 90 * DAY;

export const RETENTION_RULES: readonly RetentionRule[] = [
  { collection: 'notifications', group: true, field: 'createdAt', maxAgeMs: YEAR },
  { collection: 'deliveries', group: false, field: 'createdAt', maxAgeMs: YEAR },
  { collection: 'messages', group: true, field: 'createdAt', maxAgeMs: 7 * YEAR },
  // Valid events carry occurredAt; rejected ones may not, and carry rejectedAt.
  { collection: 'events', group: false, field: 'occurredAt', maxAgeMs: PIPELINE_RECORDS_MS },
  { collection: 'events', group: false, field: 'rejectedAt', maxAgeMs: PIPELINE_RECORDS_MS },
  { collection: 'recipients', group: true, field: 'claimedAt', maxAgeMs: PIPELINE_RECORDS_MS },
  { collection: 'eventKeys', group: false, field: 'at', maxAgeMs: PIPELINE_RECORDS_MS },
  { collection: 'digests', group: false, field: 'createdAt', maxAgeMs: PIPELINE_RECORDS_MS },
  // Moderation items (excerpts of reported messages): a year, like notifications, decided or not.
  { collection: 'moderationQueue', group: false, field: 'createdAt', maxAgeMs: YEAR },
  // The activity feed (users/*/activity): a year, like the notifications that tell of the same things.
  { collection: 'activity', group: true, field: 'createdAt', maxAgeMs: YEAR },
  // Scheduled notifications once released (or cancelled): as long as the event they became (pending ones stay).
  { collection: 'scheduledNotifications', group: false, field: 'releasedAt', maxAgeMs: PIPELINE_RECORDS_MS },
  { collection: 'scheduledNotifications', group: false, field: 'cancelledAt', maxAgeMs: PIPELINE_RECORDS_MS },
  // An announcement's page claims (announcements/*/pages, the only `pages` collections): a claim holds its members'
  // uids until the page is out, so one left by a page that never finished must not stay for ever; 90 days outlives
  // every redelivery of its page message, like the receipts. The announcement itself stays (the staff record).
  { collection: 'pages', group: true, field: 'createdAt', maxAgeMs: PIPELINE_RECORDS_MS },
  // The daily rate-limit counters (users/*/counters/rate_{day}) say themselves when they go (`expiresAt`, set by the
  // rate limiter once their local day is over everywhere): the sweep deletes those whose time has come. The other
  // counters (the unread count, follower counts) carry no expiresAt and are never swept.
  { collection: 'counters', group: true, field: 'expiresAt', maxAgeMs: 0 },
];

export const cutoffFor = (rule: RetentionRule, now: Date) => new Date(now.getTime() - rule.maxAgeMs);

/**
 * What writers put in `expiresAt` so Firestore's TTL policy (firestore.indexes.json) deletes the document without the
 * sweep's help: `createdAt` plus the collection's limit.
 */
export const expiresAtFor = (collection: TtlCollection, createdAt: Date): Date =>
  new Date(createdAt.getTime() + maxAgeOf(collection));

/** How long a collection's documents are kept (every TTL collection has a rule: the retention test holds it). */
export const maxAgeOf = (collection: TtlCollection): number =>
  RETENTION_RULES.find((r) => r.collection === collection)!.maxAgeMs;

/**
 * Collections whose documents carry `expiresAt` under a TTL policy (the test holds firestore.indexes.json to it).
 * Not notifications: a TTL deletion of an unread one would leave it in the unread counts, so only the sweep deletes
 * them (through the notification center, with the counts); their `expiresAt` says when.
 */
export const TTL_COLLECTIONS = [
  'deliveries',
  'events',
  'recipients',
  'eventKeys',
  'digests',
  'moderationQueue',
  'activity',
  'scheduledNotifications',
  'pages',
  'counters',
] as const;
export type TtlCollection = (typeof TTL_COLLECTIONS)[number];
