import type { Category } from '../channels.js';
import { escapeHtml } from '../email/render.js';
import { textDirection } from '../i18n/format.js';
import { BRAND, LOCALES, fill, formattingLocale, resolveLocale } from '../notifications/templates.js';

/**
 * The small HTML pages of the email unsubscribe endpoint, in the reader's language (`locale`: the user's profile
 * locale where the endpoint knows it; English otherwise), right to left for Arabic. Every value is escaped.
 */

function page(locale: string | undefined, title: string, body: string): string {
  const lang = formattingLocale(locale);
  return (
    `<!doctype html><html lang="${escapeHtml(lang)}" dir="${textDirection(lang)}"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light dark">` +
    `<title>${escapeHtml(title)} · ${BRAND}</title></head>` +
    `<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.5">` +
    `<p style="color:#b4532a;font-weight:700">${BRAND}</p><h1>${escapeHtml(title)}</h1>${body}</body></html>`
  );
}

const texts = (locale: string | undefined) => LOCALES[resolveLocale(locale)];
const categoryName = (locale: string | undefined, category: Category) => texts(locale).email.categories[category];
const say = (locale: string | undefined, text: string, category?: Category) =>
  escapeHtml(fill(text, category ? { category: categoryName(locale, category) } : {}, 'unsubscribePage'));

/**
 * The translated language a browser prefers most (Accept-Language, RFC 9110: by q-value, then order), as a tag the pages
 * format with; undefined (English) when it names none we translate. Only for pages that name no user.
 */
export function localeFromAcceptLanguage(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const translated = (tag: string) => (tag.toLowerCase().split('-')[0] ?? '') in LOCALES;
  const ranked = header
    .slice(0, 1000)
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.split(';').map((p) => p.trim());
      const q = params.map((p) => /^q=([01](?:\.\d{0,3})?)$/i.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag, q: q === undefined ? 1 : Number(q), index };
    })
    .filter(({ tag, q }) => q > 0 && translated(tag))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  return ranked[0] ? formattingLocale(ranked[0].tag) : undefined;
}

export const unsubscribePages = {
  invalid: (expired: boolean, locale?: string) => {
    const t = texts(locale).unsubscribePage;
    return page(locale, t.title, `<p>${escapeHtml(expired ? t.expired : t.invalid)}</p>`);
  },
  /** GET: a confirmation (mail scanners follow links, so a GET changes nothing). */
  confirm: (token: string, category: Category, locale?: string) => {
    const t = texts(locale).unsubscribePage;
    const hidden = `<input type="hidden" name="token" value="${escapeHtml(token)}">`;
    return page(
      locale,
      t.title,
      `<p>${say(locale, t.question, category)}</p>` +
        `<form method="post">${hidden}<button name="scope" value="${escapeHtml(category)}">${say(locale, t.oneCategory, category)}</button></form>` +
        `<form method="post">${hidden}<button name="scope" value="all">${say(locale, t.all)}</button></form>`,
    );
  },
  done: (scope: Category | 'all', locale?: string) => {
    const t = texts(locale).unsubscribePage;
    return page(
      locale,
      t.doneTitle,
      `<p>${scope === 'all' ? say(locale, t.doneAll) : say(locale, t.doneOne, scope)}</p>`,
    );
  },
};
