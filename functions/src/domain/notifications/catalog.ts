import { z } from 'zod';
import type { Category, Priority } from '../channels.js';
import { httpsUrl } from '../links.js';
import { displayText, docId, isoDateTime, isoInstant, singleLine, storedInstant } from '../validation.js';

/**
 * The event catalog: one zod schema per event type, and what each event means for whom. An event (what happened
 * in the marketplace) yields one or more notifications (what a person is told): `auction.bid_placed` tells the
 * seller of the bid and the previous high bidder that they were outbid.
 */

/** Ids name documents (`users/{creatorId}/followers`): letters, digits, `_` and `-` only, never `a/b` or `..`. */
const id = docId('an id');
/** Titles and names end up in push titles and email subjects: one visible line, no control or bidi characters. */
const title = displayText(200);
const name = displayText(100);
/** Real dates in range (ISO 8601 with a zone), kept as strings. */
const when = isoDateTime;
const money = { amount: z.number().nonnegative(), currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code like USD') };

/** Who hears about an event beyond the ids it names: resolved page by page (large audiences fan out in chunks). */
export const audienceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('followers'), creatorId: id }),
  z.object({ kind: z.literal('auctionWatchers'), auctionId: id }),
]);
export type Audience = z.infer<typeof audienceSchema>;

export const eventPayloadSchemas = {
  'auction.bid_placed': z.object({
    auctionId: id, auctionTitle: title, sellerId: id, bidderId: id, bidderName: name, ...money,
    previousBidderId: id.optional(),
  }),
  'auction.ending_soon': z.object({
    auctionId: id, auctionTitle: title, endsAt: when(), minutesLeft: z.number().int().positive(),
    watcherIds: z.array(id).max(500).optional(),
  }),
  'auction.won': z.object({ auctionId: id, auctionTitle: title, winnerId: id, sellerId: id, ...money }),
  'order.purchase_confirmed': z.object({ orderId: id, itemTitle: title, buyerId: id, sellerId: id, ...money }),
  'order.shipped': z.object({
    orderId: id, itemTitle: title, buyerId: id, carrier: z.string().min(1).max(60), trackingNumber: z.string().min(1).max(60),
    /** Rendered as a link in apps and emails: https only (src/domain/links.ts). */
    trackingUrl: httpsUrl().optional(),
  }),
  'order.delivered': z.object({ orderId: id, itemTitle: title, buyerId: id, sellerId: id }),
  'order.payment_failed': z.object({ orderId: id, itemTitle: title, buyerId: id, ...money, reason: z.string().max(200).optional() }),
  'order.refunded': z.object({ orderId: id, itemTitle: title, buyerId: id, ...money }),
  'social.new_follower': z.object({ creatorId: id, followerId: id, followerName: name }),
  'social.story_comment': z.object({
    storyId: id, storyTitle: title, authorId: id, commenterId: id, commenterName: name, comment: z.string().min(1).max(500),
  }),
  'commerce.craft_inquiry': z.object({
    inquiryId: id, creatorId: id, collectorId: id, collectorName: name, craftTitle: title, message: z.string().min(1).max(1000),
  }),
  'commerce.commission_request': z.object({
    requestId: id, creatorId: id, collectorId: id, collectorName: name, description: z.string().min(1).max(1000), ...money,
  }),
  'community.creator_spotlight': z.object({ spotlightId: id, creatorId: id, creatorName: name, headline: title }),
  'community.craft_challenge': z.object({ challengeId: id, challengeTitle: title, endsAt: when() }),
  'community.event': z.object({
    eventRef: id, eventTitle: title, kind: z.enum(['workshop', 'meetup']), startsAt: when(), location: displayText(200),
    hostId: id,
  }),
  'messaging.new_message': z.object({
    conversationId: id, messageId: id, senderId: id, senderName: name, recipientIds: z.array(id).max(500),
    conversationTitle: z.string().max(200).transform(singleLine).optional(), preview: z.string().max(500), messageType: z.string().min(1).max(40),
    encrypted: z.boolean(),
  }),
} as const;

export type EventType = keyof typeof eventPayloadSchemas;
export const EVENT_TYPES = Object.keys(eventPayloadSchemas) as EventType[];
export type EventPayload<T extends EventType> = z.infer<(typeof eventPayloadSchemas)[T]>;

/** Largest payload accepted (serialized JSON), so one event cannot blow up every notification it creates. */
export const MAX_PAYLOAD_BYTES = 16 * 1024;

/** The envelope every source shares (events/ documents, publishEvent, the domain-events topic). */
export const eventEnvelopeSchema = z.object({
  type: z.string().min(1),
  idempotencyKey: z.string().min(1).max(256),
  occurredAt: z.union([isoInstant(), storedInstant()]),
  payload: z.record(z.string(), z.unknown()),
  /** Recipients beyond the ids in the payload (followers of a creator, watchers of an auction). */
  audience: audienceSchema.optional(),
});

export type DomainEvent = {
  [T in EventType]: { type: T; idempotencyKey: string; occurredAt: Date; payload: EventPayload<T>; audience?: Audience };
}[EventType];

export class EventRejected extends Error {
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'EventRejected';
  }
}

/** Validates an envelope and its payload; the error names the first bad field (`payload.amount`, `type`, …). */
export function parseEvent(input: unknown): DomainEvent {
  const envelope = eventEnvelopeSchema.safeParse(input);
  if (!envelope.success) throw rejected(envelope.error, '');
  const { type, payload } = envelope.data;
  if (!(type in eventPayloadSchemas)) throw new EventRejected('type', `unknown event type "${type}"`);
  const size = Buffer.byteLength(JSON.stringify(payload), 'utf8');
  if (size > MAX_PAYLOAD_BYTES) throw new EventRejected('payload', `payload is ${size} bytes, over the ${MAX_PAYLOAD_BYTES}-byte limit`);
  const parsed = eventPayloadSchemas[type as EventType].safeParse(payload);
  if (!parsed.success) throw rejected(parsed.error, 'payload');
  return { ...envelope.data, type, payload: parsed.data } as DomainEvent;
}

function rejected(error: z.ZodError, root: string): EventRejected {
  const issue = error.issues[0]!;
  const field = [root, ...issue.path.map((k) => (typeof k === 'number' ? `[${k}]` : String(k)))]
    .filter(Boolean)
    .join('.')
    .replace(/\.\[/g, '[');
  return new EventRejected(field || root || 'event', issue.message);
}

// ───────────────────────────── notifications: what a person is told ─────────────────────────────

export const NOTIFICATION_TYPES = [
  'auction.bid_placed', 'auction.outbid', 'auction.ending_soon', 'auction.won', 'auction.sold',
  'order.purchase_confirmed', 'order.new_sale', 'order.shipped', 'order.delivered', 'order.payment_failed', 'order.refunded',
  'social.new_follower', 'social.story_comment',
  'commerce.craft_inquiry', 'commerce.commission_request',
  'community.creator_spotlight', 'community.craft_challenge', 'community.event',
  'messaging.new_message',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** Category of each notification type (preferences and email unsubscribe work per category). */
export const NOTIFICATION_CATEGORY: Record<NotificationType, Category> = {
  'auction.bid_placed': 'commerce', 'auction.outbid': 'commerce', 'auction.ending_soon': 'commerce', 'auction.won': 'commerce',
  'auction.sold': 'commerce', 'order.purchase_confirmed': 'commerce', 'order.new_sale': 'commerce', 'order.shipped': 'commerce',
  'order.delivered': 'commerce', 'order.payment_failed': 'commerce', 'order.refunded': 'commerce',
  'commerce.craft_inquiry': 'commerce', 'commerce.commission_request': 'commerce',
  'social.new_follower': 'social', 'social.story_comment': 'social',
  'community.creator_spotlight': 'community', 'community.craft_challenge': 'community', 'community.event': 'community',
  'messaging.new_message': 'messaging',
};

/** Commerce high, community medium, social low; a direct message is as urgent as commerce. */
export const CATEGORY_PRIORITY: Record<Category, Priority> = { commerce: 'high', messaging: 'high', community: 'medium', social: 'low' };

/** One notification for one person, before preferences decide where and when it goes. */
export interface PlannedNotification {
  type: NotificationType;
  category: Category;
  priority: Priority;
  critical: boolean;
  /** Template variables (all strings: they go into text). */
  vars: Record<string, string>;
  /** Entity ids and the deep link, handed to the apps as-is. */
  data: Record<string, string>;
  /** Bursts with the same key collapse into one notification ("12 new bids on 'Walnut bowl'"). */
  groupKey: string;
}

export interface RoutingOptions {
  /** Commission requests at or above this amount (in USD) are critical. */
  criticalCommissionUsd: number;
}

export interface EventPlan {
  /** Explicit recipients: uid → what they are told. */
  direct: Array<{ uid: string; notification: PlannedNotification }>;
  /** An audience resolved page by page, every member told the same thing (minus the actor). */
  audience?: { audience: Audience; notification: PlannedNotification; exclude: string[] };
}

const fmtMoney = (amount: number, currency: string) => `${currency} ${amount.toFixed(2)}`;

function note(
  type: NotificationType,
  vars: Record<string, string>,
  data: Record<string, string>,
  groupKey: string,
  critical = false,
): PlannedNotification {
  const category = NOTIFICATION_CATEGORY[type];
  return { type, category, priority: CATEGORY_PRIORITY[category], critical, vars, data, groupKey };
}

/** What an event means for whom. Pure: recipients named in the payload, plus an audience for the fan-out. */
export function planEvent(event: DomainEvent, options: RoutingOptions): EventPlan {
  const direct: EventPlan['direct'] = [];
  const to = (uid: string | undefined, notification: PlannedNotification) => {
    if (uid && !direct.some((d) => d.uid === uid)) direct.push({ uid, notification });
  };
  let audience: EventPlan['audience'];
  switch (event.type) {
    case 'auction.bid_placed': {
      const p = event.payload;
      const vars = { auctionTitle: p.auctionTitle, bidderName: p.bidderName, amount: fmtMoney(p.amount, p.currency) };
      const data = { auctionId: p.auctionId, link: `/auctions/${p.auctionId}` };
      to(p.sellerId, note('auction.bid_placed', vars, data, `auction.bid_placed:${p.auctionId}`));
      if (p.previousBidderId !== p.bidderId) to(p.previousBidderId, note('auction.outbid', vars, data, `auction.outbid:${p.auctionId}`, true));
      break;
    }
    case 'auction.ending_soon': {
      const p = event.payload;
      const n = note('auction.ending_soon', { auctionTitle: p.auctionTitle, minutesLeft: String(p.minutesLeft) },
        { auctionId: p.auctionId, link: `/auctions/${p.auctionId}` }, `auction.ending_soon:${p.auctionId}`);
      for (const uid of p.watcherIds ?? []) to(uid, n);
      if (event.audience) audience = { audience: event.audience, notification: n, exclude: [] };
      break;
    }
    case 'auction.won': {
      const p = event.payload;
      const vars = { auctionTitle: p.auctionTitle, amount: fmtMoney(p.amount, p.currency) };
      const data = { auctionId: p.auctionId, link: `/auctions/${p.auctionId}` };
      to(p.winnerId, note('auction.won', vars, data, `auction.won:${p.auctionId}`, true));
      to(p.sellerId, note('auction.sold', vars, data, `auction.sold:${p.auctionId}`, true));
      break;
    }
    case 'order.purchase_confirmed': {
      const p = event.payload;
      const vars = { itemTitle: p.itemTitle, amount: fmtMoney(p.amount, p.currency), orderId: p.orderId };
      const data = { orderId: p.orderId, link: `/orders/${p.orderId}` };
      to(p.buyerId, note('order.purchase_confirmed', vars, data, `${event.type}:${p.orderId}`));
      to(p.sellerId, note('order.new_sale', vars, data, `order.sale:${p.orderId}`));
      break;
    }
    case 'order.shipped': {
      const p = event.payload;
      const data: Record<string, string> = { orderId: p.orderId, link: `/orders/${p.orderId}` };
      if (p.trackingUrl) data.trackingUrl = p.trackingUrl;
      to(p.buyerId, note('order.shipped', { itemTitle: p.itemTitle, carrier: p.carrier, trackingNumber: p.trackingNumber }, data, `${event.type}:${p.orderId}`));
      break;
    }
    case 'order.delivered': {
      const p = event.payload;
      const data = { orderId: p.orderId, link: `/orders/${p.orderId}` };
      to(p.buyerId, note('order.delivered', { itemTitle: p.itemTitle }, data, `${event.type}:${p.orderId}`));
      break;
    }
    case 'order.payment_failed': {
      const p = event.payload;
      to(p.buyerId, note('order.payment_failed', { itemTitle: p.itemTitle, amount: fmtMoney(p.amount, p.currency) },
        { orderId: p.orderId, link: `/orders/${p.orderId}/payment` }, `${event.type}:${p.orderId}`, true));
      break;
    }
    case 'order.refunded': {
      const p = event.payload;
      to(p.buyerId, note('order.refunded', { itemTitle: p.itemTitle, amount: fmtMoney(p.amount, p.currency) },
        { orderId: p.orderId, link: `/orders/${p.orderId}` }, `${event.type}:${p.orderId}`));
      break;
    }
    case 'social.new_follower': {
      const p = event.payload;
      to(p.creatorId, note('social.new_follower', { followerName: p.followerName },
        { followerId: p.followerId, link: `/users/${p.followerId}` }, `social.new_follower:${p.creatorId}`));
      break;
    }
    case 'social.story_comment': {
      const p = event.payload;
      if (p.commenterId !== p.authorId) {
        to(p.authorId, note('social.story_comment', { commenterName: p.commenterName, storyTitle: p.storyTitle },
          { storyId: p.storyId, link: `/stories/${p.storyId}` }, `social.story_comment:${p.storyId}`));
      }
      break;
    }
    case 'commerce.craft_inquiry': {
      const p = event.payload;
      to(p.creatorId, note('commerce.craft_inquiry', { collectorName: p.collectorName, craftTitle: p.craftTitle },
        { inquiryId: p.inquiryId, link: `/inquiries/${p.inquiryId}` }, `commerce.craft_inquiry:${p.inquiryId}`));
      break;
    }
    case 'commerce.commission_request': {
      const p = event.payload;
      // Only USD amounts compare with the threshold; other currencies are critical only via a converted USD amount,
      // which the commerce service does not send yet, so they stay non-critical rather than guess a rate.
      const critical = p.currency === 'USD' && p.amount >= options.criticalCommissionUsd;
      to(p.creatorId, note('commerce.commission_request', { collectorName: p.collectorName, amount: fmtMoney(p.amount, p.currency) },
        { requestId: p.requestId, link: `/commissions/${p.requestId}` }, `commerce.commission_request:${p.requestId}`, critical));
      break;
    }
    case 'community.creator_spotlight': {
      const p = event.payload;
      const n = note('community.creator_spotlight', { creatorName: p.creatorName, headline: p.headline },
        { spotlightId: p.spotlightId, creatorId: p.creatorId, link: `/spotlights/${p.spotlightId}` }, `community.creator_spotlight:${p.spotlightId}`);
      to(p.creatorId, n);
      if (event.audience) audience = { audience: event.audience, notification: n, exclude: [p.creatorId] };
      break;
    }
    case 'community.craft_challenge': {
      const p = event.payload;
      const n = note('community.craft_challenge', { challengeTitle: p.challengeTitle },
        { challengeId: p.challengeId, link: `/challenges/${p.challengeId}` }, `community.craft_challenge:${p.challengeId}`);
      if (event.audience) audience = { audience: event.audience, notification: n, exclude: [] };
      break;
    }
    case 'community.event': {
      const p = event.payload;
      const n = note('community.event', { eventTitle: p.eventTitle, location: p.location, kind: p.kind },
        { eventRef: p.eventRef, link: `/events/${p.eventRef}` }, `community.event:${p.eventRef}`);
      if (event.audience) audience = { audience: event.audience, notification: n, exclude: [p.hostId] };
      break;
    }
    case 'messaging.new_message': {
      const p = event.payload;
      const vars = { senderName: p.senderName, preview: p.preview, conversationTitle: p.conversationTitle ?? p.senderName };
      const data = { conversationId: p.conversationId, messageId: p.messageId, link: `/conversations/${p.conversationId}` };
      for (const uid of p.recipientIds) if (uid !== p.senderId) to(uid, note('messaging.new_message', vars, data, `messaging:${p.conversationId}`));
      break;
    }
  }
  return audience ? { direct, audience } : { direct };
}
