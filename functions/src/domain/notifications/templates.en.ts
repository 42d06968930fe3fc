import type { LocaleTemplates } from './templates.js';

/**
 * English. `{name}` is a variable, `{count, plural, one {…} other {…}}` a plural (ICU); `grouped` is used when a
 * burst collapses into one notification (`{count}`); `cta` is the email's button.
 */
export const en: LocaleTemplates = {
  optOut: 'Reply STOP to opt out',
  unsubscribe: 'Unsubscribe from these emails',
  open: 'Open',
  digest: { title: '{count, plural, one {# new update} other {# new updates}}', body: '{summary}' },
  types: {
    'auction.bid_placed': {
      title: 'New bid on {auctionTitle}',
      body: '{bidderName} bid {amount}.',
      grouped: {
        title: '{count, plural, one {# new bid} other {# new bids}} on {auctionTitle}',
        body: 'Latest: {bidderName} bid {amount}.',
      },
      cta: 'View auction',
    },
    'auction.outbid': {
      title: "You've been outbid",
      body: 'Someone bid {amount} on {auctionTitle}. Bid again to stay in.',
      // A bidding war: each outbid push replaces the previous one on the device (issue 18).
      grouped: {
        title: '{count, plural, one {Outbid # time} other {Outbid # times}} on {auctionTitle}',
        body: 'Latest bid: {amount}. Bid again to stay in.',
      },
      cta: 'Bid again',
    },
    'auction.ending_soon': {
      title: '{auctionTitle} ends soon',
      body: 'Only {minutesLeft} left to bid.',
      cta: 'Place a bid',
    },
    'auction.won': {
      title: 'You won {auctionTitle}!',
      body: 'Your winning bid: {amount}. Complete checkout now.',
      cta: 'Complete checkout',
    },
    'auction.sold': { title: '{auctionTitle} sold', body: 'Your auction closed at {amount}.', cta: 'View sale' },
    'order.purchase_confirmed': {
      title: 'Order confirmed',
      body: 'Thanks! {itemTitle} is paid ({amount}).',
      cta: 'View order',
    },
    'order.new_sale': {
      title: 'You made a sale',
      body: '{itemTitle} sold for {amount}. Time to pack it up.',
      cta: 'View order',
    },
    'order.shipped': {
      title: '{itemTitle} is on its way',
      body: 'Shipped with {carrier}, tracking {trackingNumber}.',
      cta: 'Track package',
    },
    'order.delivered': {
      title: '{itemTitle} was delivered',
      body: 'Enjoy your new piece! Let the maker know how you like it.',
      cta: 'Leave a review',
    },
    'order.payment_failed': {
      title: 'Payment failed',
      body: 'We could not charge {amount} for {itemTitle}. Your order is on hold: update your payment method to keep it.',
      cta: 'Update payment method',
    },
    'order.refunded': {
      title: 'Refund issued',
      body: '{amount} for {itemTitle} is on its way back to you.',
      cta: 'View order',
    },
    'social.new_follower': {
      title: 'New follower',
      body: '{followerName} now follows you.',
      grouped: {
        title: '{count, plural, one {# new follower} other {# new followers}}',
        body: '{followerName} and others now follow you.',
      },
      cta: 'See your followers',
    },
    'social.story_comment': {
      title: 'New comment on {storyTitle}',
      body: '{commenterName} commented on your story.',
      grouped: {
        title: '{count, plural, one {# new comment} other {# new comments}} on {storyTitle}',
        body: 'Latest from {commenterName}.',
      },
      cta: 'Read comments',
    },
    'commerce.craft_inquiry': {
      title: 'New inquiry about {craftTitle}',
      body: '{collectorName} sent you a question.',
      cta: 'Reply',
    },
    'commerce.commission_request': {
      title: 'Commission request',
      body: '{collectorName} requests a commission of {amount}.',
      cta: 'Review request',
    },
    'community.creator_spotlight': { title: 'Creator spotlight: {creatorName}', body: '{headline}', cta: 'Read more' },
    'community.craft_challenge': {
      title: 'New craft challenge',
      body: '{challengeTitle}: join in!',
      cta: 'Join the challenge',
    },
    'community.event': {
      title: 'New {kind}: {eventTitle}',
      body: 'At {location}. Save your spot.',
      cta: 'Save a spot',
    },
    'community.event_starting_soon': {
      title: '{eventTitle} starts soon',
      body: '{hoursLeft, plural, one {Starts in # hour at {location}.} other {Starts in # hours at {location}.}}',
      cta: 'See the event',
    },
    'reminder.due': { title: '{title}', body: '{body}', cta: 'Open' },
    'system.announcement': { title: '{title}', body: '{body}', cta: 'Read more' },
    'ops.delivery_alert': {
      title:
        '{alertKind, select, error_rate {Delivery alert: provider error rate} delivery_success {Delivery alert: delivery success} other {Delivery alert: backlog}}',
      body: '{alertKind, select, error_rate {{value} of {volume} provider calls failed in the last 15 minutes (threshold {threshold}).} delivery_success {Only {value} of {volume} deliveries succeeded in the last 15 minutes (threshold {threshold}).} other {{volume} deliveries are waiting to be sent (threshold {threshold}).}}',
      cta: 'Open the dashboard',
    },
    'messaging.new_message': {
      title: '{conversationTitle}',
      body: '{senderName}: {preview}',
      grouped: {
        title: '{conversationTitle}',
        body: '{count, plural, one {# new message} other {# new messages}}',
      },
      cta: 'Reply',
    },
    'order.placed': {
      title: 'Order received',
      body: 'We have your order for {itemTitle} ({amount}). We will confirm once it is paid.',
      cta: 'View order',
    },
    'order.processing': {
      title: '{itemTitle} is being prepared',
      body: 'The maker is preparing your order. We will tell you when it ships.',
      cta: 'View order',
    },
    'order.cancelled': {
      title: 'Order cancelled',
      body: 'Your order for {itemTitle} was cancelled: {reason}',
      cta: 'View order',
    },
    'order.sale_cancelled': {
      title: 'Sale cancelled',
      body: 'The order for {itemTitle} was cancelled: {reason}. Please do not ship it.',
      cta: 'View order',
    },
    'order.sale_delivered': {
      title: '{itemTitle} was delivered',
      body: 'Your buyer has received {itemTitle}.',
      cta: 'View order',
    },
    'order.sale_refunded': {
      title: 'Refund issued',
      body: '{amount} for {itemTitle} was refunded to your buyer.',
      cta: 'View order',
    },
    'social.new_listing': {
      title: 'New from {creatorName}',
      body: '{listingTitle}, {amount}',
      grouped: {
        title: '{count, plural, one {# new piece} other {# new pieces}} from {creatorName}',
        body: 'Latest: {listingTitle}, {amount}',
      },
      cta: 'See the piece',
    },
  },
  email: {
    unsubscribe: 'Unsubscribe from {category} emails',
    preferences: 'Email preferences',
    why: 'You are receiving this because email notifications about {category} are on for your {brand} account.',
    identity: 'Sent by {brand}, the marketplace for handmade craft · {site}',
    ctaFallback: 'Button not working? Open this link:',
    digestIntro: '{count, plural, one {Here is # update} other {Here are # updates}} you have not seen yet.',
    categories: {
      commerce: 'orders and auctions',
      community: 'community news',
      social: 'followers and comments',
      messaging: 'messages',
    },
    contexts: {
      auction: 'Auction',
      order: 'Order',
      craft: 'Piece',
      collector: 'Collector',
      follower: 'Follower',
      story: 'Story',
      creator: 'Creator',
      challenge: 'Challenge',
      event: 'Event',
      conversation: 'Conversation',
      reminder: 'Reminder',
      announcement: 'Announcement',
      alert: 'Incident',
    },
    rows: {
      from: 'From',
      amount: 'Amount',
      carrier: 'Carrier',
      tracking: 'Tracking number',
      where: 'Where',
      reason: 'Reason',
      listing: 'Piece',
    },
  },
  smsHelp:
    'Craft Market alerts: outbid, order and payment notices. Msg&data rates may apply. Reply STOP to opt out, START to opt back in.',
  unsubscribePage: {
    title: 'Unsubscribe',
    doneTitle: 'Unsubscribed',
    invalid: 'This unsubscribe link is not valid.',
    expired: 'This unsubscribe link has expired. Change your email settings in the app.',
    question: 'Stop emails about {category}?',
    oneCategory: 'Unsubscribe from {category} emails',
    all: 'Unsubscribe from all emails',
    doneOne: 'You will no longer receive emails about {category} from us.',
    doneAll: 'You will no longer receive any emails from us.',
  },
};
