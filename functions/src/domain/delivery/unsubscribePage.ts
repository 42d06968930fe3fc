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
