import type { IncomingMessage, ServerResponse } from 'node:http';
import { onRequest } from 'firebase-functions/v2/https';
import { secrets } from '../config.js';
import { CATEGORIES } from '../domain/channels.js';
import { AppError, errorText } from '../domain/errors.js';
import { verifyUnsubscribeToken } from '../domain/delivery/unsubscribeToken.js';
import type { Services } from '../composition/services.js';
import { REGION } from './options.js';
import { services } from './runtime.js';

/**
 * Provider webhooks and the unsubscribe endpoint (HTTPS functions). Every post is authenticated before anything is
 * read or written: X-Twilio-Signature for Twilio, the ECDSA signature for SendGrid (each checked in its provider's
 * folder), an HMAC token for unsubscribe.
 * Written against Node's own req/res (Cloud Functions passes Express objects, which extend them; tests pass a plain
 * http server's), with the raw body Cloud Functions keeps in `rawBody`.
 */
type WebhookRequest = IncomingMessage & { rawBody?: Buffer };

function reply(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.end(body);
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
};

const formParams = (raw: Buffer | undefined): Record<string, string> => Object.fromEntries(new URLSearchParams(raw?.toString('utf8') ?? ''));
const queryOf = (req: IncomingMessage) => new URL(req.url ?? '/', 'http://localhost').searchParams;

/** The URL the provider called, as it was configured (PUBLIC_BASE_URL + function name + the query it carried). */
function publicUrl(s: Services, functionName: string, req: IncomingMessage): string {
  const search = new URL(req.url ?? '/', 'http://localhost').search;
  return `${s.delivery.settings.publicBaseUrl().replace(/\/$/, '')}/${functionName}${search}`;
}

function webhook(name: string, secretNames: (keyof typeof secrets)[], handle: (req: WebhookRequest, res: ServerResponse, s: Services) => Promise<void>) {
  return onRequest({ region: REGION, secrets: secretNames.map((n) => secrets[n]) }, async (req, res) => {
    const s = services();
    try {
      await handle(req as unknown as WebhookRequest, res as unknown as ServerResponse, s);
    } catch (error) {
      // Bad input is the caller's: 400 naming the field (a retry would not help). Never a path or a stack.
      if (error instanceof AppError && error.code === 'invalid-argument') {
        if (!res.headersSent) reply(res as unknown as ServerResponse, 400, error.message);
        return;
      }
      // 500 makes the provider retry later (both Twilio and SendGrid do); the handlers are idempotent.
      s.infra.logger.error(`${name} failed`, { error: errorText(error, { stack: true }) });
      if (!res.headersSent) reply(res as unknown as ServerResponse, 500, 'internal error');
    }
  });
}

/** The headers a provider's parser reads, lower-case, one value each. */
const headersOf = (req: IncomingMessage): Record<string, string | undefined> =>
  Object.fromEntries(Object.keys(req.headers).map((name) => [name, header(req, name)]));

/**
 * A provider's webhook: its folder (src/adapters/<provider>/) authenticates, validates and translates the post, delivery
 * policy applies it (s.delivery.events), and the answer goes back in the provider's format (TwiML, JSON).
 */
function providerWebhook(name: string, secretNames: (keyof typeof secrets)[]) {
  return webhook(name, secretNames, async (req, res, s) => {
    const answer = await s.delivery.events.receive(name, {
      method: req.method ?? 'GET',
      url: publicUrl(s, name, req),
      headers: headersOf(req),
      rawBody: req.rawBody ?? Buffer.alloc(0),
    });
    reply(res, answer.status, answer.body, answer.contentType);
  });
}

/** Twilio message status callback: `…/twilioStatus?deliveryId=…` (set per message when sending). */
export const twilioStatus = providerWebhook('twilioStatus', ['TWILIO_AUTH_TOKEN']);

/** Inbound SMS (the number's "A message comes in" webhook): STOP / START / HELP. */
export const twilioInbound = providerWebhook('twilioInbound', ['TWILIO_AUTH_TOKEN']);

/** SendGrid signed event webhook. */
export const sendgridEvents = providerWebhook('sendgridEvents', ['SENDGRID_WEBHOOK_PUBLIC_KEY']);

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title></head>` +
  `<body style="font-family:system-ui;max-width:32rem;margin:3rem auto"><h1>${escapeHtml(title)}</h1>${body}</body></html>`;

/**
 * Email unsubscribe (List-Unsubscribe target). GET shows a confirmation page and changes nothing (mail scanners
 * follow links); POST unsubscribes: the RFC 8058 one-click post (`List-Unsubscribe=One-Click`) or the page's form
 * (`scope=all` turns email off for every category).
 */
export const unsubscribe = webhook('unsubscribe', ['UNSUBSCRIBE_SIGNING_KEY'], async (req, res, s) => {
  const form = req.method === 'POST' ? formParams(req.rawBody) : {};
  const token = queryOf(req).get('token') ?? form.token ?? '';
  const check = verifyUnsubscribeToken(token, s.delivery.settings.unsubscribeKey(), s.infra.clock.now());
  if (!check.ok) {
    const text = check.reason === 'expired' ? 'This unsubscribe link has expired. Change your email settings in the app.' : 'This unsubscribe link is not valid.';
    return reply(res, check.reason === 'expired' ? 410 : 403, page('Unsubscribe', `<p>${text}</p>`), 'text/html; charset=utf-8');
  }
  const { uid, category } = check.claims;
  if (req.method === 'GET') {
    const hidden = `<input type="hidden" name="token" value="${escapeHtml(token)}">`;
    return reply(res, 200, page('Unsubscribe', `<p>Stop ${escapeHtml(category)} emails?</p>` +
      `<form method="post">${hidden}<button name="scope" value="${escapeHtml(category)}">Unsubscribe from ${escapeHtml(category)} emails</button></form>` +
      `<form method="post">${hidden}<button name="scope" value="all">Unsubscribe from all emails</button></form>`), 'text/html; charset=utf-8');
  }
  if (req.method !== 'POST') return reply(res, 405, 'method not allowed');
  const scope = form.scope === 'all' ? 'all' : (CATEGORIES as readonly string[]).includes(form.scope ?? '') ? (form.scope as typeof category) : category;
  await s.delivery.events.unsubscribe(uid, scope);
  s.infra.logger.info('email unsubscribe', { uid, scope, oneClick: form['List-Unsubscribe'] === 'One-Click' });
  reply(res, 200, page('Unsubscribed', `<p>You will no longer receive ${scope === 'all' ? 'any' : escapeHtml(scope)} emails from us.</p>`), 'text/html; charset=utf-8');
});
