import type { Clock, DocumentStore } from '../../ports.js';
import type { Caller } from '../../domain/caller.js';
import { failedPrecondition, invalidArgument } from '../../domain/errors.js';
import { hashedId } from '../../domain/ids.js';
import { paths } from '../../domain/paths.js';
import { expiresAtFor } from '../../domain/compliance/retention.js';
import type { EventMessage } from '../../domain/notifications/events.js';
import type { FollowCounts, FollowInput } from '../../domain/social/follows.js';
import { MAX_FOLLOWING, countsOf, isFollowable, socialPaths } from '../../domain/social/follows.js';
import { guardReach } from '../messaging/guard.js';

export interface FollowSettings {
  /** At most this many follows per user (MAX_FOLLOWING unless a test says otherwise). */
  maxFollowing: number;
}

export interface FollowResult {
  creatorId: string;
  following: boolean;
  /** false when nothing changed (already followed / not followed): the calls are idempotent. */
  changed: boolean;
  /** The creator's counts after the call. */
  counts: FollowCounts;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * follow / unfollow. Each is one transaction: the guard (the messaging one: the caller is not banned, the creator is an
 * active user, no block either way), both edges and both counters, and, for a new follow, the `social.new_follower`
 * event as an `events/` document, which the notification intake (onNotificationEventCreated) processes like any
 * backend's. So a follow is never half-written: edges without counts, or a notification for a follow that failed.
 */
export class Follows {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
    private readonly settings: FollowSettings = { maxFollowing: MAX_FOLLOWING },
  ) {}

  async follow(caller: Caller, input: FollowInput): Promise<FollowResult> {
    const { creatorId } = input;
    if (creatorId === caller.uid)
      throw invalidArgument('data.creatorId: you cannot follow yourself', { fields: ['data.creatorId'] });
    const now = this.clock.now();
    return this.store.transaction(async (tx) => {
      // Banned caller, inactive (deleted, disabled, unknown) creator, a block either way: refused, never saying who blocked.
      const [creator] = await guardReach(
        tx,
        caller,
        [creatorId],
        () => 'data.creatorId',
        'you cannot follow this user',
      );
      if (!isFollowable(creator!.data))
        throw failedPrecondition('data.creatorId: only creators and shops can be followed');
      const eventKey = `social.new_follower:${creatorId}:${caller.uid}:${Math.floor(now.getTime() / DAY_MS)}`;
      const eventPath = paths.event(hashedId(eventKey, { length: 32, prefix: 'evt_' }));
      const [edge, mine, theirs, me, event] = await tx.getAll([
        socialPaths.followingEdge(caller.uid, creatorId),
        socialPaths.counts(caller.uid),
        socialPaths.counts(creatorId),
        paths.user(caller.uid),
        eventPath,
      ]);
      const creatorCounts = countsOf(theirs?.data);
      if (edge?.exists) return { creatorId, following: true, changed: false, counts: creatorCounts };
      const myCounts = countsOf(mine?.data);
      if (myCounts.following >= this.settings.maxFollowing)
        throw failedPrecondition(
          `you follow ${this.settings.maxFollowing} accounts, the most allowed: unfollow one first`,
        );
      tx.set(socialPaths.follower(creatorId, caller.uid), { uid: caller.uid, creatorId, createdAt: now });
      tx.set(socialPaths.followingEdge(caller.uid, creatorId), {
        uid: creatorId,
        followerId: caller.uid,
        createdAt: now,
      });
      const counts = { ...creatorCounts, followers: creatorCounts.followers + 1 };
      tx.set(socialPaths.counts(creatorId), { ...counts, updatedAt: now });
      tx.set(socialPaths.counts(caller.uid), { ...myCounts, following: myCounts.following + 1, updatedAt: now });
      // One notification per follower and day: following, unfollowing and following again does not spam the creator.
      if (!event?.exists) {
        const message: EventMessage<'social.new_follower'> = {
          type: 'social.new_follower',
          idempotencyKey: eventKey,
          occurredAt: now.toISOString(),
          payload: { creatorId, followerId: caller.uid, followerName: displayName(me?.data) },
        };
        tx.set(eventPath, { ...message, occurredAt: now, expiresAt: expiresAtFor('events', now) });
      }
      return { creatorId, following: true, changed: true, counts };
    });
  }

  async unfollow(caller: Caller, input: FollowInput): Promise<FollowResult> {
    const { creatorId } = input;
    const now = this.clock.now();
    // No guard: anyone may stop following, banned or blocked (that only protects them); a deleted creator too.
    return this.store.transaction(async (tx) => {
      const [edge, mine, theirs] = await tx.getAll([
        socialPaths.followingEdge(caller.uid, creatorId),
        socialPaths.counts(caller.uid),
        socialPaths.counts(creatorId),
      ]);
      const creatorCounts = countsOf(theirs?.data);
      if (!edge?.exists) return { creatorId, following: false, changed: false, counts: creatorCounts };
      const myCounts = countsOf(mine?.data);
      tx.delete(socialPaths.follower(creatorId, caller.uid));
      tx.delete(socialPaths.followingEdge(caller.uid, creatorId));
      // Never below zero: edges written before the counters existed (seed data) are not counted.
      const counts = { ...creatorCounts, followers: Math.max(0, creatorCounts.followers - 1) };
      tx.set(socialPaths.counts(creatorId), { ...counts, updatedAt: now });
      tx.set(socialPaths.counts(caller.uid), {
        ...myCounts,
        following: Math.max(0, myCounts.following - 1),
        updatedAt: now,
      });
      return { creatorId, following: false, changed: true, counts };
    });
  }
}

/** The follower's name as the creator sees it (a profile without one: a neutral word, never "undefined"). */
function displayName(profile: Record<string, unknown> | undefined): string {
  const name = profile?.displayName;
  return typeof name === 'string' && name.trim() ? name.trim().slice(0, 100) : 'Someone';
}
