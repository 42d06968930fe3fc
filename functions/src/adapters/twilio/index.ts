import type { DeliveryInfra } from '../../ports.js';
import type { TwilioClientOptions } from './client.js';
import { TwilioClientFactory } from './client.js';
import { twilioInboundWebhook } from './inbound.js';
import type { TwilioSenderOptions } from './sms.js';
import { TwilioSmsSender } from './sms.js';
import { twilioStatusWebhook } from './statusCallback.js';
import { TwilioVerifier } from './verify.js';

/**
 * Twilio, the SMS provider: Programmable Messaging (sms.ts), Verify (verify.ts), error classification (errors.ts),
 * the status callback and inbound SMS webhooks (statusCallback.ts, inbound.ts, twiml.ts), all on one lazily built
 * client (client.ts). The composition root calls this once per environment with secrets read at call time.
 */
export function twilioProvider(
  options: Omit<TwilioClientOptions, 'credentials'> &
    TwilioSenderOptions & {
      /** Secrets, read when a call needs them: a webhook reads only the auth token, the one secret its function has. */
      accountSid: () => string;
      authToken: () => string;
      verifyServiceSid: () => string;
    },
) {
  const { accountSid, authToken, sender, verifyServiceSid, ...client } = options;
  const clients = new TwilioClientFactory({
    ...client,
    credentials: () => ({ accountSid: accountSid(), authToken: authToken() }),
  });
  return {
    sms: new TwilioSmsSender(clients, { sender }),
    smsVerifier: new TwilioVerifier(clients, verifyServiceSid),
    webhooks: twilioWebhooks({ authToken }),
  } satisfies Partial<DeliveryInfra>;
}

/** The webhooks alone (they need only the auth token): HTTPS function name → parser. */
export function twilioWebhooks(options: { authToken: () => string }) {
  return { twilioStatus: twilioStatusWebhook(options), twilioInbound: twilioInboundWebhook(options) };
}

export { TwilioClientFactory } from './client.js';
export type { RequestClientClass, TwilioClientOptions, TwilioCredentials } from './client.js';
export { TwilioSmsSender } from './sms.js';
export { TwilioVerifier } from './verify.js';
export { twilioError } from './errors.js';
export { isValidTwilioSignature } from './signature.js';
