import type { DeliveryInfra } from '../../ports.js';
import type { SendgridOptions } from './email.js';
import { SendgridEmailSender } from './email.js';
import { sendgridEventsWebhook } from './events.js';

/**
 * SendGrid, the email provider: mail/send (email.ts), error classification (errors.ts), the signed Event Webhook with
 * its status mapping and suppressions (events.ts, signature.ts). The composition root calls this once per environment.
 */
export function sendgridProvider(options: SendgridOptions & { webhookPublicKey: () => string }) {
  const { webhookPublicKey, ...email } = options;
  return {
    email: new SendgridEmailSender(email),
    webhooks: sendgridWebhooks({ publicKey: webhookPublicKey }),
  } satisfies Partial<DeliveryInfra>;
}

/** The webhook alone (it needs only the verification key): HTTPS function name → parser. */
export function sendgridWebhooks(options: { publicKey: () => string }) {
  return { sendgridEvents: sendgridEventsWebhook(options) };
}

export { SendgridEmailSender } from './email.js';
export type { SendgridOptions } from './email.js';
export { sendgridError } from './errors.js';
