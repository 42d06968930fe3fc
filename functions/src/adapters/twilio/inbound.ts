import { z } from 'zod';
import type { ProviderWebhook } from '../../ports.js';
import { FORBIDDEN, formFields, verifiedForm } from './webhook.js';
import { twimlReply } from './twiml.js';

export const twilioInboundSchema = z.object({
  From: z.string().min(1),
  Body: z.string(),
  MessageSid: z.string().optional(),
});

/**
 * Inbound SMS (the number's or Messaging Service's "A message comes in" webhook). What a keyword means (STOP, START,
 * HELP) is policy; Twilio's part is the signed form and the TwiML answer. STOP/START confirmations are sent by
 * Twilio's Advanced Opt-Out; a reply policy returns (HELP) goes back as a TwiML <Message>.
 */
export function twilioInboundWebhook(options: { authToken: () => string }): ProviderWebhook {
  return {
    async parse(request) {
      const params = await verifiedForm(request, options.authToken);
      if (!params) return FORBIDDEN;
      const body = formFields(twilioInboundSchema, params);
      return body.ok
        ? { ok: true, events: [{ kind: 'inbound-sms', from: body.data.From, body: body.data.Body }] }
        : body;
    },
    respond: (outcome) => ({ contentType: 'text/xml', body: twimlReply(outcome.reply) }),
  };
}
