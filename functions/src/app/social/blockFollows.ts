import type { Clock, DocumentStore } from '../../ports.js';
import { countsOf, socialPaths } from '../../domain/social/follows.js';

export interface Severed {
  /** Follows removed: 0, 1 or 2 (both directions). */
  removed: number;
}

/**
 * A block ends following both ways (issue 18): `blocker` no longer follows `blocked` and `blocked` no longer follows
 * `blocker` (a blocked user must not receive the blocker's listings, nor keep counting towards their followers). One
 * transaction removes both edges of each direction and moves both counters exactly as `unfollow` would (never below
 * zero: edges from before the counters). A follower entry left without its following edge (no writer leaves one, but
 * seed data may) is removed uncounted. Run again, it finds nothing and writes nothing: idempotent. Kept out of
 * follows.ts so the block path (src/app/messaging/conversations.ts) depends on this one function only.
 */
export async function severFollows(
  store: DocumentStore,
  clock: Clock,
  blocker: string,
  blocked: string,
): Promise<Severed> {
  return store.transaction(async (tx) => {
    const [ab, ba, abFollower, baFollower, countsA, countsB] = await tx.getAll([
      socialPaths.followingEdge(blocker, blocked),
      socialPaths.followingEdge(blocked, blocker),
      socialPaths.follower(blocked, blocker),
      socialPaths.follower(blocker, blocked),
      socialPaths.counts(blocker),
      socialPaths.counts(blocked),
    ]);
    const now = clock.now();
    const a = countsOf(countsA!.data);
    const b = countsOf(countsB!.data);
    let removed = 0;
    // blocker → blocked
    if (ab!.exists) {
      removed++;
      a.following = Math.max(0, a.following - 1);
      b.followers = Math.max(0, b.followers - 1);
      tx.delete(socialPaths.followingEdge(blocker, blocked));
    }
    if (ab!.exists || abFollower!.exists) tx.delete(socialPaths.follower(blocked, blocker));
    // blocked → blocker
    if (ba!.exists) {
      removed++;
      b.following = Math.max(0, b.following - 1);
      a.followers = Math.max(0, a.followers - 1);
      tx.delete(socialPaths.followingEdge(blocked, blocker));
    }
    if (ba!.exists || baFollower!.exists) tx.delete(socialPaths.follower(blocker, blocked));
    if (removed > 0) {
      tx.set(socialPaths.counts(blocker), { ...a, updatedAt: now });
      tx.set(socialPaths.counts(blocked), { ...b, updatedAt: now });
    }
    return { removed };
  });
}
