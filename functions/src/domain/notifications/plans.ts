import type { Category, Priority } from '../channels.js';
import type { Audience, DomainEvent } from './events.js';

/**
 * Notification planning: what a person is told. An event (what happened in the marketplace, events.ts) yields one or
 * more notifications: `auction.bid_placed` tells the seller of the bid and the previous high bidder that they were
 * outbid. Types, their categories and priorities, and who gets what; preferences then decide where and when
 * (routing.ts), templates what it says (templates.ts).
 */

export const NOTIFICATION_TYPES = [
  'auction.bid_placed',
  'auction.outbid',
  'auction.ending_soon',
  'auction.won',
  'auction.sold',
  'order.purchase_confirmed',
  'order.new_sale',
  'order.shipped',
  'order.delivered',
  'order.payment_failed',
  'order.refunded',
  'social.new_follower',
  'social.story_comment',
  'commerce.craft_inquiry',
  'commerce.commission_request',
  'community.creator_spotlight',
  'community.craft_challenge',
  'community.event',
  'messaging.new_message',
  // Orders end to end and following (issue 18): the buyer's and the seller's sides of each step.
  'order.placed',
  'order.processing',
  'order.cancelled',
  'order.sale_cancelled',
  'order.sale_delivered',
  'order.sale_refunded',
  'social.new_listing',
  // Scheduled notifications and reminders (issue 18, src/app/scheduling).
  'community.event_starting_soon',
  'reminder.due',
  // System announcements (issue 18, src/app/announcements).
  'system.announcement',
  // Delivery alerts to admins (issue 19, src/app/analytics/alerts.ts).
  'ops.delivery_alert',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** Category of each notification type (preferences and email unsubscribe work per category). */
export const NOTIFICATION_CATEGORY: Record<NotificationType, Category> = {
  'auction.bid_placed': 'commerce',
  'auction.outbid': 'commerce',
  'auction.ending_soon': 'commerce',
  'auction.won': 'commerce',
  'auction.sold': 'commerce',
  'order.purchase_confirmed': 'commerce',
  'order.new_sale': 'commerce',
  'order.shipped': 'commerce',
  'order.delivered': 'commerce',
  'order.payment_failed': 'commerce',
  'order.refunded': 'commerce',
  'commerce.craft_inquiry': 'commerce',
  'commerce.commission_request': 'commerce',
  'social.new_follower': 'social',
  'social.story_comment': 'social',
  'community.creator_spotlight': 'community',
  'community.craft_challenge': 'community',
  'community.event': 'community',
  'messaging.new_message': 'messaging',
  'order.placed': 'commerce',
  'order.processing': 'commerce',
  'order.cancelled': 'commerce',
  'order.sale_cancelled': 'commerce',
  'order.sale_delivered': 'commerce',
  'order.sale_refunded': 'commerce',
  'social.new_listing': 'social',
  'community.event_starting_soon': 'community',
  // Reminders people set for themselves, and what marketplace backends schedule for them: commerce, at medium priority.
  'reminder.due': 'commerce',
  // Marketplace news from the team: community (a user who silences community news silences these too).
  'system.announcement': 'community',
  // No category of their own: preferences and unsubscribe work per category, and admins keep commerce on.
  'ops.delivery_alert': 'commerce',
};

/**
 * Where a type's priority differs from its category's: order steps that need no action now (the order was received,
 * is being made, the seller's parcel arrived) are medium; a cancellation is high (the seller must not ship).
 */
export const TYPE_PRIORITY: Partial<Record<NotificationType, Priority>> = {
  'order.placed': 'medium',
  'order.processing': 'low',
  'order.sale_delivered': 'medium',
  'reminder.due': 'medium',
};

/** Commerce high, community medium, social low; a direct message is as urgent as commerce. */
export const CATEGORY_PRIORITY: Record<Category, Priority> = {
  commerce: 'high',
  messaging: 'high',
  community: 'medium',
  social: 'low',
};

/**
 * Types that must reach the device within seconds of their event, every time (issue 18): a bid the seller is watching
 * come in, being outbid (minutes to bid again), an auction about to end, a failed payment (the order is on hold), a
 * won auction or a sale (checkout now). Every critical notification is time-critical too (`isTimeCritical`). A burst of
 * one of these never waits for its window to close: each push leaves at once and replaces the previous one on the
 * device (the group's collapse key, pushMessage.ts) with the grouped text; see routing.ts for SMS and email.
 * Not listed: order steps (one event per step and order, so they never burst), social and community types (a few
 * minutes' wait costs nothing and saves noise), chat (its pushes collapse on the device already, messaging/chatPush.ts).
 */
export const TIME_CRITICAL_TYPES: ReadonlySet<NotificationType> = new Set<NotificationType>([
  'auction.bid_placed',
  'auction.outbid',
  'auction.ending_soon',
  'auction.won',
  'auction.sold',
  'order.payment_failed',
]);

export const isTimeCritical = (notification: Pick<PlannedNotification, 'type' | 'critical'>): boolean =>
  notification.critical || TIME_CRITICAL_TYPES.has(notification.type);

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
  /**
   * Bursts with the same key collapse into one notification ("12 new bids on 'Walnut bowl'"): in the in-app center,
   * and on the device through the push's collapse key, which is derived from it (pushMessage.ts `collapseKey`).
   */
  groupKey: string;
}

export interface RoutingOptions {
  /** Commission requests at or above this amount (in USD) are critical. */
  criticalCommissionUsd: number;
}

/**
 * Audiences a plan may name: an envelope's (events.ts `audienceSchema`), or one no envelope can name: an
 * announcement's, whose segment and go-ahead come from `announcements/{announcementId}` (src/app/announcements).
 */
export type PlanAudience = Audience | { kind: 'announcement'; announcementId: string };

export interface EventPlan {
  /** Explicit recipients: uid → what they are told. */
  direct: Array<{ uid: string; notification: PlannedNotification }>;
  /** An audience resolved page by page, every member told the same thing (minus the actor). */
  audience?: { audience: PlanAudience; notification: PlannedNotification; exclude: string[] };
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
  const priority = TYPE_PRIORITY[type] ?? CATEGORY_PRIORITY[category];
  return { type, category, priority, critical, vars, data, groupKey };
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
      if (p.previousBidderId !== p.bidderId)
        to(p.previousBidderId, note('auction.outbid', vars, data, `auction.outbid:${p.auctionId}`, true));
      break;
    }
    case 'auction.ending_soon': {
      const p = event.payload;
      const n = note(
        'auction.ending_soon',
        { auctionTitle: p.auctionTitle, minutesLeft: String(p.minutesLeft) },
        { auctionId: p.auctionId, link: `/auctions/${p.auctionId}` },
        `auction.ending_soon:${p.auctionId}`,
      );
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
      to(
        p.buyerId,
        note(
          'order.shipped',
          { itemTitle: p.itemTitle, carrier: p.carrier, trackingNumber: p.trackingNumber },
          data,
          `${event.type}:${p.orderId}`,
        ),
      );
      break;
    }
    case 'order.delivered': {
      const p = event.payload;
      const data = { orderId: p.orderId, link: `/orders/${p.orderId}` };
      to(p.buyerId, note('order.delivered', { itemTitle: p.itemTitle }, data, `${event.type}:${p.orderId}`));
      // The seller learns the parcel arrived (their payout follows delivery).
      to(
        p.sellerId,
        note('order.sale_delivered', { itemTitle: p.itemTitle }, data, `order.sale_delivered:${p.orderId}`),
      );
      break;
    }
    case 'order.payment_failed': {
      const p = event.payload;
      // The reason is shown where it is given (the email's Reason row, the notification's data, the order view);
      // the order is on hold until `retryBy` (the view's paymentFailure), then commerce cancels it.
      const reason: Record<string, string> = p.reason ? { reason: p.reason } : {};
      const retryBy: Record<string, string> = p.retryBy ? { retryBy: p.retryBy } : {};
      to(
        p.buyerId,
        note(
          'order.payment_failed',
          { itemTitle: p.itemTitle, amount: fmtMoney(p.amount, p.currency), ...reason },
          { orderId: p.orderId, link: `/orders/${p.orderId}/payment`, ...reason, ...retryBy },
          `${event.type}:${p.orderId}`,
          true,
        ),
      );
      break;
    }
    case 'order.refunded': {
      const p = event.payload;
      to(
        p.buyerId,
        note(
          'order.refunded',
          { itemTitle: p.itemTitle, amount: fmtMoney(p.amount, p.currency) },
          { orderId: p.orderId, link: `/orders/${p.orderId}` },
          `${event.type}:${p.orderId}`,
        ),
      );
      to(
        p.sellerId,
        note(
          'order.sale_refunded',
          { itemTitle: p.itemTitle, amount: fmtMoney(p.amount, p.currency) },
          { orderId: p.orderId, link: `/orders/${p.orderId}` },
          // Its own group: sharing order.new_sale's key would collapse the two into one notification.
          `order.sale_refunded:${p.orderId}`,
        ),
      );
      break;
    }
    case 'order.placed': {
      // The seller hears once it is paid (order.new_sale): an unpaid order asks nothing of them yet.
      const p = event.payload;
      to(
        p.buyerId,
        note(
          'order.placed',
          { itemTitle: p.itemTitle, amount: fmtMoney(p.amount, p.currency) },
          { orderId: p.orderId, link: `/orders/${p.orderId}` },
          `${event.type}:${p.orderId}`,
        ),
      );
      break;
    }
    case 'order.processing': {
      const p = event.payload;
      const data = { orderId: p.orderId, link: `/orders/${p.orderId}` };
      to(p.buyerId, note('order.processing', { itemTitle: p.itemTitle }, data, `${event.type}:${p.orderId}`));
      break;
    }
    case 'order.cancelled': {
      // Both sides, except whoever cancelled (they know); high priority: the seller must not ship it.
      const p = event.payload;
      const vars = { itemTitle: p.itemTitle, reason: p.reason };
      const data = { orderId: p.orderId, link: `/orders/${p.orderId}`, reason: p.reason };
      if (p.cancelledBy !== 'buyer') to(p.buyerId, note('order.cancelled', vars, data, `${event.type}:${p.orderId}`));
      if (p.cancelledBy !== 'seller')
        to(p.sellerId, note('order.sale_cancelled', vars, data, `order.sale_cancelled:${p.orderId}`));
      break;
    }
    case 'social.new_listing': {
      // Always the creator's own followers (whatever audience the envelope names): a producer cannot point one
      // creator's listing at another creator's audience.
      const p = event.payload;
      const data: Record<string, string> = {
        listingId: p.listingId,
        creatorId: p.creatorId,
        link: `/listings/${p.listingId}`,
        imageUrl: p.imageUrl,
      };
      if (p.url) data.url = p.url;
      const n = note(
        'social.new_listing',
        { creatorName: p.creatorName, listingTitle: p.title, amount: fmtMoney(p.price, p.currency) },
        data,
        `social.new_listing:${p.creatorId}`,
      );
      audience = { audience: { kind: 'followers', creatorId: p.creatorId }, notification: n, exclude: [p.creatorId] };
      break;
    }
    case 'social.new_follower': {
      const p = event.payload;
      to(
        p.creatorId,
        note(
          'social.new_follower',
          { followerName: p.followerName },
          { followerId: p.followerId, link: `/users/${p.followerId}` },
          `social.new_follower:${p.creatorId}`,
        ),
      );
      break;
    }
    case 'social.story_comment': {
      const p = event.payload;
      if (p.commenterId !== p.authorId) {
        to(
          p.authorId,
          note(
            'social.story_comment',
            { commenterName: p.commenterName, storyTitle: p.storyTitle },
            { storyId: p.storyId, link: `/stories/${p.storyId}` },
            `social.story_comment:${p.storyId}`,
          ),
        );
      }
      break;
    }
    case 'commerce.craft_inquiry': {
      const p = event.payload;
      to(
        p.creatorId,
        note(
          'commerce.craft_inquiry',
          { collectorName: p.collectorName, craftTitle: p.craftTitle },
          { inquiryId: p.inquiryId, link: `/inquiries/${p.inquiryId}` },
          `commerce.craft_inquiry:${p.inquiryId}`,
        ),
      );
      break;
    }
    case 'commerce.commission_request': {
      const p = event.payload;
      // Only USD amounts compare with the threshold; other currencies are critical only via a converted USD amount,
      // which the commerce service does not send yet, so they stay non-critical rather than guess a rate.
      const critical = p.currency === 'USD' && p.amount >= options.criticalCommissionUsd;
      to(
        p.creatorId,
        note(
          'commerce.commission_request',
          { collectorName: p.collectorName, amount: fmtMoney(p.amount, p.currency) },
          { requestId: p.requestId, link: `/commissions/${p.requestId}` },
          `commerce.commission_request:${p.requestId}`,
          critical,
        ),
      );
      break;
    }
    case 'community.creator_spotlight': {
      const p = event.payload;
      const n = note(
        'community.creator_spotlight',
        { creatorName: p.creatorName, headline: p.headline },
        { spotlightId: p.spotlightId, creatorId: p.creatorId, link: `/spotlights/${p.spotlightId}` },
        `community.creator_spotlight:${p.spotlightId}`,
      );
      to(p.creatorId, n);
      if (event.audience) audience = { audience: event.audience, notification: n, exclude: [p.creatorId] };
      break;
    }
    case 'community.craft_challenge': {
      const p = event.payload;
      const n = note(
        'community.craft_challenge',
        { challengeTitle: p.challengeTitle },
        { challengeId: p.challengeId, link: `/challenges/${p.challengeId}` },
        `community.craft_challenge:${p.challengeId}`,
      );
      if (event.audience) audience = { audience: event.audience, notification: n, exclude: [] };
      break;
    }
    case 'community.event': {
      const p = event.payload;
      const n = note(
        'community.event',
        { eventTitle: p.eventTitle, location: p.location, kind: p.kind },
        { eventRef: p.eventRef, link: `/events/${p.eventRef}` },
        `community.event:${p.eventRef}`,
      );
      if (event.audience) audience = { audience: event.audience, notification: n, exclude: [p.hostId] };
      break;
    }
    case 'community.event_starting_soon': {
      // The announcement's audience (kept on the reminder) and the host.
      const p = event.payload;
      const n = note(
        'community.event_starting_soon',
        { eventTitle: p.eventTitle, location: p.location, hoursLeft: String(p.hoursLeft) },
        { eventRef: p.eventRef, link: `/events/${p.eventRef}`, startsAt: p.startsAt },
        `community.event_starting_soon:${p.eventRef}`,
      );
      to(p.hostId, n);
      if (event.audience) audience = { audience: event.audience, notification: n, exclude: [p.hostId] };
      break;
    }
    case 'reminder.due': {
      const p = event.payload;
      to(
        p.recipientId,
        note(
          'reminder.due',
          { title: p.title, body: p.body },
          { scheduleId: p.scheduleId, link: p.link ?? '/notifications' },
          `reminder.due:${p.scheduleId}`,
        ),
      );
      break;
    }
    case 'system.announcement': {
      // Always the announcement's own segment (whatever audience the envelope names): read from its document.
      const p = event.payload;
      const n = note(
        'system.announcement',
        { title: p.title, body: p.body },
        { announcementId: p.announcementId, link: `/announcements/${p.announcementId}`, url: p.link },
        `system.announcement:${p.announcementId}`,
      );
      audience = { audience: { kind: 'announcement', announcementId: p.announcementId }, notification: n, exclude: [] };
      break;
    }
    case 'ops.delivery_alert': {
      const p = event.payload;
      const rate = p.alertKind !== 'backlog';
      const shown = (v: number) => (rate ? `${(v * 100).toFixed(1)} %` : String(v));
      const n = note(
        'ops.delivery_alert',
        {
          alertKind: p.alertKind,
          value: p.value === null ? 'n/a' : shown(p.value),
          threshold: shown(p.threshold),
          volume: String(p.volume),
        },
        { incidentId: p.incidentId, link: '/admin/delivery' },
        `ops.delivery_alert:${p.alertKind}`,
      );
      for (const uid of p.adminIds) to(uid, n);
      break;
    }
    // auction.listed, auction.cancelled, community.event_cancelled tell no one: they keep reminders (app/scheduling).
    case 'messaging.new_message': {
      const p = event.payload;
      const vars = {
        senderName: p.senderName,
        preview: p.preview,
        conversationTitle: p.conversationTitle ?? p.senderName,
      };
      const data = {
        conversationId: p.conversationId,
        messageId: p.messageId,
        link: `/conversations/${p.conversationId}`,
      };
      for (const uid of p.recipientIds)
        if (uid !== p.senderId) to(uid, note('messaging.new_message', vars, data, `messaging:${p.conversationId}`));
      break;
    }
  }
  return audience ? { direct, audience } : { direct };
}
