import { z } from 'zod';
import type { ProviderEvent, ProviderWebhook } from '../../ports.js';
import { DELIVERY_ID_MAX } from '../../domain/delivery.js';
import type { DeliveryStatus } from '../../domain/delivery.js';
import { isDocId } from '../../domain/validation.js';
import { FORBIDDEN, formFields, verifiedForm } from './webhook.js';

/** Twilio status callback (form fields; the delivery id comes from the callback URL's query, which Twilio signs). */
export const twilioStatusSchema = z.object({
  MessageSid: z.string().min(1),
  MessageStatus: z.string().min(1),
  ErrorCode: z.string().optional(),
  /** Twilio includes price only on some callbacks (negative decimal string, e.g. "-0.00790"). */
  Price: z.string().optional(),
  PriceUnit: z.string().optional(),
});

/**
 * Twilio message statuses (status callback `MessageStatus`) → delivery statuses. Twilio's own early states
 * (accepted, queued, sending) mean "accepted by Twilio", which the send already recorded as `sent`.
 */
export function statusFromTwilio(status: string): DeliveryStatus | undefined {
  switch (status) {
    case 'accepted':
    case 'scheduled':
    case 'queued':
    case 'sending':
    case 'sent':
      return 'sent';
    case 'delivered':
    case 'read':
      return 'delivered';
    case 'undelivered':
      return 'undelivered';
    case 'failed':
    case 'canceled':
      return 'failed';
    default:
      return undefined;
  }
}

/** One status callback in delivery terms: the status, Twilio's error code as a failure, the price once. */
export function statusEvent(deliveryId: string, body: z.infer<typeof twilioStatusSchema>): ProviderEvent {
  const status = statusFromTwilio(body.MessageStatus);
  const price = body.Price ? Math.abs(Number(body.Price)) : undefined;
  // Twilio accepted the message, then could not get it to the handset: an error of this delivery like any other.
  const failed = status === 'failed' || status === 'undelivered';
  return {
    kind: 'delivery',
    provider: 'twilio',
    deliveryId,
    providerMessageId: body.MessageSid,
    ...(status ? { status } : {}),
    ...(failed
      ? {
          failure: {
            code: body.ErrorCode ?? body.MessageStatus,
            message: `message ${body.MessageStatus}`,
            transient: false,
          },
        }
      : {}),
    fields: { providerStatus: body.MessageStatus, ...(body.ErrorCode ? { providerErrorCode: body.ErrorCode } : {}) },
    ...(price !== undefined && !Number.isNaN(price)
      ? { cost: { amount: price, currency: body.PriceUnit ?? 'USD' } }
      : {}),
  };
}

/** `…/twilioStatus?deliveryId=…`, set per message when sending (src/adapters/twilio/sms.ts is given the URL). */
export function twilioStatusWebhook(options: { authToken: () => string }): ProviderWebhook {
  return {
    async parse(request) {
      const params = await verifiedForm(request, options.authToken);
      if (!params) return FORBIDDEN;
      const deliveryId = new URL(request.url).searchParams.get('deliveryId');
      if (!deliveryId) return { ok: false, status: 400, message: 'query.deliveryId: required' };
      // A signed URL can still carry an id we never issued (a/b, ..): refused, never used as a path.
      if (!isDocId(deliveryId, DELIVERY_ID_MAX))
        return { ok: false, status: 400, message: 'query.deliveryId: must be a delivery id' };
      const body = formFields(twilioStatusSchema, params);
      return body.ok ? { ok: true, events: [statusEvent(deliveryId, body.data)] } : body;
    },
    // An unknown delivery is still a 200 (the wrapper's status): Twilio would otherwise retry a callback we can never place.
    respond: (outcome) => ({ contentType: 'text/plain; charset=utf-8', body: outcome.deliveries[0] ?? 'ignored' }),
  };
}
