import { docCreated, docWritten } from './triggers.js';

/**
 * The activity feed (`users/{uid}/activity`, src/app/activity/feed.ts): each trigger turns one kind of source into
 * items in the feeds of the users it concerns; item ids derive from the source, so a redelivered event writes once.
 */

/** Followed and unfollowed: the follower's own edge, whichever way it was written. */
export const activityOnFollowingWritten = docWritten(
  'users/{uid}/following/{creatorId}',
  ({ params, before, after }, s) => s.activity.feed.onFollowingWritten(params.uid, params.creatorId, before, after),
);

/** Bids, auctions won, orders and sales, from every event recorded in `events/` (any door). */
export const activityOnEventWritten = docWritten('events/{eventId}', ({ params, before, after }, s) =>
  s.activity.feed.onEventWritten(params.eventId, before, after),
);

/** Messages sent, in the sender's feed. */
export const activityOnMessageCreated = docCreated('conversations/{cid}/messages/{mid}', ({ params, data }, s) =>
  s.activity.feed.onMessageCreated(params.cid, params.mid, data),
);

/** Moderation decisions: the sender's outcome and each reporter's "report reviewed". */
export const activityOnModerationWritten = docWritten('moderationQueue/{itemId}', ({ params, before, after }, s) =>
  s.activity.feed.onModerationWritten(params.itemId, before, after),
);
