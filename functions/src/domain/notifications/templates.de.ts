import type { LocaleTemplates } from './templates.js';

/** Deutsch. Same variables as English (a test checks every locale uses only variables English provides). */
export const de: LocaleTemplates = {
  optOut: 'Antwort STOP zum Abmelden',
  unsubscribe: 'Diese E-Mails abbestellen',
  open: 'Öffnen',
  digest: { title: '{count, plural, one {# neue Mitteilung} other {# neue Mitteilungen}}', body: '{summary}' },
  types: {
    'auction.bid_placed': {
      title: 'Neues Gebot auf {auctionTitle}',
      body: '{bidderName} bietet {amount}.',
      grouped: {
        title: '{count, plural, one {# neues Gebot} other {# neue Gebote}} auf {auctionTitle}',
        body: 'Zuletzt: {bidderName} mit {amount}.',
      },
      cta: 'Zur Auktion',
    },
    'auction.outbid': {
      title: 'Du wurdest überboten',
      body: 'Jemand bietet {amount} auf {auctionTitle}. Biete erneut.',
      grouped: {
        title: '{count, plural, one {Einmal überboten} other {# Mal überboten}} bei {auctionTitle}',
        body: 'Höchstgebot jetzt {amount}. Biete erneut.',
      },
      cta: 'Erneut bieten',
    },
    'auction.ending_soon': {
      title: '{auctionTitle} endet bald',
      body: 'Nur noch {minutesLeft} zum Bieten.',
      cta: 'Jetzt bieten',
    },
    'auction.won': {
      title: 'Du hast {auctionTitle} gewonnen!',
      body: 'Dein Gebot: {amount}. Schließe jetzt den Kauf ab.',
      cta: 'Kauf abschließen',
    },
    'auction.sold': {
      title: '{auctionTitle} verkauft',
      body: 'Deine Auktion endete bei {amount}.',
      cta: 'Zum Verkauf',
    },
    'order.purchase_confirmed': {
      title: 'Bestellung bestätigt',
      body: 'Danke! {itemTitle} ist bezahlt ({amount}).',
      cta: 'Bestellung ansehen',
    },
    'order.new_sale': {
      title: 'Du hast etwas verkauft',
      body: '{itemTitle} wurde für {amount} verkauft.',
      cta: 'Bestellung ansehen',
    },
    'order.shipped': {
      title: '{itemTitle} ist unterwegs',
      body: 'Versand mit {carrier}, Sendungsnummer {trackingNumber}.',
      cta: 'Sendung verfolgen',
    },
    'order.delivered': {
      title: '{itemTitle} wurde zugestellt',
      body: 'Viel Freude mit deinem neuen Stück!',
      cta: 'Bewertung schreiben',
    },
    'order.payment_failed': {
      title: 'Zahlung fehlgeschlagen',
      body: '{amount} für {itemTitle} konnte nicht abgebucht werden. Deine Bestellung ist angehalten: ändere die Zahlungsart, um sie zu behalten.',
      cta: 'Zahlungsart ändern',
    },
    'order.refunded': {
      title: 'Erstattung veranlasst',
      body: '{amount} für {itemTitle} wird dir erstattet.',
      cta: 'Bestellung ansehen',
    },
    'social.new_follower': {
      title: 'Neuer Follower',
      body: '{followerName} folgt dir jetzt.',
      grouped: {
        title: '{count, plural, one {# neuer Follower} other {# neue Follower}}',
        body: '{followerName} und andere folgen dir jetzt.',
      },
      cta: 'Deine Follower',
    },
    'social.story_comment': {
      title: 'Neuer Kommentar zu {storyTitle}',
      body: '{commenterName} hat deine Story kommentiert.',
      grouped: {
        title: '{count, plural, one {# neuer Kommentar} other {# neue Kommentare}} zu {storyTitle}',
        body: 'Zuletzt von {commenterName}.',
      },
      cta: 'Kommentare lesen',
    },
    'commerce.craft_inquiry': {
      title: 'Neue Anfrage zu {craftTitle}',
      body: '{collectorName} hat dir eine Frage gestellt.',
      cta: 'Antworten',
    },
    'commerce.commission_request': {
      title: 'Auftragsanfrage',
      body: '{collectorName} fragt einen Auftrag über {amount} an.',
      cta: 'Anfrage ansehen',
    },
    'community.creator_spotlight': {
      title: 'Im Rampenlicht: {creatorName}',
      body: '{headline}',
      cta: 'Weiterlesen',
    },
    'community.craft_challenge': {
      title: 'Neue Bastel-Challenge',
      body: '{challengeTitle}: mach mit!',
      cta: 'Mitmachen',
    },
    'community.event': {
      title: 'Neu: {eventTitle}',
      body: 'In {location}. Sichere dir deinen Platz.',
      cta: 'Platz sichern',
    },
    'community.event_starting_soon': {
      title: '{eventTitle} beginnt bald',
      body: '{hoursLeft, plural, one {Beginnt in # Stunde in {location}.} other {Beginnt in # Stunden in {location}.}}',
      cta: 'Zur Veranstaltung',
    },
    'reminder.due': { title: '{title}', body: '{body}', cta: 'Öffnen' },
    'system.announcement': { title: '{title}', body: '{body}', cta: 'Mehr erfahren' },
    'ops.delivery_alert': {
      title:
        '{alertKind, select, error_rate {Zustellungsalarm: Fehlerquote der Anbieter} delivery_success {Zustellungsalarm: Zustellerfolg} other {Zustellungsalarm: Rückstau}}',
      body: '{alertKind, select, error_rate {{value} von {volume} Anbieteraufrufen sind in den letzten 15 Minuten fehlgeschlagen (Schwelle {threshold}).} delivery_success {Nur {value} von {volume} Zustellungen waren in den letzten 15 Minuten erfolgreich (Schwelle {threshold}).} other {{volume} Zustellungen warten auf den Versand (Schwelle {threshold}).}}',
      cta: 'Dashboard öffnen',
    },
    'messaging.new_message': {
      title: '{conversationTitle}',
      body: '{senderName}: {preview}',
      grouped: {
        title: '{conversationTitle}',
        body: '{count, plural, one {# neue Nachricht} other {# neue Nachrichten}}',
      },
      cta: 'Antworten',
    },
    'order.placed': {
      title: 'Bestellung eingegangen',
      body: 'Wir haben deine Bestellung für {itemTitle} ({amount}). Wir bestätigen sie, sobald sie bezahlt ist.',
      cta: 'Bestellung ansehen',
    },
    'order.processing': {
      title: '{itemTitle} wird vorbereitet',
      body: 'Die Herstellerin bereitet deine Bestellung vor. Wir melden uns, sobald sie versandt ist.',
      cta: 'Bestellung ansehen',
    },
    'order.cancelled': {
      title: 'Bestellung storniert',
      body: 'Deine Bestellung für {itemTitle} wurde storniert: {reason}',
      cta: 'Bestellung ansehen',
    },
    'order.sale_cancelled': {
      title: 'Verkauf storniert',
      body: 'Die Bestellung für {itemTitle} wurde storniert: {reason}. Bitte nicht versenden.',
      cta: 'Bestellung ansehen',
    },
    'order.sale_delivered': {
      title: '{itemTitle} wurde zugestellt',
      body: 'Deine Käuferin oder dein Käufer hat {itemTitle} erhalten.',
      cta: 'Bestellung ansehen',
    },
    'order.sale_refunded': {
      title: 'Erstattung veranlasst',
      body: '{amount} für {itemTitle} wurde an die Käuferseite erstattet.',
      cta: 'Bestellung ansehen',
    },
    'social.new_listing': {
      title: 'Neu von {creatorName}',
      body: '{listingTitle}, {amount}',
      grouped: {
        title: '{count, plural, one {# neues Stück} other {# neue Stücke}} von {creatorName}',
        body: 'Zuletzt: {listingTitle}, {amount}',
      },
      cta: 'Stück ansehen',
    },
  },
  email: {
    unsubscribe: 'E-Mails der Kategorie „{category}“ abbestellen',
    preferences: 'E-Mail-Einstellungen',
    why: 'Du erhältst diese E-Mail, weil E-Mail-Benachrichtigungen der Kategorie „{category}“ in deinem {brand}-Konto aktiviert sind.',
    identity: 'Gesendet von {brand}, dem Marktplatz für Handgemachtes · {site}',
    ctaFallback: 'Der Button funktioniert nicht? Öffne diesen Link:',
    digestIntro:
      '{count, plural, one {Hier ist # Mitteilung, die du noch nicht gesehen hast.} other {Hier sind # Mitteilungen, die du noch nicht gesehen hast.}}',
    categories: {
      commerce: 'Bestellungen und Auktionen',
      community: 'Community-Neuigkeiten',
      social: 'Follower und Kommentare',
      messaging: 'Nachrichten',
    },
    contexts: {
      auction: 'Auktion',
      order: 'Bestellung',
      craft: 'Stück',
      collector: 'Sammler:in',
      follower: 'Follower',
      story: 'Story',
      creator: 'Künstler:in',
      challenge: 'Challenge',
      event: 'Veranstaltung',
      conversation: 'Unterhaltung',
      reminder: 'Erinnerung',
      announcement: 'Ankündigung',
      alert: 'Vorfall',
    },
    rows: {
      from: 'Von',
      amount: 'Betrag',
      carrier: 'Versanddienst',
      tracking: 'Sendungsnummer',
      where: 'Ort',
      reason: 'Grund',
      listing: 'Stück',
    },
  },
  smsHelp:
    'Craft Market: Hinweise zu Geboten, Bestellungen und Zahlungen. Es können SMS-Gebühren anfallen. STOP zum Abmelden, START zum Wiederanmelden.',
  unsubscribePage: {
    title: 'Abbestellen',
    doneTitle: 'Abbestellt',
    invalid: 'Dieser Abmeldelink ist ungültig.',
    expired: 'Dieser Abmeldelink ist abgelaufen. Ändere deine E-Mail-Einstellungen in der App.',
    question: 'Keine E-Mails der Kategorie „{category}“ mehr?',
    oneCategory: 'E-Mails der Kategorie „{category}“ abbestellen',
    all: 'Alle E-Mails abbestellen',
    doneOne: 'Du erhältst von uns keine E-Mails der Kategorie „{category}“ mehr.',
    doneAll: 'Du erhältst von uns keine E-Mails mehr.',
  },
};
