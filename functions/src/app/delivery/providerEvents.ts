import { z } from 'zod';
import type { Clock, Logger } from '../../ports.js';
import { fieldOps } from '../../ports.js';
import { CATEGORIES } from '../../domain/channels.js';
import type { Category } from '../../domain/channels.js';
import { paths } from '../../domain/paths.js';
import { SUPPRESSING_EMAIL_EVENTS, statusFromSendgrid, statusFromTwilio } from '../../domain/delivery/providerStatus.js';
import { smsKeyword } from '../../domain/delivery/phone.js';
import { isDocId } from '../../domain/validation.js';
import type { SmsKeyword } from '../../domain/delivery/phone.js';
import type { DeliveryRepo } from './deliveryRepo.js';
import type { ContactPoints } from './contactPoints.js';

/** Twilio status callback (form fields; the delivery id comes from the callback URL's query). */
export const twilioStatusSchema = z.object({
  MessageSid: z.string().min(1),
  MessageStatus: z.string().min(1),
  ErrorCode: z.string().optional(),
  /** Twilio includes price only on some callbacks (negative decimal string, e.g. "-0.00790"). */
  Price: z.string().optional(),
  PriceUnit: z.string().optional(),
});

export const twilioInboundSchema = z.object({
  From: z.string().min(1),
  Body: z.string(),
  MessageSid: z.string().optional(),
});

/** One SendGrid event; custom args (deliveryId, uid, notificationCategory) arrive as top-level fields. */
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

/** Turning a channel off for a category: the pipeline's PreferencesRepo.setChannel. */
export interface PreferenceSwitch {
  setChannel(uid: string, categoryOrType: string, channel: 'email' | 'sms' | 'push' | 'inApp', enabled: boolean): Promise<unknown>;
}

export type InboundReply = { keyword: SmsKeyword | undefined; reply?: string };

export const HELP_REPLY = 'Craft alerts: outbid, order and payment notices. Msg&data rates may apply. Reply STOP to opt out, START to opt back in.';

/** What providers tell us after the send: Twilio status callbacks and inbound keywords, SendGrid events. */
export class ProviderEvents {
  constructor(
    private readonly repo: DeliveryRepo,
    private readonly contacts: ContactPoints,
    private readonly preferences: PreferenceSwitch,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async twilioStatus(deliveryId: string, body: z.infer<typeof twilioStatusSchema>): Promise<'updated' | 'missing' | 'ignored'> {
    const status = statusFromTwilio(body.MessageStatus);
    const now = this.clock.now();
    const price = body.Price ? Math.abs(Number(body.Price)) : undefined;
    // Twilio accepted the message, then could not get it to the handset: an error of this delivery like any other.
    const failed = status === 'failed' || status === 'undelivered';
    const error = failed
      ? { at: now, provider: 'twilio' as const, code: body.ErrorCode ?? body.MessageStatus, message: `message ${body.MessageStatus}`, transient: false }
      : undefined;
    return this.repo.applyProviderEvent(
      deliveryId,
      {
        ...(status ? { status } : {}),
        at: now,
        fields: { providerStatus: body.MessageStatus, ...(body.ErrorCode ? { providerErrorCode: body.ErrorCode } : {}) },
        ...(error ? { error } : {}),
      },
      (doc) => {
        if (doc.providerMessageId && doc.providerMessageId !== body.MessageSid) {
          this.logger.warn('status callback for another message', { deliveryId, sid: body.MessageSid });
          return { fields: {} };
        }
        if (price === undefined || Number.isNaN(price) || doc.price !== undefined) return undefined;
        // Price arrives once per message; the per-user daily cost grows with it in the same transaction.
        const day = (doc.timestamps?.sentAt ?? now).toISOString().slice(0, 10);
        const unit = body.PriceUnit ?? 'USD';
        return {
          fields: { price, priceUnit: unit },
          also: (tx) =>
            tx.set(`${paths.user(doc.uid)}/deliveryCosts/${day}`, { day, sms: { count: fieldOps.increment(1), cost: fieldOps.increment(price) }, unit }, { merge: true }),
        };
      },
    );
  }

  async twilioInbound(body: z.infer<typeof twilioInboundSchema>): Promise<InboundReply> {
    const keyword = smsKeyword(body.Body);
    if (keyword === 'stop') await this.contacts.setSmsOptOut(body.From, true, 'sms-stop');
    if (keyword === 'start') await this.contacts.setSmsOptOut(body.From, false, 'sms-start');
    this.logger.info('inbound sms', { keyword: keyword ?? 'none' });
    return { keyword, ...(keyword === 'help' ? { reply: HELP_REPLY } : {}) };
  }

  async sendgridEvents(events: z.infer<typeof sendgridEventsSchema>): Promise<{ applied: number; ignored: number }> {
    let applied = 0;
    let ignored = 0;
    for (const event of events) {
      const at = new Date(event.timestamp * 1000);
      if (SUPPRESSING_EMAIL_EVENTS.has(event.event)) await this.contacts.suppressEmail(event.email, event.event, event.deliveryId);
      // Custom args we set; one that is not an id (a/b, ..) is ignored rather than used as a path.
      if (event.event === 'unsubscribe' && isDocId(event.uid)) await this.unsubscribe(event.uid, event.notificationCategory ?? 'all');
      if (!isDocId(event.deliveryId, 300)) {
        ignored++;
        continue;
      }
      const status = statusFromSendgrid(event.event);
      const timestampField = event.event === 'spamreport' ? 'spamReportedAt' : event.event === 'unsubscribe' ? 'unsubscribedAt' : undefined;
      // Bounces and drops end the delivery; a deferral is SendGrid retrying a slow receiving server.
      const failure = event.event === 'bounce' || event.event === 'dropped' || event.event === 'deferred';
      const error = failure
        ? {
          at, provider: 'sendgrid' as const, code: event.event, message: event.reason ?? event.event, transient: event.event === 'deferred',
          ...(event.sg_event_id ? { providerEventId: event.sg_event_id } : {}),
        }
        : undefined;
      const result = await this.repo.applyProviderEvent(event.deliveryId, {
        ...(status ? { status } : {}),
        at,
        ...(timestampField ? { timestampField } : {}),
        ...(error ? { error } : {}),
        fields: {
          lastProviderEvent: event.event,
          ...(event.event === 'bounce' || event.event === 'dropped' ? { reason: `sendgrid-${event.event}${event.reason ? `: ${event.reason}` : ''}` } : {}),
        },
      });
      if (result === 'updated') applied++;
      else ignored++;
    }
    return { applied, ignored };
  }

  /** Email off for one category, or for every category. */
  async unsubscribe(uid: string, scope: Category | 'all'): Promise<void> {
    for (const category of scope === 'all' ? CATEGORIES : [scope]) await this.preferences.setChannel(uid, category, 'email', false);
  }
}
