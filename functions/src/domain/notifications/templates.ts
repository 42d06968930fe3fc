import type { RenderedContent } from '../delivery.js';
import type { NotificationType } from './plans.js';
import { de } from './templates.de.js';
import { en } from './templates.en.js';
import { plainText, singleLine } from '../validation.js';

/**
 * Templates per notification type × channel × locale. One title/body pair per type and locale feeds every channel
 * (push, SMS, email, in-app) through the channel's own rules: push within platform limits, SMS within one GSM-7
 * segment with the opt-out line, email as HTML and plain text. Every `{variable}` must be supplied: a missing one
 * throws (a test renders every type in every locale), so a user never reads "undefined".
 */

export interface TextTemplate {
  title: string;
  body: string;
}
export interface TypeTemplate extends TextTemplate {
  /** A burst collapsed into one notification; gets `{count}` besides the usual variables. */
  grouped?: TextTemplate;
}
export interface LocaleTemplates {
  optOut: string;
  unsubscribe: string;
  open: string;
  digest: TextTemplate;
  types: Record<NotificationType, TypeTemplate>;
}

export const LOCALES = { en, de } as const;
export type Locale = keyof typeof LOCALES;

/** `de-AT` → `de`; anything we do not translate → `en`. */
export function resolveLocale(locale: string | undefined): Locale {
  const base = (locale ?? 'en').toLowerCase().split(/[-_]/)[0] ?? 'en';
  return base in LOCALES ? (base as Locale) : 'en';
}

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** Replaces `{name}`; throws naming the variable and the template when one is missing. */
export function fill(template: string, vars: Readonly<Record<string, string>>, where: string): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new TemplateError(`${where}: missing variable {${name}}`);
    // Values come from events and users: no control characters (beyond line breaks) or bidi overrides get through.
    return plainText(value);
  });
}

/** The variables a template text uses (tests check every locale against English with them). */
export const variablesOf = (template: string): string[] => [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);

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

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

export interface Rendered extends Required<Pick<RenderedContent, 'push' | 'sms' | 'email'>> {
  /** For the in-app center. */
  title: string;
  body: string;
}

export interface RenderOptions {
  locale: string | undefined;
  /** Absolute URL the email's button opens (the deep link on the web). */
  url?: string;
}

function forChannels(text: TextTemplate, locale: Locale, options: RenderOptions, lines?: string[]): Rendered {
  const t = LOCALES[locale];
  const url = options.url;
  const htmlLines = lines
    ? `<ul>${lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>`
    : `<p>${escapeHtml(text.body)}</p>`;
  // A title is one line on every channel (an email subject above all: a CR/LF there would add headers).
  text = { title: singleLine(text.title), body: text.body };
  return {
    title: truncate(text.title, LIMITS.inAppTitle),
    body: truncate(text.body, LIMITS.inAppBody),
    push: { title: truncate(text.title, LIMITS.pushTitle), body: truncate(text.body, LIMITS.pushBody) },
    sms: { body: smsText(`${text.title}: ${text.body}`, t.optOut) },
    email: {
      subject: text.title,
      text: [text.title, '', ...(lines ?? [text.body]), ...(url ? ['', `${t.open}: ${url}`] : [])].join('\n'),
      html: `<h1>${escapeHtml(text.title)}</h1>${htmlLines}${url ? `<p><a href="${escapeHtml(url)}">${escapeHtml(t.open)}</a></p>` : ''}`,
    },
  };
}

/** One notification (or a collapsed burst of `count` > 1) for every channel. */
export function renderNotification(
  type: NotificationType,
  vars: Readonly<Record<string, string>>,
  options: RenderOptions & { count?: number },
): Rendered {
  const locale = resolveLocale(options.locale);
  const template = LOCALES[locale].types[type];
  const count = options.count ?? 1;
  const chosen = count > 1 && template.grouped ? template.grouped : template;
  const where = `${locale}/${type}${chosen === template ? '' : '/grouped'}`;
  const all = { ...vars, count: String(count) };
  return forChannels(
    { title: fill(chosen.title, all, `${where}.title`), body: fill(chosen.body, all, `${where}.body`) },
    locale,
    options,
  );
}

export interface DigestItem {
  type: NotificationType;
  vars: Record<string, string>;
  count: number;
}

/** Several held notifications leaving together: one group → its (grouped) notification; more → a summary. */
export function renderDigest(items: readonly DigestItem[], options: RenderOptions): Rendered {
  if (items.length === 0) throw new TemplateError('a digest needs at least one item');
  if (items.length === 1) {
    const [only] = items as [DigestItem];
    return renderNotification(only.type, only.vars, { ...options, count: only.count });
  }
  const locale = resolveLocale(options.locale);
  const lines = items.map((item) => renderNotification(item.type, item.vars, { locale, count: item.count }).title);
  const total = items.reduce((sum, item) => sum + item.count, 0);
  const digest = LOCALES[locale].digest;
  const vars = { count: String(total), summary: lines.join(' · ') };
  return forChannels(
    {
      title: fill(digest.title, vars, `${locale}/digest.title`),
      body: fill(digest.body, vars, `${locale}/digest.body`),
    },
    locale,
    options,
    lines,
  );
}
