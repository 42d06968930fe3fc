import type { LocaleTemplates } from './templates.js';

/** English. `{name}` is a variable; `grouped` is used when a burst collapses into one notification (`{count}`). */
export const en: LocaleTemplates = {
  optOut: 'Reply STOP to opt out',
  unsubscribe: 'Unsubscribe from these emails',
  open: 'Open',
  digest: { title: '{count} new updates', body: '{summary}' },
  types: {
    'auction.bid_placed': {
      title: 'New bid on {auctionTitle}',
      body: '{bidderName} bid {amount}.',
      grouped: { title: '{count} new bids on {auctionTitle}', body: 'Latest: {bidderName} bid {amount}.' },
    },
    'auction.outbid': {
      title: "You've been outbid",
      body: 'Someone bid {amount} on {auctionTitle}. Bid again to stay in.',
    },
    'auction.ending_soon': { title: '{auctionTitle} ends soon', body: 'Only {minutesLeft} minutes left to bid.' },
    'auction.won': { title: 'You won {auctionTitle}!', body: 'Your winning bid: {amount}. Complete checkout now.' },
    'auction.sold': { title: '{auctionTitle} sold', body: 'Your auction closed at {amount}.' },
    'order.purchase_confirmed': { title: 'Order confirmed', body: 'Thanks! {itemTitle} is paid ({amount}).' },
    'order.new_sale': { title: 'You made a sale', body: '{itemTitle} sold for {amount}. Time to pack it up.' },
    'order.shipped': { title: '{itemTitle} is on its way', body: 'Shipped with {carrier}, tracking {trackingNumber}.' },
    'order.delivered': {
      title: '{itemTitle} was delivered',
      body: 'Enjoy your new piece! Let the maker know how you like it.',
    },
    'order.payment_failed': {
      title: 'Payment failed',
      body: 'We could not charge {amount} for {itemTitle}. Update your payment method.',
    },
    'order.refunded': { title: 'Refund issued', body: '{amount} for {itemTitle} is on its way back to you.' },
    'social.new_follower': {
      title: 'New follower',
      body: '{followerName} now follows you.',
      grouped: { title: '{count} new followers', body: '{followerName} and others now follow you.' },
    },
    'social.story_comment': {
      title: 'New comment on {storyTitle}',
      body: '{commenterName} commented on your story.',
      grouped: { title: '{count} new comments on {storyTitle}', body: 'Latest from {commenterName}.' },
    },
    'commerce.craft_inquiry': { title: 'New inquiry about {craftTitle}', body: '{collectorName} sent you a question.' },
    'commerce.commission_request': {
      title: 'Commission request',
      body: '{collectorName} requests a commission of {amount}.',
    },
    'community.creator_spotlight': { title: 'Creator spotlight: {creatorName}', body: '{headline}' },
    'community.craft_challenge': { title: 'New craft challenge', body: '{challengeTitle}: join in!' },
    'community.event': { title: 'New {kind}: {eventTitle}', body: 'At {location}. Save your spot.' },
    'messaging.new_message': {
      title: '{conversationTitle}',
      body: '{senderName}: {preview}',
      grouped: { title: '{conversationTitle}', body: '{count} new messages' },
    },
  },
};
