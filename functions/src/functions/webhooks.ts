import { httpEndpoint } from './triggers.js';
import type { HttpRequest } from './triggers.js';
import type { UseCases } from './runtime.js';

/**
 * Provider webhooks and the unsubscribe endpoint (HTTPS functions). Every post is authenticated before anything is
 * read or written: X-Twilio-Signature for Twilio and the ECDSA signature for SendGrid (each checked in its provider's
 * folder, src/adapters/<provider>/), an HMAC token for unsubscribe.
 */

/** The URL the provider called, as it was configured (PUBLIC_BASE_URL + function name + the query it carried): Twilio signs it. */
const publicUrl = (s: UseCases, name: string, request: HttpRequest) =>
  `${s.delivery.settings.publicBaseUrl().replace(/\/$/, '')}/${name}${new URL(request.url, 'http://localhost').search}`;

/**
 * A provider's webhook: its folder authenticates and translates the post, delivery policy applies it, and the answer
 * goes back in the provider's format (TwiML, JSON).
 */
const providerWebhook = (name: string, secret: 'TWILIO_AUTH_TOKEN' | 'SENDGRID_WEBHOOK_PUBLIC_KEY') =>
  httpEndpoint(
    name,
    (request, s) => s.delivery.events.receive(name, { ...request, url: publicUrl(s, name, request) }),
    { secrets: [secret] },
  );

/** Twilio message status callback: `…/twilioStatus?deliveryId=…` (set per message when sending). */
export const twilioStatus = providerWebhook('twilioStatus', 'TWILIO_AUTH_TOKEN');

/** Inbound SMS (the number's "A message comes in" webhook): STOP / START / HELP. */
export const twilioInbound = providerWebhook('twilioInbound', 'TWILIO_AUTH_TOKEN');

/** SendGrid signed event webhook. */
export const sendgridEvents = providerWebhook('sendgridEvents', 'SENDGRID_WEBHOOK_PUBLIC_KEY');

/** Email unsubscribe (the List-Unsubscribe target): src/app/delivery/unsubscribe.ts. */
export const unsubscribe = httpEndpoint(
  'unsubscribe',
  (request, s) =>
    s.delivery.unsubscribe.handle({
      method: request.method,
      queryToken: new URL(request.url, 'http://localhost').searchParams.get('token') ?? undefined,
      form: request.method === 'POST' ? Object.fromEntries(new URLSearchParams(request.rawBody.toString('utf8'))) : {},
      acceptLanguage: request.headers['accept-language'],
    }),
  { secrets: ['UNSUBSCRIBE_SIGNING_KEY'] },
);
