import type { IncomingMessage, ServerResponse } from 'node:http';
import { onRequest } from 'firebase-functions/v2/https';
import type { z } from 'zod';
import { secrets } from '../config.js';
import { CATEGORIES } from '../domain/channels.js';
import { describeIssues, isDocId } from '../domain/validation.js';
import { AppError } from '../domain/errors.js';
import { verifyUnsubscribeToken } from '../domain/delivery/unsubscribeToken.js';
import { sendgridEventsSchema, twilioInboundSchema, twilioStatusSchema } from '../app/delivery/providerEvents.js';
import { isValidTwilioSignature } from '../adapters/twilio/twilioSignature.js';
import { SENDGRID_SIGNATURE_HEADER, SENDGRID_TIMESTAMP_HEADER, isValidSendgridSignature } from '../adapters/sendgrid/sendgridSignature.js';
import type { Services } from '../composition/services.js';
import { REGION } from './options.js';
import { services } from './runtime.js';

/**
 * Provider webhooks and the unsubscribe endpoint (HTTPS functions). Every post is authenticated before anything is
 * read or written: X-Twilio-Signature for Twilio, the ECDSA signature for SendGrid, an HMAC token for unsubscribe.
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
      s.infra.logger.error(`${name} failed`, { error: error instanceof Error ? error.stack ?? error.message : String(error) });
      if (!res.headersSent) reply(res as unknown as ServerResponse, 500, 'internal error');
    }
  });
}

async function twilioVerified(req: WebhookRequest, s: Services, functionName: string): Promise<Record<string, string> | undefined> {
  if (req.method !== 'POST') return undefined;
  const params = formParams(req.rawBody);
  const valid = await isValidTwilioSignature({
    authToken: s.delivery.settings.twilioAuthToken(),
    signature: header(req, 'x-twilio-signature'),
    url: publicUrl(s, functionName, req),
    params,
  });
  return valid ? params : undefined;
}

function parsed<S extends z.ZodType>(schema: S, input: unknown, res: ServerResponse): z.output<S> | undefined {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  reply(res, 400, describeIssues('body', result.error));
  return undefined;
}

/** Twilio message status callback: `…/twilioStatus?deliveryId=…` (set per message when sending). */
export const twilioStatus = webhook('twilioStatus', ['TWILIO_AUTH_TOKEN'], async (req, res, s) => {
  const params = await twilioVerified(req, s, 'twilioStatus');
  if (!params) return reply(res, 403, 'forbidden');
  const deliveryId = queryOf(req).get('deliveryId');
  if (!deliveryId) return reply(res, 400, 'query.deliveryId: required');
  // A signed URL can still carry an id we never issued (a/b, ..): refused, never used as a path.
  if (!isDocId(deliveryId, 300)) return reply(res, 400, 'query.deliveryId: must be a delivery id');
  const body = parsed(twilioStatusSchema, params, res);
  if (!body) return;
  const result = await s.delivery.events.twilioStatus(deliveryId, body);
  // An unknown delivery is still a 200: Twilio would otherwise retry a callback we can never place.
  reply(res, 200, result);
});

const twiml = (message?: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Response>${message ? `<Message>${escapeHtml(message)}</Message>` : ''}</Response>`;

/** Inbound SMS (the number's "A message comes in" webhook): STOP / START / HELP. */
export const twilioInbound = webhook('twilioInbound', ['TWILIO_AUTH_TOKEN'], async (req, res, s) => {
  const params = await twilioVerified(req, s, 'twilioInbound');
  if (!params) return reply(res, 403, 'forbidden');
  const body = parsed(twilioInboundSchema, params, res);
  if (!body) return;
  const { reply: text } = await s.delivery.events.twilioInbound(body);
  // STOP/START confirmations are sent by Twilio's Advanced Opt-Out; we answer HELP ourselves.
  reply(res, 200, twiml(text), 'text/xml');
});

/** SendGrid signed event webhook. */
export const sendgridEvents = webhook('sendgridEvents', ['SENDGRID_WEBHOOK_PUBLIC_KEY'], async (req, res, s) => {
  const rawBody = req.rawBody ?? Buffer.alloc(0);
  const valid =
    req.method === 'POST' &&
    (await isValidSendgridSignature({
      publicKey: s.delivery.settings.sendgridWebhookPublicKey(),
      rawBody,
      signature: header(req, SENDGRID_SIGNATURE_HEADER),
      timestamp: header(req, SENDGRID_TIMESTAMP_HEADER),
      now: s.infra.clock.now(),
    }));
  if (!valid) return reply(res, 403, 'forbidden');
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    return reply(res, 400, 'body: not JSON');
  }
  const events = parsed(sendgridEventsSchema, json, res);
  if (!events) return;
  const result = await s.delivery.events.sendgridEvents(events);
  reply(res, 200, JSON.stringify(result), 'application/json');
});

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
