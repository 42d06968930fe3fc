import { z } from 'zod';
import { hashedId } from '../ids.js';
import { expiresAtFor } from '../compliance/retention.js';
import type { DomainEvent } from '../notifications/events.js';

/**
 * The per-user activity feed (issue 18): what the user did or what happened to their own dealings, as their own
 * record (their follows, bids, orders and sales, messages sent, moderation outcomes), at `users/{uid}/activity/{id}`.
 * Written only by triggers (src/app/activity/feed.ts), read only by the owner (firestore.rules), kept a year.
 *
 * What an item holds: ids (`refs`, for navigation) and the facts of the owner's own dealing (`details`: item and
 * auction titles, amounts, statuses). Never another person's name: a name copied here would outlive that person's
 * erasure in someone else's feed. Clients render the text from `kind`/`verb` and look names up by id.
 */
export const activityPaths = {
  feed: (uid: string) => `users/${uid}/activity`,
  item: (uid: string, itemId: string) => `users/${uid}/activity/${itemId}`,
};

export const ACTIVITY_KINDS = ['follow', 'bid', 'order', 'sale', 'message', 'moderation'] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

export interface ActivityItem {
  id: string;
  kind: ActivityKind;
  /** What happened: `followed`, `unfollowed`, an event type (`auction.bid_placed`, `order.shipped`, …), `message.sent`, `moderation.*`. */
  verb: string;
  /** When it happened (the source's own time), the feed's order. */
  createdAt: Date;
  refs: Record<string, string>;
  details: Record<string, string | number | boolean | null>;
  expiresAt: Date;
}

/** An item for one owner; `source` names what it comes from, so a trigger run twice derives the same id. */
export interface Entry {
  uid: string;
  item: ActivityItem;
}

/**
 * Ids derive from the owner and the source (an event's idempotency key, a follow edge's creation, a message, a
 * moderation decision): a redelivered trigger, or one event arriving by two doors, names the same document.
 */
export const activityItemId = (uid: string, source: string) =>
  hashedId(`${uid}|${source}`, { length: 24, prefix: 'a_' });

function entry(
  uid: string,
  source: string,
  kind: ActivityKind,
  verb: string,
  createdAt: Date,
  refs: Record<string, string>,
  details: ActivityItem['details'] = {},
): Entry {
  const id = activityItemId(uid, source);
  return { uid, item: { id, kind, verb, createdAt, refs, details, expiresAt: expiresAtFor('activity', createdAt) } };
}

// ── follows (users/{uid}/following/{creatorId}: created by follow, deleted by unfollow) ──

export const followingEdgeSchema = z.object({ createdAt: z.date() }).passthrough();

/** A following edge appeared (followed) or went away (unfollowed); the edge's creation time tells follows apart. */
export function followEntry(
  uid: string,
  creatorId: string,
  change: { before?: { createdAt: Date }; after?: { createdAt: Date } },
  now: Date,
): Entry | undefined {
  if (change.after && !change.before)
    return entry(
      uid,
      `follow:${creatorId}:${change.after.createdAt.getTime()}`,
      'follow',
      'followed',
      change.after.createdAt,
      {
        creatorId,
      },
    );
  if (change.before && !change.after)
    return entry(uid, `unfollow:${creatorId}:${change.before.createdAt.getTime()}`, 'follow', 'unfollowed', now, {
      creatorId,
    });
  return undefined;
}

// ── events (events/{eventId}: bids, auctions won, orders) ──

/** Order events the seller's feed shows as their sale (placed and a failed payment are the buyer's business). */
const SELLER_ORDER_EVENTS = new Set([
  'order.purchase_confirmed',
  'order.processing',
  'order.shipped',
  'order.delivered',
  'order.cancelled',
  'order.refunded',
]);

const money = (p: { amount?: number; currency?: string }): ActivityItem['details'] =>
  p.amount !== undefined ? { amount: p.amount, currency: p.currency ?? null } : {};

/** The feed entries an accepted event makes: the bidder's bid, the winner's auction, the buyer's and seller's order. */
export function eventEntries(event: DomainEvent): Entry[] {
  const source = `event:${event.idempotencyKey}`;
  const at = event.occurredAt;
  switch (event.type) {
    case 'auction.bid_placed': {
      const p = event.payload;
      return [
        entry(
          p.bidderId,
          source,
          'bid',
          event.type,
          at,
          { auctionId: p.auctionId },
          {
            auctionTitle: p.auctionTitle,
            ...money(p),
          },
        ),
      ];
    }
    case 'auction.won': {
      const p = event.payload;
      return [
        entry(
          p.winnerId,
          source,
          'bid',
          event.type,
          at,
          { auctionId: p.auctionId },
          {
            auctionTitle: p.auctionTitle,
            ...money(p),
          },
        ),
      ];
    }
    default:
      break;
  }
  if (!event.type.startsWith('order.')) return [];
  const p = event.payload as {
    orderId: string;
    itemTitle: string;
    buyerId: string;
    sellerId?: string;
    amount?: number;
    currency?: string;
    carrier?: string;
    trackingNumber?: string;
    reason?: string;
    cancelledBy?: string;
  };
  const details: ActivityItem['details'] = {
    itemTitle: p.itemTitle,
    ...money(p),
    ...(p.carrier ? { carrier: p.carrier } : {}),
    ...(p.trackingNumber ? { trackingNumber: p.trackingNumber } : {}),
    ...(p.reason ? { reason: p.reason } : {}),
    ...(p.cancelledBy ? { cancelledBy: p.cancelledBy } : {}),
  };
  const out = [entry(p.buyerId, source, 'order', event.type, at, { orderId: p.orderId }, details)];
  if (p.sellerId && p.sellerId !== p.buyerId && SELLER_ORDER_EVENTS.has(event.type))
    out.push(entry(p.sellerId, source, 'sale', event.type, at, { orderId: p.orderId }, details));
  return out;
}

// ── messages sent (conversations/{cid}/messages/{mid}) ──

export const sentMessageSchema = z
  .object({ senderId: z.string().min(1), type: z.string().min(1), createdAt: z.date() })
  .passthrough();

/** The sender's "message sent": ids and the message type only (no text: it may be edited, removed or encrypted). */
export function messageEntry(cid: string, mid: string, message: z.infer<typeof sentMessageSchema>): Entry | undefined {
  if (message.type === 'system' || message.senderId === 'system') return undefined;
  return entry(
    message.senderId,
    `message:${cid}/${mid}`,
    'message',
    'message.sent',
    message.createdAt,
    { conversationId: cid, messageId: mid },
    { messageType: message.type },
  );
}

// ── moderation outcomes (moderationQueue/{itemId}: open → decided) ──

export const moderationItemSchema = z
  .object({
    status: z.string(),
    conversationId: z.string(),
    messageId: z.string(),
    senderId: z.string(),
    reporterIds: z.array(z.string()).catch([]).default([]),
    decision: z.object({ action: z.string(), at: z.date() }).passthrough().optional(),
  })
  .passthrough();
type ModerationItem = z.infer<typeof moderationItemSchema>;

/**
 * A decision tells the sender what happened to their message (removed, a warning, a ban; `keep` tells them nothing,
 * they may not know it was reported) and each reporter that their report was reviewed: whether action was taken,
 * not which (another user's sanction is not theirs to know).
 */
export function moderationEntries(itemId: string, before: ModerationItem | undefined, after: ModerationItem): Entry[] {
  if (after.status !== 'decided' || !after.decision || before?.status === 'decided') return [];
  const { action, at } = after.decision;
  const refs = { conversationId: after.conversationId, messageId: after.messageId };
  const out: Entry[] = [];
  if (action !== 'keep')
    out.push(entry(after.senderId, `moderation:${itemId}:sender`, 'moderation', `moderation.${action}`, at, refs));
  for (const reporter of new Set(after.reporterIds)) {
    if (reporter === after.senderId) continue;
    out.push(
      entry(reporter, `moderation:${itemId}:report`, 'moderation', 'moderation.report_reviewed', at, refs, {
        outcome: action === 'keep' ? 'no_action' : 'action_taken',
      }),
    );
  }
  return out;
}
