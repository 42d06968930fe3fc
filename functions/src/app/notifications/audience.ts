import type { Audience } from '../../domain/notifications/events.js';
import type { PlanAudience } from '../../domain/notifications/plans.js';
import type { DocumentStore } from '../../ports.js';
import type { AnnouncementFanoutDeps } from '../announcements/fanout.js';
import { announcementPage } from '../announcements/fanout.js';

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
 * The fan-out page step's audience: an envelope's (followers, watchers: `audienceIds`), for the page step to publish
 * in chunks. An announcement's segment (src/app/announcements/fanout.ts) walks page by page instead, bounded however
 * many users it names: each page, claimed against its document (nothing once cancelled), publishes its own chunks and
 * the next page, so it answers nothing here.
 */
export async function fanoutAudience(
  d: AnnouncementFanoutDeps,
  audience: PlanAudience,
  eventId: string,
  after?: string,
): Promise<string[]> {
  if (audience.kind === 'announcement') return announcementPage(d, audience.announcementId, eventId, after);
  return audienceIds(d.store, audience, after);
}
