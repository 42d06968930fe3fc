import type { Category } from '../channels.js';

/** The small HTML pages of the email unsubscribe endpoint (every value escaped). */

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
  `<title>${escapeHtml(title)}</title></head>` +
  `<body style="font-family:system-ui;max-width:32rem;margin:3rem auto"><h1>${escapeHtml(title)}</h1>${body}</body></html>`;

export const unsubscribePages = {
  invalid: (expired: boolean) =>
    page(
      'Unsubscribe',
      `<p>${expired ? 'This unsubscribe link has expired. Change your email settings in the app.' : 'This unsubscribe link is not valid.'}</p>`,
    ),
  /** GET: a confirmation (mail scanners follow links, so a GET changes nothing). */
  confirm: (token: string, category: Category) => {
    const hidden = `<input type="hidden" name="token" value="${escapeHtml(token)}">`;
    return page(
      'Unsubscribe',
      `<p>Stop ${escapeHtml(category)} emails?</p>` +
        `<form method="post">${hidden}<button name="scope" value="${escapeHtml(category)}">Unsubscribe from ${escapeHtml(category)} emails</button></form>` +
        `<form method="post">${hidden}<button name="scope" value="all">Unsubscribe from all emails</button></form>`,
    );
  },
  done: (scope: Category | 'all') =>
    page(
      'Unsubscribed',
      `<p>You will no longer receive ${scope === 'all' ? 'any' : escapeHtml(scope)} emails from us.</p>`,
    ),
};
