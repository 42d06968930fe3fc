import type { Audience } from '../../domain/notifications/events.js';
import type { PlanAudience } from '../../domain/notifications/plans.js';
import type { Clock, DocumentStore, Logger } from '../../ports.js';
import { announcementAudience } from '../announcements/fanout.js';

/**
 * Where audiences live: followers at users/{creatorId}/followers/{uid}, auction watchers at
 * auctions/{auctionId}/watchers/{uid}; each member document carries its `uid` so pages can be ordered and resumed.
 */
export const audiencePaths = {
  followers: (creatorId: string) => `users/${creatorId}/followers`,
  follower: (creatorId: string, uid: string) => `users/${creatorId}/followers/${uid}`,
  watchers: (auctionId: string) => `auctions/${auctionId}/watchers`,
  watcher: (auctionId: string, uid: string) => `auctions/${auctionId}/watchers/${uid}`,
};

const collectionOf = (audience: Audience) =>
  audience.kind === 'followers'
    ? audiencePaths.followers(audience.creatorId)
    : audiencePaths.watchers(audience.auctionId);

/** One page of member ids, ordered by uid, after `cursor` (the last uid of the previous page). */
export async function audiencePage(
  store: DocumentStore,
  audience: Audience,
  size: number,
  cursor?: string,
): Promise<string[]> {
  const snaps = await store.query(collectionOf(audience), {
    orderBy: [{ field: 'uid' }],
    limit: size,
    ...(cursor ? { startAfter: [cursor] } : {}),
  });
  return snaps.map((s) => String(s.data?.uid ?? s.id));
}

/**
 * Every member id at once, after `after` if given (an old `page` message's cursor), in id order: one query over the
 * member documents (each is just `{ uid }`), so the fan-out can publish all its chunks at once instead of walking
 * pages. A member document's id is its uid (audiencePaths). One query rather than `listIds`: the Firestore emulator
 * took 4.5 s to list 500 followers' ids (ListDocuments with missing documents) and ~0.1 s to query them.
 */
export async function audienceIds(store: DocumentStore, audience: Audience, after?: string): Promise<string[]> {
  const snaps = await store.query(collectionOf(audience), {
    orderBy: [{ field: 'uid' }],
    ...(after !== undefined ? { startAfter: [after] } : {}),
  });
  return snaps.map((s) => String(s.data?.uid ?? s.id));
}

/**
 * The fan-out page step's audience: an envelope's (followers, watchers: `audienceIds`), or an announcement's, which
 * its document resolves and gates (src/app/announcements/fanout.ts: nobody once cancelled; claimed as sent here,
 * right before the first chunk is published).
 */
export async function fanoutAudience(
  d: { store: DocumentStore; clock: Clock; logger: Logger },
  audience: PlanAudience,
  eventId: string,
  after?: string,
): Promise<string[]> {
  if (audience.kind === 'announcement') return announcementAudience(d, audience.announcementId, eventId);
  return audienceIds(d.store, audience, after);
}
