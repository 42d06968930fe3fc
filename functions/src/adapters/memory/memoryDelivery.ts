import type {
  DeliveryInfra,
  DeliverySettings,
  EmailMessage,
  EmailSender,
  PushMessage,
  PushResult,
  PushSender,
  SmsMessage,
  SmsReceipt,
  SmsSender,
  SmsVerifier,
} from '../../ports.js';
import type { ProviderError } from '../../domain/delivery/providerError.js';
import { fcmError } from '../fcm/errors.js';

/**
 * Sandbox providers for tests and the local run: they capture what would have been sent (the local run writes it to
 * out/), and `fail` lets a test script a provider's answer for the next calls.
 */
type Script<M> = (message: M) => Error | undefined;

export class MemoryPushSender implements PushSender {
  readonly sent: PushMessage[] = [];
  /** Tokens FCM would answer with registration-token-not-registered. */
  readonly deadTokens = new Set<string>();
  fail: Script<PushMessage> | undefined;
  private counter = 0;

  async send(messages: readonly PushMessage[]): Promise<PushResult[]> {
    return messages.map((message) => {
      if (this.deadTokens.has(message.token)) {
        // As FCM answers it, classified by FCM's own folder (a dead token: the device is forgotten).
        return {
          token: message.token,
          ok: false,
          error: fcmError({
            code: 'messaging/registration-token-not-registered',
            message: 'Requested entity was not found.',
          }),
        };
      }
      const error = this.fail?.(message);
      if (error) return { token: message.token, ok: false, error: error as ProviderError };
      this.sent.push(message);
      return { token: message.token, ok: true, messageId: `projects/demo/messages/${++this.counter}` };
    });
  }
}

export class MemorySmsSender implements SmsSender {
  readonly sent: (SmsMessage & { sid: string })[] = [];
  fail: Script<SmsMessage> | undefined;
  private counter = 0;

  async send(message: SmsMessage): Promise<SmsReceipt> {
    const error = this.fail?.(message);
    if (error) throw error;
    const sid = `SM${String(++this.counter).padStart(32, '0')}`;
    this.sent.push({ ...message, sid });
    return { sid, status: 'queued' };
  }
}

export class MemoryEmailSender implements EmailSender {
  readonly sent: (EmailMessage & { messageId: string })[] = [];
  fail: Script<EmailMessage> | undefined;
  private counter = 0;

  async send(message: EmailMessage): Promise<{ messageId: string }> {
    const error = this.fail?.(message);
    if (error) throw error;
    const messageId = `sg-${++this.counter}`;
    this.sent.push({ ...message, messageId });
    return { messageId };
  }
}

/** Twilio Verify sandbox: `codes` holds the code that would have been texted to each number. */
export class MemorySmsVerifier implements SmsVerifier {
  readonly codes = new Map<string, string>();
  private counter = 0;

  async start(phone: string): Promise<{ status: string }> {
    this.codes.set(phone, String(123456 + ++this.counter).slice(-6));
    return { status: 'pending' };
  }

  async check(phone: string, code: string): Promise<{ approved: boolean; status: string }> {
    const approved = this.codes.get(phone) === code;
    if (approved) this.codes.delete(phone);
    return { approved, status: approved ? 'approved' : 'pending' };
  }
}

/**
 * The providers' webhook secrets in memory (the webhooks themselves are the real parsers, wired in
 * src/composition/memory.ts). Tests set their own; the local run has no SendGrid posting to it.
 */
export const memoryWebhookSecrets = () => ({ twilioAuthToken: 'local-twilio-auth-token', sendgridPublicKey: '' });

/** The plain settings come from the composition root (src/config.ts defaults); the secrets are the sandbox's own. */
export const memoryDeliverySettings = (values: {
  publicBaseUrl: string;
  webAppUrl: string;
  fromEmail: string;
}): DeliverySettings => ({
  publicBaseUrl: () => values.publicBaseUrl,
  webAppUrl: () => values.webAppUrl,
  fromEmail: () => values.fromEmail,
  unsubscribeKey: () => 'local-unsubscribe-signing-key',
  // Tests and `npm start` run on loopback http (config.ts's local PUBLIC_BASE_URL): their community email goes out.
  loopbackUnsubscribe: true,
  // Real backoff shape, millisecond delays: tests and the local run do not wait.
  resilience: {
    maxAttempts: 3,
    initialDelayMs: 1,
    maxDelayMs: 5,
    maxRetryAfterMs: 1_000,
    timeoutMs: 2_000,
    breakerThreshold: 5,
    halfOpenAfterMs: 50,
    giveUpAfterAttempts: 9,
  },
});

export function memoryDelivery(values: Parameters<typeof memoryDeliverySettings>[0]) {
  return {
    push: new MemoryPushSender(),
    sms: new MemorySmsSender(),
    smsVerifier: new MemorySmsVerifier(),
    email: new MemoryEmailSender(),
    settings: memoryDeliverySettings(values),
  } satisfies Omit<DeliveryInfra, 'webhooks'>;
}
