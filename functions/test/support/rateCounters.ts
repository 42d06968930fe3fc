import { rateCounterPath } from '../../src/app/notifications/rateLimits.js';
import type { Channel } from '../../src/domain/channels.js';
import type { DocData, DocumentStore } from '../../src/ports.js';

/**
 * The rate limiter's counters as tests read and seed them, so no test spells the day document's shape
 * (users/{uid}/counters/rate_{day}: `{ day, role, updatedAt, <channel>: { count, limit, holders? } }`).
 */

/**
 * One channel's map of a day document (`count`, `limit`, `holders`) with the day's `role`, as one per-channel counter
 * would read; undefined when that day counted nothing on the channel.
 */
export function channelOf(data: DocData | undefined, channel: Channel): DocData | undefined {
  const map = data?.[channel] as DocData | undefined;
  return map && { ...map, role: data?.role };
}

/** `uid`'s counter for `channel` on `day` (yyyy-MM-dd): see channelOf. */
export async function rateCounter(
  store: Pick<DocumentStore, 'get'>,
  uid: string,
  channel: Channel,
  day: string,
): Promise<DocData | undefined> {
  return channelOf((await store.get(rateCounterPath(uid, day))).data, channel);
}

/** The counters of several users for one channel and day, in one getAll. */
export async function rateCounters(
  store: Pick<DocumentStore, 'getAll'>,
  uids: readonly string[],
  channel: Channel,
  day: string,
): Promise<Array<DocData | undefined>> {
  const snaps = await store.getAll(uids.map((uid) => rateCounterPath(uid, day)));
  return snaps.map((snap) => channelOf(snap.data, channel));
}

/** As if `uid` had had `count` notifications on `channel` on `day` already (merged: other channels stay). */
export function seedRateCount(
  store: Pick<DocumentStore, 'set'>,
  uid: string,
  channel: Channel,
  day: string,
  count: number,
): Promise<void> {
  return store.set(rateCounterPath(uid, day), { [channel]: { count } }, { merge: true });
}
