import type { DeliveryJob } from '../delivery.js';

/**
 * Some notifications are worthless late: an outbid alert 20 minutes after the bid only annoys (the auction has moved
 * on). Jobs older than their type's limit are dropped as `stale` instead of sent.
 */
export const STALE_AFTER_MS: Readonly<Record<string, number>> = {
  'auction.outbid': 15 * 60_000,
  'auction.ending_soon': 30 * 60_000,
};

export function isStale(job: Pick<DeliveryJob, 'type' | 'createdAt'>, now: Date): boolean {
  const limit = STALE_AFTER_MS[job.type];
  if (limit === undefined) return false;
  return now.getTime() - Date.parse(job.createdAt) > limit;
}
