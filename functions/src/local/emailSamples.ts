import type { NotificationType } from '../domain/notifications/plans.js';
import type { DigestItem } from '../domain/notifications/templates.js';

/**
 * One realistic set of variables per notification type (in the wire form the event plans write: money as
 * "USD 150.00"), for the email previews and the tests that render every template in every locale.
 */
export const SAMPLE_VARS: Record<NotificationType, Record<string, string>> = {
  'auction.bid_placed': { auctionTitle: 'Hand-turned walnut bowl', bidderName: 'Ana Ruiz', amount: 'USD 195.00' },
  'auction.outbid': { auctionTitle: 'Hand-turned walnut bowl', bidderName: 'Ana Ruiz', amount: 'USD 210.00' },
  'auction.ending_soon': { auctionTitle: 'Raku tea bowl', minutesLeft: '15' },
  'auction.won': { auctionTitle: 'Raku tea bowl', amount: 'JPY 15000.00' },
  'auction.sold': { auctionTitle: 'Hand-turned walnut bowl', amount: 'USD 1250.50' },
  'order.purchase_confirmed': { itemTitle: 'Indigo linen scarf', amount: 'EUR 95.00', orderId: 'o-1042' },
  'order.new_sale': { itemTitle: 'Indigo linen scarf', amount: 'EUR 95.00', orderId: 'o-1042' },
  'order.shipped': { itemTitle: 'Indigo linen scarf', carrier: 'DHL', trackingNumber: 'JD014600003828' },
  'order.delivered': { itemTitle: 'Indigo linen scarf' },
  'order.payment_failed': { itemTitle: 'Walnut serving board', amount: 'USD 150.00', reason: 'Card declined' },
  'order.refunded': { itemTitle: 'Walnut serving board', amount: 'USD 150.00' },
  'social.new_follower': { followerName: 'Mina Haddad' },
  'social.story_comment': { storyTitle: 'From log to bowl', commenterName: 'Jonas Berg' },
  'commerce.craft_inquiry': { craftTitle: 'Walnut serving board', collectorName: 'Lea Schmidt' },
  'commerce.commission_request': { collectorName: 'Lea Schmidt', amount: 'USD 2500.00' },
  'community.creator_spotlight': {
    creatorName: 'Yusuf Demir',
    headline: "Thirty years at the potter's wheel, and why every glaze is a small experiment.",
  },
  'community.craft_challenge': { challengeTitle: 'Spoon carving week' },
  'community.event': { kind: 'workshop', eventTitle: 'Natural dyes for beginners', location: 'Berlin, Kreuzberg' },
  'messaging.new_message': {
    conversationTitle: 'Lea Schmidt',
    senderName: 'Lea Schmidt',
    preview: 'Could the board be 45 cm long instead of 40? Happy to pay extra.',
  },
  'order.placed': { itemTitle: 'Indigo linen scarf', amount: 'EUR 95.00' },
  'order.processing': { itemTitle: 'Indigo linen scarf' },
  'order.cancelled': { itemTitle: 'Indigo linen scarf', reason: 'The piece was damaged in the kiln' },
  'order.sale_cancelled': { itemTitle: 'Indigo linen scarf', reason: 'The buyer changed their mind' },
  'order.sale_delivered': { itemTitle: 'Indigo linen scarf' },
  'order.sale_refunded': { itemTitle: 'Walnut serving board', amount: 'USD 150.00' },
  'social.new_listing': { creatorName: 'Maya Okafor', listingTitle: 'Ash-glazed moon jar', amount: 'USD 420.00' },
  'community.event_starting_soon': {
    eventTitle: 'Natural dyes for beginners',
    location: 'Berlin, Kreuzberg',
    hoursLeft: '24',
  },
  'reminder.due': { title: 'Bid on the raku tea bowl', body: 'The auction you saved ends tonight.' },
  'ops.delivery_alert': {
    incidentId: 'error_rate_1764680400000',
    alertKind: 'error_rate',
    value: '38.0 %',
    threshold: '5.0 %',
    volume: '120',
  },
  'system.announcement': {
    title: 'Winter fair: free shipping this weekend',
    body: 'Every order placed Saturday or Sunday ships free, worldwide.',
  },
};

/** A digest as a creator gets it after a night of quiet hours: three inquiries about one piece, bids, a follower. */
export function sampleDigest(now: Date): DigestItem[] {
  const at = (minutesAgo: number) => new Date(now.getTime() - minutesAgo * 60_000);
  return [
    {
      type: 'commerce.craft_inquiry',
      vars: { craftTitle: 'Walnut serving board', collectorName: 'Lea Schmidt' },
      count: 1,
      at: at(610),
    },
    {
      type: 'commerce.craft_inquiry',
      vars: { craftTitle: 'Walnut serving board', collectorName: 'Omar Nasser' },
      count: 1,
      at: at(380),
    },
    {
      type: 'commerce.craft_inquiry',
      vars: { craftTitle: 'Walnut serving board', collectorName: 'Sofia Rossi' },
      count: 1,
      at: at(95),
    },
    {
      type: 'auction.bid_placed',
      vars: { auctionTitle: 'Hand-turned walnut bowl', bidderName: 'Ana Ruiz', amount: 'USD 195.00' },
      count: 4,
      at: at(40),
    },
    { type: 'social.new_follower', vars: { followerName: 'Mina Haddad' }, count: 2, at: at(20) },
  ];
}
