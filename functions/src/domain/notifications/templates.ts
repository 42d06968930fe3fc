import type { Category } from '../channels.js';
import { CATEGORIES } from '../channels.js';
import type { RenderedContent } from '../delivery.js';
import type { NotificationType } from './plans.js';
import { NOTIFICATION_CATEGORY } from './plans.js';
import { ar } from './templates.ar.js';
import { de } from './templates.de.js';
import { en } from './templates.en.js';
import { plainText, singleLine } from '../validation.js';
import {
  formatDateTime,
  formatDuration,
  formatMessage,
  formatMoney,
  formatNumber,
  messageVariables,
  parseMoney,
  textDirection,
} from '../i18n/format.js';
import { renderEmail } from '../email/render.js';
import type { DigestGroup, EmailContext } from '../email/render.js';

/**
 * Templates per notification type × channel × locale. One title/body pair per type and locale feeds every channel
 * (push, SMS, email, in-app) through the channel's own rules: push within platform limits, SMS within one GSM-7
 * segment with the opt-out line, email in the compiled MJML layout (src/domain/email) with its plain-text part.
 * Texts are ICU-style messages: `{name}`, and `{count, plural, one {# bid} other {# bids}}` chosen by the locale's
 * plural rules. Money variables (`amount`, "USD 150.00" on the wire) and numbers are formatted for the reader with
 * Intl. Every `{variable}` must be supplied: a missing one throws (a test renders every type in every locale), so a
 * user never reads "undefined".
 */

export interface TextTemplate {
  title: string;
  body: string;
}
export interface TypeTemplate extends TextTemplate {
  /** A burst collapsed into one notification; gets `{count}` besides the usual variables. */
  grouped?: TextTemplate;
  /** The email's call to action ("Bid again"); `open` when missing. */
  cta?: string;
}

/** What an email says about the thing a notification is about ("Auction: Walnut bowl"). */
export type ContextKind =
  | 'auction'
  | 'order'
  | 'craft'
  | 'collector'
  | 'follower'
  | 'story'
  | 'creator'
  | 'challenge'
  | 'event'
  | 'conversation'
  | 'reminder'
  | 'announcement'
  | 'alert';
export type RowKind = 'from' | 'amount' | 'carrier' | 'tracking' | 'where' | 'reason' | 'listing';

export interface EmailTexts {
  /** "Unsubscribe from {category} emails" */
  unsubscribe: string;
  preferences: string;
  /** Why the reader got it: `{category}`, `{brand}`. */
  why: string;
  /** The sender: `{brand}`, `{site}`. */
  identity: string;
  /** Before the raw link under the button. */
  ctaFallback: string;
  /** The digest's first line: `{count}` (plural). */
  digestIntro: string;
  /** A category as the footer and digest headings name it. */
  categories: Record<Category, string>;
  contexts: Record<ContextKind, string>;
  rows: Record<RowKind, string>;
}

export interface UnsubscribePageTexts {
  title: string;
  doneTitle: string;
  invalid: string;
  expired: string;
  /** `{category}` */
  question: string;
  /** `{category}` */
  oneCategory: string;
  all: string;
  /** `{category}` */
  doneOne: string;
  doneAll: string;
}

export interface LocaleTemplates {
  optOut: string;
  unsubscribe: string;
  open: string;
  digest: TextTemplate;
  types: Record<NotificationType, TypeTemplate>;
  email: EmailTexts;
  /** The answer to an SMS "HELP". */
  smsHelp: string;
  unsubscribePage: UnsubscribePageTexts;
}

export const LOCALES = { en, de, ar } as const;
export type Locale = keyof typeof LOCALES;

/** The marketplace's name as every email, SMS and page shows it. */
export const BRAND = 'Craft Market';
/** Where links point when a render has no URL to take the web app's origin from (config's WEB_APP_URL default). */
const DEFAULT_SITE = 'https://craft.example';
/** The web app's route for notification preferences. */
export const PREFERENCES_PATH = '/settings/notifications';

/** `de-AT` → `de`; anything we do not translate → `en`. */
export function resolveLocale(locale: string | undefined): Locale {
  const base = (locale ?? 'en').toLowerCase().split(/[-_]/)[0] ?? 'en';
  return base in LOCALES ? (base as Locale) : 'en';
}

/**
 * The tag Intl formats with: the reader's own tag when it is a well-formed variant of a translated language
 * (`de-AT`, `ar-EG`: their digits, separators and date order), else the translation's language.
 */
export function formattingLocale(locale: string | undefined): string {
  const resolved = resolveLocale(locale);
  try {
    const [canonical] = Intl.getCanonicalLocales(locale ?? resolved);
    if (canonical && resolveLocale(canonical) === resolved) return canonical;
  } catch {
    // not a BCP 47 tag: the translation's language
  }
  return resolved;
}

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** Variables read as numbers (plurals, and shown in the reader's digits). */
const NUMBER_VARS = new Set(['count']);
/** Lead times in minutes, shown in hours or days where exact ("24 hours", not "1,440 minutes"). */
const DURATION_VARS = new Set(['minutesLeft']);
/** Variables carrying money in the wire form "USD 150.00". */
const MONEY_VARS = new Set(['amount']);

/**
 * Fills a message; throws naming the variable and the template when one is missing. Values are cleaned (no control
 * characters beyond line breaks, no bidi overrides) and formatted for `locale` (money, numbers).
 */
export function fill(template: string, vars: Readonly<Record<string, string>>, where: string, locale = 'en'): string {
  const raw = (name: string) => {
    const value = vars[name];
    if (value === undefined) throw new TemplateError(`${where}: missing variable {${name}}`);
    return value;
  };
  return formatMessage(
    template,
    locale,
    (name) => formatVar(name, raw(name), locale),
    (name) => {
      const n = Number(raw(name));
      if (!Number.isFinite(n)) throw new TemplateError(`${where}: {${name}} is not a number`);
      return n;
    },
  );
}

/** One variable as the reader reads it. */
export function formatVar(name: string, value: string, locale: string): string {
  if (MONEY_VARS.has(name)) {
    const money = parseMoney(value);
    if (money) return formatMoney(money.amount, money.currency, locale);
  }
  if (DURATION_VARS.has(name) && /^\d+$/.test(value)) return formatDuration(Number(value), locale);
  if (NUMBER_VARS.has(name) && /^-?\d+(\.\d+)?$/.test(value)) return formatNumber(Number(value), locale);
  // Values come from events and users: no control characters (beyond line breaks) or bidi overrides get through.
  return plainText(value);
}

/** The variables a template text uses (tests check every locale against English with them). */
export const variablesOf = (template: string): string[] => messageVariables(template);

export const LIMITS = {
  /** iOS truncates a lock-screen title at about this length; Android shows fewer. */
  pushTitle: 65,
  /** Four lines on a lock screen. */
  pushBody: 178,
  inAppTitle: 120,
  inAppBody: 500,
  gsm7Segment: 160,
  /** Text outside GSM-7 (emoji, most non-Latin scripts) is UCS-2: 70 per segment, 67 each once split; we allow two. */
  ucs2TwoSegments: 134,
} as const;

const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM7_EXTENDED = '^{}\\[~]|€\f';

/** Septets the text takes in GSM-7, or undefined if it needs UCS-2. */
export function gsm7Length(text: string): number | undefined {
  let length = 0;
  for (const ch of text) {
    if (GSM7_BASIC.includes(ch)) length += 1;
    else if (GSM7_EXTENDED.includes(ch)) length += 2;
    else return undefined;
  }
  return length;
}

function truncate(text: string, max: number, ellipsis = '…'): string {
  const chars = [...text];
  return chars.length <= max
    ? text
    : `${chars
        .slice(0, max - [...ellipsis].length)
        .join('')
        .trimEnd()}${ellipsis}`;
}

/** `message` plus the opt-out line, shortened to one GSM-7 segment (or two UCS-2 ones when GSM-7 cannot carry it). */
export function smsText(message: string, optOut: string): string {
  // Intl puts no-break spaces in money and dates ("95,00 €"): plain spaces keep such a text in GSM-7.
  message = message.replace(/[\u00a0\u202f]/g, ' ');
  const full = `${message}\n${optOut}`;
  const septets = gsm7Length(full);
  if (septets !== undefined) {
    if (septets <= LIMITS.gsm7Segment) return full;
    // Shorten the message, never the opt-out line; '...' keeps it GSM-7 ('…' is not).
    let cut = [...message].length;
    let candidate = full;
    while (cut > 0 && (gsm7Length(candidate) ?? Infinity) > LIMITS.gsm7Segment) {
      cut--;
      candidate = `${truncate(message, cut, '...')}\n${optOut}`;
    }
    return candidate;
  }
  const room = LIMITS.ucs2TwoSegments - [...optOut].length - 1;
  return `${truncate(message, room)}\n${optOut}`;
}

export interface Rendered extends Required<Pick<RenderedContent, 'push' | 'sms' | 'email'>> {
  /** For the in-app center. */
  title: string;
  body: string;
}

export interface RenderOptions {
  locale: string | undefined;
  /** Absolute URL the email's button opens (the deep link on the web); its origin is the web app's. */
  url?: string;
  /** The reader's IANA zone, for times shown in the email (digest items). */
  timeZone?: string;
}

/** What each type's email names as its subject matter, and which variables describe it. */
const CONTEXT: Record<NotificationType, { kind: ContextKind; name: string; rows?: [RowKind, string][] }> = {
  'auction.bid_placed': {
    kind: 'auction',
    name: 'auctionTitle',
    rows: [
      ['from', 'bidderName'],
      ['amount', 'amount'],
    ],
  },
  'auction.outbid': { kind: 'auction', name: 'auctionTitle', rows: [['amount', 'amount']] },
  'auction.ending_soon': { kind: 'auction', name: 'auctionTitle' },
  'auction.won': { kind: 'auction', name: 'auctionTitle', rows: [['amount', 'amount']] },
  'auction.sold': { kind: 'auction', name: 'auctionTitle', rows: [['amount', 'amount']] },
  'order.purchase_confirmed': { kind: 'order', name: 'itemTitle', rows: [['amount', 'amount']] },
  'order.new_sale': { kind: 'order', name: 'itemTitle', rows: [['amount', 'amount']] },
  'order.shipped': {
    kind: 'order',
    name: 'itemTitle',
    rows: [
      ['carrier', 'carrier'],
      ['tracking', 'trackingNumber'],
    ],
  },
  'order.delivered': { kind: 'order', name: 'itemTitle' },
  'order.payment_failed': {
    kind: 'order',
    name: 'itemTitle',
    rows: [
      ['amount', 'amount'],
      ['reason', 'reason'],
    ],
  },
  'order.refunded': { kind: 'order', name: 'itemTitle', rows: [['amount', 'amount']] },
  'social.new_follower': { kind: 'follower', name: 'followerName' },
  'social.story_comment': { kind: 'story', name: 'storyTitle', rows: [['from', 'commenterName']] },
  'commerce.craft_inquiry': { kind: 'craft', name: 'craftTitle', rows: [['from', 'collectorName']] },
  'commerce.commission_request': { kind: 'collector', name: 'collectorName', rows: [['amount', 'amount']] },
  'community.creator_spotlight': { kind: 'creator', name: 'creatorName' },
  'community.craft_challenge': { kind: 'challenge', name: 'challengeTitle' },
  'community.event': { kind: 'event', name: 'eventTitle', rows: [['where', 'location']] },
  'messaging.new_message': { kind: 'conversation', name: 'conversationTitle', rows: [['from', 'senderName']] },
  'order.placed': { kind: 'order', name: 'itemTitle', rows: [['amount', 'amount']] },
  'order.processing': { kind: 'order', name: 'itemTitle' },
  'order.cancelled': { kind: 'order', name: 'itemTitle', rows: [['reason', 'reason']] },
  'order.sale_cancelled': { kind: 'order', name: 'itemTitle', rows: [['reason', 'reason']] },
  'order.sale_delivered': { kind: 'order', name: 'itemTitle' },
  'order.sale_refunded': { kind: 'order', name: 'itemTitle', rows: [['amount', 'amount']] },
  'social.new_listing': {
    kind: 'creator',
    name: 'creatorName',
    rows: [
      ['listing', 'listingTitle'],
      ['amount', 'amount'],
    ],
  },
  'community.event_starting_soon': { kind: 'event', name: 'eventTitle', rows: [['where', 'location']] },
  'reminder.due': { kind: 'reminder', name: 'title' },
  'system.announcement': { kind: 'announcement', name: 'title' },
  'ops.delivery_alert': { kind: 'alert', name: 'incidentId' },
};

function emailContext(type: NotificationType, vars: Readonly<Record<string, string>>, locale: Locale, tag: string) {
  const spec = CONTEXT[type];
  const name = vars[spec.name];
  if (name === undefined) return undefined;
  const t = LOCALES[locale].email;
  const rows = (spec.rows ?? []).flatMap(([row, variable]) => {
    const value = vars[variable];
    return value === undefined ? [] : [{ label: t.rows[row], value: singleLine(formatVar(variable, value, tag)) }];
  });
  return { label: t.contexts[spec.kind], name: singleLine(plainText(name)), rows } satisfies EmailContext;
}

interface EmailParts {
  category: Category;
  cta?: string;
  context?: EmailContext;
  groups?: DigestGroup[];
  intro?: string;
}

function originOf(url: string | undefined): string {
  try {
    return url ? new URL(url).origin : DEFAULT_SITE;
  } catch {
    return DEFAULT_SITE;
  }
}

function forChannels(text: TextTemplate, locale: Locale, options: RenderOptions, parts: EmailParts): Rendered {
  const t = LOCALES[locale];
  const tag = formattingLocale(options.locale);
  const site = originOf(options.url);
  const url = options.url ?? `${site}/notifications`;
  // A title is one line on every channel (an email subject above all: a CR/LF there would add headers).
  text = { title: singleLine(text.title), body: text.body };
  const vars = { brand: BRAND, site: new URL(site).host, category: t.email.categories[parts.category] };
  const email = renderEmail({
    lang: tag,
    dir: textDirection(locale),
    subject: text.title,
    preheader: singleLine(text.body),
    heading: text.title,
    paragraphs: parts.intro ? [parts.intro] : [text.body],
    ...(parts.context ? { context: parts.context } : {}),
    ...(parts.groups ? { groups: parts.groups } : {}),
    cta: { label: parts.cta ?? t.open, url, fallback: t.email.ctaFallback },
    footer: {
      brand: BRAND,
      siteUrl: site,
      why: fill(t.email.why, vars, `${locale}/email.why`, tag),
      unsubscribeLabel: fill(t.email.unsubscribe, vars, `${locale}/email.unsubscribe`, tag),
      preferencesLabel: t.email.preferences,
      preferencesUrl: `${site}${PREFERENCES_PATH}`,
      identity: fill(t.email.identity, vars, `${locale}/email.identity`, tag),
    },
  });
  return {
    title: truncate(text.title, LIMITS.inAppTitle),
    body: truncate(text.body, LIMITS.inAppBody),
    push: { title: truncate(text.title, LIMITS.pushTitle), body: truncate(text.body, LIMITS.pushBody) },
    sms: { body: smsText(`${text.title}: ${text.body}`, t.optOut) },
    email: { subject: text.title, html: email.html, text: email.text },
  };
}

/** One notification's title and body in the reader's words (no channel rules applied). */
function notificationText(
  type: NotificationType,
  vars: Readonly<Record<string, string>>,
  locale: Locale,
  tag: string,
  count: number,
): TextTemplate {
  const template = LOCALES[locale].types[type];
  const chosen = count > 1 && template.grouped ? template.grouped : template;
  const where = `${locale}/${type}${chosen === template ? '' : '/grouped'}`;
  const all = { ...vars, count: String(count) };
  return { title: fill(chosen.title, all, `${where}.title`, tag), body: fill(chosen.body, all, `${where}.body`, tag) };
}

/** One notification (or a collapsed burst of `count` > 1) for every channel. */
export function renderNotification(
  type: NotificationType,
  vars: Readonly<Record<string, string>>,
  options: RenderOptions & { count?: number },
): Rendered {
  const locale = resolveLocale(options.locale);
  const tag = formattingLocale(options.locale);
  const text = notificationText(type, vars, locale, tag, options.count ?? 1);
  const context = emailContext(type, vars, locale, tag);
  return forChannels(text, locale, options, {
    category: NOTIFICATION_CATEGORY[type],
    ...(LOCALES[locale].types[type].cta ? { cta: LOCALES[locale].types[type].cta } : {}),
    ...(context ? { context } : {}),
  });
}

export interface DigestItem {
  type: NotificationType;
  vars: Record<string, string>;
  count: number;
  /** When the (latest) notification of the item happened, if the digest kept it. */
  at?: Date;
}

/**
 * Several held notifications leaving together: one group → its (grouped) notification; more → a summary whose email
 * lists every item (what, who, amount, and when where known) under its category, in the product's category order.
 */
export function renderDigest(items: readonly DigestItem[], options: RenderOptions): Rendered {
  if (items.length === 0) throw new TemplateError('a digest needs at least one item');
  if (items.length === 1) {
    const [only] = items as [DigestItem];
    return renderNotification(only.type, only.vars, { ...options, count: only.count });
  }
  const locale = resolveLocale(options.locale);
  const tag = formattingLocale(options.locale);
  const t = LOCALES[locale];
  const texts = items.map((item) => notificationText(item.type, item.vars, locale, tag, item.count));
  const total = items.reduce((sum, item) => sum + item.count, 0);
  // The one-line summary (push, SMS, in-app) names each distinct title once, with how often it repeats.
  const titles = new Map<string, number>();
  for (const x of texts) titles.set(singleLine(x.title), (titles.get(singleLine(x.title)) ?? 0) + 1);
  const summary = [...titles].map(([title, n]) => (n > 1 ? `${formatNumber(n, tag)}× ${title}` : title)).join(' · ');
  const vars = { count: String(total), summary };
  const groups: DigestGroup[] = [];
  for (const category of CATEGORIES) {
    const members = items.flatMap((item, i) => (NOTIFICATION_CATEGORY[item.type] === category ? [i] : []));
    if (members.length === 0) continue;
    groups.push({
      heading: t.email.categories[category],
      items: members.map((i) => {
        const at = items[i]!.at;
        return {
          title: singleLine(texts[i]!.title),
          body: texts[i]!.body,
          ...(at ? { when: formatDateTime(at, tag, options.timeZone) } : {}),
        };
      }),
    });
  }
  return forChannels(
    {
      title: fill(t.digest.title, vars, `${locale}/digest.title`, tag),
      body: fill(t.digest.body, vars, `${locale}/digest.body`, tag),
    },
    locale,
    options,
    {
      category: NOTIFICATION_CATEGORY[items[0]!.type],
      groups,
      intro: fill(t.email.digestIntro, vars, `${locale}/email.digestIntro`, tag),
    },
  );
}

/** The SMS HELP answer in the reader's language. */
export const smsHelpText = (locale: string | undefined): string => LOCALES[resolveLocale(locale)].smsHelp;
