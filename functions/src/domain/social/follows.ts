import { z } from 'zod';
import { docId } from '../validation.js';

/**
 * Following creators and shops (a shop is a creator account: profile `kind: 'creator'`). The edges and counts:
 * - `users/{creatorId}/followers/{uid}` `{uid, creatorId, createdAt}`: the audience of `new_listing` and other
 *   follower fan-outs (src/app/notifications/audience.ts pages it ordered by `uid`; the creator reads it);
 * - `users/{uid}/following/{creatorId}` `{uid: creatorId, followerId, createdAt}`: what the user follows (they read it,
 *   paged by `createdAt`);
 * - `followCounts/{uid}` `{followers, following, updatedAt}`: public counts, written in the transaction that writes the
 *   edges, so they are exact.
 * Only the follow/unfollow callables write any of them (firestore.rules).
 */

/**
 * The most accounts one user may follow. Generous for people (a collector following every maker they like), a stop
 * for scripts that follow everyone to harvest notifications or inflate counts. README "Following" names it.
 */
export const MAX_FOLLOWING = 2000;

export const socialPaths = {
  followers: (creatorId: string) => `users/${creatorId}/followers`,
  follower: (creatorId: string, uid: string) => `users/${creatorId}/followers/${uid}`,
  following: (uid: string) => `users/${uid}/following`,
  followingEdge: (uid: string, creatorId: string) => `users/${uid}/following/${creatorId}`,
  counts: (uid: string) => `followCounts/${uid}`,
};

export const followInput = z.strictObject({ creatorId: docId('a user id') });
export type FollowInput = z.output<typeof followInput>;

export interface FollowCounts {
  followers: number;
  following: number;
}

/** The counts a stored `followCounts/{uid}` says (missing or malformed: zero). */
export function countsOf(data: Record<string, unknown> | undefined): FollowCounts {
  const n = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : 0);
  return { followers: n(data?.followers), following: n(data?.following) };
}

/** Whether a profile may be followed: creators and shops (creator accounts), not collectors. */
export const isFollowable = (profile: Record<string, unknown> | undefined): boolean => profile?.kind === 'creator';
