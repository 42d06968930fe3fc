import { z } from 'zod';
import { httpsUrl } from '../links.js';
import { displayText, docId, isoDateTime, isoInstant, singleLine, storedInstant } from '../validation.js';

/**
 * Event intake: what the marketplace may tell us happened, one zod schema per event type, and the envelope every
 * source shares. Everything entering the pipeline goes through parseEvent; what an event means for whom is
 * planning (plans.ts).
 */

/** Ids name documents (`users/{creatorId}/followers`): letters, digits, `_` and `-` only, never `a/b` or `..`. */
const id = docId('an id');
/** Titles and names end up in push titles and email subjects: one visible line, no control or bidi characters. */
const title = displayText(200);
const name = displayText(100);
/** Real dates in range (ISO 8601 with a zone), kept as strings. */
const when = isoDateTime;
const money = {
  amount: z.number().nonnegative(),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code like USD'),
};

/** Who hears about an event beyond the ids it names: resolved page by page (large audiences fan out in chunks). */
export const audienceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('followers'), creatorId: id }),
  z.object({ kind: z.literal('auctionWatchers'), auctionId: id }),
]);
export type Audience = z.infer<typeof audienceSchema>;

export const eventPayloadSchemas = {
  'auction.bid_placed': z.object({
    auctionId: id,
    auctionTitle: title,
    sellerId: id,
    bidderId: id,
    bidderName: name,
    ...money,
    previousBidderId: id.optional(),
  }),
  'auction.ending_soon': z.object({
    auctionId: id,
    auctionTitle: title,
    endsAt: when(),
    minutesLeft: z.number().int().positive(),
    watcherIds: z.array(id).max(500).optional(),
  }),
  'auction.won': z.object({ auctionId: id, auctionTitle: title, winnerId: id, sellerId: id, ...money }),
  'order.purchase_confirmed': z.object({ orderId: id, itemTitle: title, buyerId: id, sellerId: id, ...money }),
  'order.shipped': z.object({
    orderId: id,
    itemTitle: title,
    buyerId: id,
    carrier: z.string().min(1).max(60),
    trackingNumber: z.string().min(1).max(60),
    /** Rendered as a link in apps and emails: https only (src/domain/links.ts). */
    trackingUrl: httpsUrl().optional(),
    sellerId: id.optional(),
  }),
  'order.delivered': z.object({ orderId: id, itemTitle: title, buyerId: id, sellerId: id }),
  'order.payment_failed': z.object({
    orderId: id,
    itemTitle: title,
    buyerId: id,
    ...money,
    /** Shown to the buyer (email row, the notification's data, the order view). */
    reason: z.string().max(200).optional(),
    /** The order stays on hold (status `payment_failed`) until then; after it, commerce sends `order.cancelled`. */
    retryBy: when().optional(),
    /** Optional for producers written before the order view: it lets the seller read the view. */
    sellerId: id.optional(),
  }),
  'order.refunded': z.object({ orderId: id, itemTitle: title, buyerId: id, ...money, sellerId: id.optional() }),
  /** The order lifecycle's other steps (src/domain/orders/status.ts; README "Orders"). */
  'order.placed': z.object({ orderId: id, itemTitle: title, buyerId: id, sellerId: id, ...money }),
  'order.processing': z.object({ orderId: id, itemTitle: title, buyerId: id, sellerId: id }),
  'order.cancelled': z.object({
    orderId: id,
    itemTitle: title,
    buyerId: id,
    sellerId: id,
    /** Shown to both sides: one visible line. */
    reason: displayText(200),
    cancelledBy: z.enum(['buyer', 'seller', 'system', 'support']),
  }),
  /** A creator's new listing, told to every follower (audience: followers of `creatorId`, whatever the envelope says). */
  'social.new_listing': z.object({
    listingId: id,
    creatorId: id,
    creatorName: name,
    title,
    price: z.number().nonnegative(),
    currency: money.currency,
    imageUrl: httpsUrl(),
    url: httpsUrl().optional(),
  }),
  'social.new_follower': z.object({ creatorId: id, followerId: id, followerName: name }),
  'social.story_comment': z.object({
    storyId: id,
    storyTitle: title,
    authorId: id,
    commenterId: id,
    commenterName: name,
    comment: z.string().min(1).max(500),
  }),
  'commerce.craft_inquiry': z.object({
    inquiryId: id,
    creatorId: id,
    collectorId: id,
    collectorName: name,
    craftTitle: title,
    message: z.string().min(1).max(1000),
  }),
  'commerce.commission_request': z.object({
    requestId: id,
    creatorId: id,
    collectorId: id,
    collectorName: name,
    description: z.string().min(1).max(1000),
    ...money,
  }),
  'community.creator_spotlight': z.object({ spotlightId: id, creatorId: id, creatorName: name, headline: title }),
  'community.craft_challenge': z.object({ challengeId: id, challengeTitle: title, endsAt: when() }),
  'community.event': z.object({
    eventRef: id,
    eventTitle: title,
    kind: z.enum(['workshop', 'meetup']),
    startsAt: when(),
    location: displayText(200),
    hostId: id,
  }),
  /**
   * Scheduling (issue 18, src/app/scheduling): an auction opened or its end moved (the newest `occurredAt` wins), or
   * it was cancelled; a community event was cancelled. They tell no one by themselves: they keep the reminders 24 h
   * and 1 h before the end (`auction.ending_soon`) or the start (`community.event_starting_soon`).
   */
  'auction.listed': z.object({ auctionId: id, auctionTitle: title, sellerId: id, endsAt: when() }),
  'auction.cancelled': z.object({
    auctionId: id,
    auctionTitle: title,
    sellerId: id,
    reason: displayText(200).optional(),
  }),
  'community.event_cancelled': z.object({ eventRef: id, eventTitle: title, hostId: id }),
  /** Released by the scheduler before a community event starts (to the announcement's audience and the host). */
  'community.event_starting_soon': z.object({
    eventRef: id,
    eventTitle: title,
    kind: z.enum(['workshop', 'meetup']),
    startsAt: when(),
    location: displayText(200),
    hostId: id,
    hoursLeft: z.number().int().positive().max(168),
  }),
  /** A scheduled notification (scheduleNotification): what its scheduler wrote, to one recipient, when due. */
  'reminder.due': z.object({
    scheduleId: id,
    recipientId: id,
    title: displayText(120),
    body: displayText(500),
    link: z
      .string()
      .max(300)
      .regex(/^\/[A-Za-z0-9/_.~-]*$/, 'must be a path in the app such as /auctions/a1')
      .optional(),
  }),
  /**
   * A system announcement (src/app/announcements): released by the scheduler from `announcements/{announcementId}`,
   * whose segment the fan-out resolves. The announcement document is the authority: an event naming no announcement
   * that is scheduled under this event's id reaches no one.
   */
  'system.announcement': z.object({
    announcementId: id,
    title: displayText(120),
    body: displayText(500),
    link: httpsUrl(),
  }),
  /**
   * A delivery incident opened (issue 19, src/app/analytics/alerts.ts): written once per incident, in the transaction
   * that opens it, to the admins named in `analyticsConfig/alerts` (the audience: admins, resolved when it opens).
   */
  'ops.delivery_alert': z.object({
    incidentId: id,
    alertKind: z.enum(['error_rate', 'delivery_success', 'backlog']),
    /** A rate (0..1) for error_rate and delivery_success, the number waiting for backlog; null when not measured. */
    value: z.number().nonnegative().nullable(),
    threshold: z.number().nonnegative(),
    volume: z.number().int().nonnegative(),
    adminIds: z.array(id).min(1).max(50),
  }),
  'messaging.new_message': z.object({
    conversationId: id,
    messageId: id,
    senderId: id,
    senderName: name,
    recipientIds: z.array(id).max(500),
    conversationTitle: z.string().max(200).transform(singleLine).optional(),
    preview: z.string().max(500),
    messageType: z.string().min(1).max(40),
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

/**
 * An event as its producer writes it (the domain-events topic, publishEvent, an events/ document), before parseEvent:
 * the schemas' input side, with occurredAt as an ISO string. Producers inside this codebase type their messages with
 * it, so the contract is written once, here.
 */
export type EventMessage<T extends EventType> = {
  type: T;
  idempotencyKey: string;
  occurredAt: string;
  payload: z.input<(typeof eventPayloadSchemas)[T]>;
  audience?: z.input<typeof audienceSchema>;
};

export type DomainEvent = {
  [T in EventType]: {
    type: T;
    idempotencyKey: string;
    occurredAt: Date;
    payload: EventPayload<T>;
    audience?: Audience;
  };
}[EventType];

export class EventRejected extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
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
  if (size > MAX_PAYLOAD_BYTES)
    throw new EventRejected('payload', `payload is ${size} bytes, over the ${MAX_PAYLOAD_BYTES}-byte limit`);
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
