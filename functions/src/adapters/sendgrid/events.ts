import { z } from 'zod';
import type { ProviderEvent, ProviderWebhook } from '../../ports.js';
import type { DeliveryStatus } from '../../domain/delivery.js';
import { CATEGORIES } from '../../domain/channels.js';
import { describeIssues } from '../../domain/validation.js';
import { SENDGRID_SIGNATURE_HEADER, SENDGRID_TIMESTAMP_HEADER, isValidSendgridSignature } from './signature.js';

/** One SendGrid event; the custom args we send (deliveryId, uid, notificationCategory) arrive as top-level fields. */
export const sendgridEventSchema = z.looseObject({
  event: z.string().min(1),
  email: z.string().min(1),
  timestamp: z.number(),
  sg_event_id: z.string().optional(),
  sg_message_id: z.string().optional(),
  reason: z.string().optional(),
  url: z.string().optional(),
  deliveryId: z.string().optional(),
  uid: z.string().optional(),
  notificationCategory: z.enum(CATEGORIES).optional(),
});
export const sendgridEventsSchema = z.array(sendgridEventSchema).max(5000);
export type SendgridEvent = z.infer<typeof sendgridEventSchema>;

/** SendGrid event webhook `event` → delivery status; engagement and suppression events that move no status → undefined. */
export function statusFromSendgrid(event: string): DeliveryStatus | undefined {
  switch (event) {
    case 'processed':
      return 'sent';
    case 'delivered':
      return 'delivered';
    case 'open':
      return 'opened';
    case 'click':
      return 'clicked';
    case 'bounce':
    case 'dropped':
      return 'failed';
    default:
      return undefined;
  }
}

/** SendGrid events after which we must not mail that address again. */
export const SUPPRESSING_EMAIL_EVENTS = new Set(['bounce', 'spamreport']);

/**
 * One SendGrid event in delivery terms: always one `delivery` event (so a post's counts are per SendGrid event), led
 * by a suppression (bounce, spam report) or an unsubscribe (SendGrid's own link or group unsubscribe) when it is one.
 */
export function deliveryEvents(event: SendgridEvent): ProviderEvent[] {
  const at = new Date(event.timestamp * 1000);
  const out: ProviderEvent[] = [];
  if (SUPPRESSING_EMAIL_EVENTS.has(event.event)) {
    out.push({
      kind: 'email-suppressed',
      email: event.email,
      reason: event.event,
      ...(event.deliveryId !== undefined ? { deliveryId: event.deliveryId } : {}),
    });
  }
  if (event.event === 'unsubscribe' && event.uid !== undefined)
    out.push({ kind: 'unsubscribed', uid: event.uid, category: event.notificationCategory ?? 'all' });
  const status = statusFromSendgrid(event.event);
  const timestampField =
    event.event === 'spamreport' ? 'spamReportedAt' : event.event === 'unsubscribe' ? 'unsubscribedAt' : undefined;
  // Bounces and drops end the delivery; a deferral is SendGrid retrying a slow receiving server.
  const failure = event.event === 'bounce' || event.event === 'dropped' || event.event === 'deferred';
  out.push({
    kind: 'delivery',
    provider: 'sendgrid',
    deliveryId: event.deliveryId,
    ...(status ? { status } : {}),
    at,
    ...(timestampField ? { timestampField } : {}),
    ...(failure
      ? {
          failure: {
            code: event.event,
            message: event.reason ?? event.event,
            transient: event.event === 'deferred',
            ...(event.sg_event_id ? { providerEventId: event.sg_event_id } : {}),
          },
        }
      : {}),
    fields: {
      lastProviderEvent: event.event,
      ...(event.event === 'bounce' || event.event === 'dropped'
        ? { reason: `sendgrid-${event.event}${event.reason ? `: ${event.reason}` : ''}` }
        : {}),
    },
  });
  return out;
}

/** SendGrid's signed Event Webhook (Mail Settings → Event Webhook): a JSON array of events, ECDSA-signed. */
export function sendgridEventsWebhook(options: { publicKey: () => string }): ProviderWebhook {
  return {
    async parse(request, now) {
      const valid =
        request.method === 'POST' &&
        (await isValidSendgridSignature({
          publicKey: options.publicKey(),
          rawBody: request.rawBody,
          signature: request.headers[SENDGRID_SIGNATURE_HEADER],
          timestamp: request.headers[SENDGRID_TIMESTAMP_HEADER],
          now,
        }));
      if (!valid) return { ok: false, status: 403, message: 'forbidden' };
      let json: unknown;
      try {
        json = JSON.parse(request.rawBody.toString('utf8'));
      } catch {
        return { ok: false, status: 400, message: 'body: not JSON' };
      }
      const events = sendgridEventsSchema.safeParse(json);
      if (!events.success) return { ok: false, status: 400, message: describeIssues('body', events.error) };
      return { ok: true, events: events.data.flatMap(deliveryEvents) };
    },
    respond: (outcome) => {
      const applied = outcome.deliveries.filter((r) => r === 'updated').length;
      return {
        contentType: 'application/json',
        body: JSON.stringify({ applied, ignored: outcome.deliveries.length - applied }),
      };
    },
  };
}
