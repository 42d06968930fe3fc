import type { Category } from '../channels.js';
import { COMPILED } from './compiled.generated.js';

/**
 * Fills the compiled MJML layouts (emails/*.mjml → compiled.generated.ts, at build time) with one email's content.
 * `{{slot}}` takes text and is HTML-escaped here; `{{{slot}}}` takes markup this module builds from escaped parts.
 * The unsubscribe link needs a token that only channel delivery mints, so the rendered email carries
 * `UNSUBSCRIBE_SLOT` where the link goes and `finishEmail` puts the URL in at send time.
 */

/** Stands for the unsubscribe URL until send time. Control characters: no template variable can contain one. */
export const UNSUBSCRIBE_SLOT = '\u001funsubscribe-url\u001f';

/** Categories whose email is marketing: it may go out only with a working one-click (https) unsubscribe. */
export const MARKETING_CATEGORIES: readonly Category[] = ['community'];

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export interface EmailFooter {
  brand: string;
  siteUrl: string;
  /** Why the reader got this email (their category setting). */
  why: string;
  unsubscribeLabel: string;
  preferencesLabel: string;
  preferencesUrl: string;
  /** Who sends it. */
  identity: string;
}

export interface EmailContext {
  /** "Auction", "Conversation", … */
  label: string;
  name: string;
  rows: { label: string; value: string }[];
}

export interface DigestGroup {
  heading: string;
  items: { title: string; body: string; when?: string }[];
}

export interface EmailModel {
  lang: string;
  dir: 'ltr' | 'rtl';
  subject: string;
  /** The line inboxes show after the subject. */
  preheader: string;
  heading: string;
  paragraphs: string[];
  /** What the notification is about (notification layout). */
  context?: EmailContext;
  /** The digest layout's grouped items. */
  groups?: DigestGroup[];
  cta: { label: string; url: string; fallback: string };
  footer: EmailFooter;
}

const safeLink = (url: string, fallback: string): string => (/^https?:\/\/[^\s"<>]+$/.test(url) ? url : fallback);

function fillSlots(template: string, text: Record<string, string>, markup: Record<string, string>): string {
  return template.replace(/\{\{\{\s*(\w+)\s*\}\}\}|\{\{\s*(\w+)\s*\}\}/g, (_, raw?: string, plain?: string) => {
    const value = raw ? markup[raw] : text[plain!];
    if (value === undefined) throw new Error(`email layout slot {{${raw ?? plain}}} has no value`);
    return raw ? value : escapeHtml(value);
  });
}

const paragraphsHtml = (paragraphs: readonly string[]) =>
  paragraphs.map((p) => `<p style="margin:0 0 12px">${escapeHtml(p).replace(/\n/g, '<br>')}</p>`).join('');

function contextHtml(context: EmailContext): string {
  const rows = context.rows
    .map(
      (r) => `<div class="ctx-row"><span>${escapeHtml(r.label)}:</span> <strong>${escapeHtml(r.value)}</strong></div>`,
    )
    .join('');
  return `<div class="ctx-label">${escapeHtml(context.label)}</div><div class="ctx-name">${escapeHtml(context.name)}</div>${rows}`;
}

function groupsHtml(groups: readonly DigestGroup[]): string {
  return groups
    .map(
      (g) =>
        `<div class="digest-group">${escapeHtml(g.heading)}</div>` +
        g.items
          .map(
            (i) =>
              `<div class="digest-item"><div class="digest-title">${escapeHtml(i.title)}</div>` +
              `<div class="digest-body">${escapeHtml(i.body)}</div>` +
              (i.when ? `<div class="digest-when">${escapeHtml(i.when)}</div>` : '') +
              `</div>`,
          )
          .join(''),
    )
    .join('');
}

/** The HTML and plain-text parts; both carry the same links (the unsubscribe one as `UNSUBSCRIBE_SLOT`). */
export function renderEmail(model: EmailModel): { html: string; text: string } {
  const layout = model.groups ? 'digest' : 'notification';
  const f = model.footer;
  const ctaUrl = safeLink(model.cta.url, f.siteUrl);
  const html = fillSlots(
    COMPILED[layout][model.dir],
    {
      lang: model.lang,
      subject: model.subject,
      preheader: model.preheader,
      heading: model.heading,
      ctaUrl,
      ctaLabel: model.cta.label,
      ctaFallback: model.cta.fallback,
      brand: f.brand,
      siteUrl: safeLink(f.siteUrl, 'https://invalid.example'),
      why: f.why,
      unsubscribeUrl: UNSUBSCRIBE_SLOT,
      unsubscribeLabel: f.unsubscribeLabel,
      preferencesUrl: safeLink(f.preferencesUrl, f.siteUrl),
      preferencesLabel: f.preferencesLabel,
      identity: f.identity,
    },
    {
      message: paragraphsHtml(model.paragraphs),
      context: model.context ? contextHtml(model.context) : '',
      groups: model.groups ? groupsHtml(model.groups) : '',
    },
  );
  const lines = [f.brand, '', model.heading, '', ...model.paragraphs];
  if (model.context) {
    lines.push('', `${model.context.label}: ${model.context.name}`);
    for (const row of model.context.rows) lines.push(`${row.label}: ${row.value}`);
  }
  for (const group of model.groups ?? []) {
    lines.push('', group.heading.toUpperCase());
    for (const item of group.items) lines.push(`- ${item.title}: ${item.body}${item.when ? ` (${item.when})` : ''}`);
  }
  lines.push('', `${model.cta.label}: ${ctaUrl}`, '', '--', f.why);
  lines.push(`${f.unsubscribeLabel}: ${UNSUBSCRIBE_SLOT}`, `${f.preferencesLabel}: ${f.preferencesUrl}`, f.identity);
  return { html, text: `${lines.join('\n')}\n` };
}

export type FinishedEmail = { ok: true; html: string; text: string } | { ok: false; reason: string };

/**
 * Puts the unsubscribe URL (minted at send time) into a rendered email. Marketing email without an https one-click
 * URL (RFC 8058 requires https) is refused with a reason for the delivery record, not thrown: the job is not retried.
 * `allowLoopbackHttp` (the emulators and the local run only, whose every URL is loopback http) accepts
 * http://127.0.0.1 or http://localhost as well; no other http URL. Emails rendered before the slot existed pass through
 * unchanged.
 */
export function finishEmail(
  content: { html: string; text: string },
  options: { unsubscribeUrl: string | undefined; category: string; allowLoopbackHttp?: boolean },
): FinishedEmail {
  const url = options.unsubscribeUrl;
  const https = url !== undefined && /^https:\/\/[^\s"<>]+$/.test(url);
  const loopback =
    options.allowLoopbackHttp === true &&
    url !== undefined &&
    /^http:\/\/(127\.0\.0\.1|localhost)(:[0-9]+)?\/[^\s"<>]*$/.test(url);
  if (!https && !loopback && (MARKETING_CATEGORIES as readonly string[]).includes(options.category))
    return { ok: false, reason: 'no-https-unsubscribe' };
  return {
    ok: true,
    html: content.html.replaceAll(UNSUBSCRIBE_SLOT, escapeHtml(url ?? '')),
    text: content.text.replaceAll(UNSUBSCRIBE_SLOT, url ?? ''),
  };
}
