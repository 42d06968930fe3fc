import type { LocaleTemplates } from './templates.js';

/** Deutsch. Same variables as English (a test checks every locale uses only variables English provides). */
export const de: LocaleTemplates = {
  optOut: 'Antwort STOP zum Abmelden',
  unsubscribe: 'Diese E-Mails abbestellen',
  open: 'Öffnen',
  digest: { title: '{count} neue Mitteilungen', body: '{summary}' },
  types: {
    'auction.bid_placed': {
      title: 'Neues Gebot auf {auctionTitle}',
      body: '{bidderName} bietet {amount}.',
      grouped: { title: '{count} neue Gebote auf {auctionTitle}', body: 'Zuletzt: {bidderName} mit {amount}.' },
    },
    'auction.outbid': {
      title: 'Du wurdest überboten',
      body: 'Jemand bietet {amount} auf {auctionTitle}. Biete erneut.',
    },
    'auction.ending_soon': { title: '{auctionTitle} endet bald', body: 'Nur noch {minutesLeft} Minuten zum Bieten.' },
    'auction.won': {
      title: 'Du hast {auctionTitle} gewonnen!',
      body: 'Dein Gebot: {amount}. Schließe jetzt den Kauf ab.',
    },
    'auction.sold': { title: '{auctionTitle} verkauft', body: 'Deine Auktion endete bei {amount}.' },
    'order.purchase_confirmed': { title: 'Bestellung bestätigt', body: 'Danke! {itemTitle} ist bezahlt ({amount}).' },
    'order.new_sale': { title: 'Du hast etwas verkauft', body: '{itemTitle} wurde für {amount} verkauft.' },
    'order.shipped': {
      title: '{itemTitle} ist unterwegs',
      body: 'Versand mit {carrier}, Sendungsnummer {trackingNumber}.',
    },
    'order.delivered': { title: '{itemTitle} wurde zugestellt', body: 'Viel Freude mit deinem neuen Stück!' },
    'order.payment_failed': {
      title: 'Zahlung fehlgeschlagen',
      body: '{amount} für {itemTitle} konnte nicht abgebucht werden. Bitte Zahlungsart prüfen.',
    },
    'order.refunded': { title: 'Erstattung veranlasst', body: '{amount} für {itemTitle} wird dir erstattet.' },
    'social.new_follower': {
      title: 'Neuer Follower',
      body: '{followerName} folgt dir jetzt.',
      grouped: { title: '{count} neue Follower', body: '{followerName} und andere folgen dir jetzt.' },
    },
    'social.story_comment': {
      title: 'Neuer Kommentar zu {storyTitle}',
      body: '{commenterName} hat deine Story kommentiert.',
      grouped: { title: '{count} neue Kommentare zu {storyTitle}', body: 'Zuletzt von {commenterName}.' },
    },
    'commerce.craft_inquiry': {
      title: 'Neue Anfrage zu {craftTitle}',
      body: '{collectorName} hat dir eine Frage gestellt.',
    },
    'commerce.commission_request': {
      title: 'Auftragsanfrage',
      body: '{collectorName} fragt einen Auftrag über {amount} an.',
    },
    'community.creator_spotlight': { title: 'Im Rampenlicht: {creatorName}', body: '{headline}' },
    'community.craft_challenge': { title: 'Neue Bastel-Challenge', body: '{challengeTitle}: mach mit!' },
    'community.event': { title: 'Neu: {eventTitle}', body: 'In {location}. Sichere dir deinen Platz.' },
    'messaging.new_message': {
      title: '{conversationTitle}',
      body: '{senderName}: {preview}',
      grouped: { title: '{conversationTitle}', body: '{count} neue Nachrichten' },
    },
  },
};
