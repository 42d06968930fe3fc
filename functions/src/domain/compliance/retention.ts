/**
 * Retention policy (README "Search & compliance"). Analytics aggregates are kept: they hold counts, not people.
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

export const RETENTION_RULES: readonly RetentionRule[] = [
  { collection: 'notifications', group: true, field: 'createdAt', maxAgeMs: YEAR },
  { collection: 'deliveries', group: false, field: 'createdAt', maxAgeMs: YEAR },
  { collection: 'messages', group: true, field: 'createdAt', maxAgeMs: 7 * YEAR },
];

export const cutoffFor = (rule: RetentionRule, now: Date) => new Date(now.getTime() - rule.maxAgeMs);

/** What writers put in `expiresAt` so Firestore's TTL policy deletes the document without the sweep's help. */
export const expiresAtFor = (collection: string, createdAt: Date): Date | undefined => {
  const rule = RETENTION_RULES.find((r) => r.collection === collection);
  return rule ? new Date(createdAt.getTime() + rule.maxAgeMs) : undefined;
};
