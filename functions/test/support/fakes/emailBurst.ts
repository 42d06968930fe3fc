import { SendgridEmailSender } from '../../../src/adapters/sendgrid/email.js';
import {
  AttemptLog,
  DEFAULT_PACING,
  DEFAULT_RESILIENCE,
  ProviderPolicies,
} from '../../../src/app/delivery/resilience.js';
import type { PacingSettings } from '../../../src/app/delivery/resilience.js';
import type { ResilienceSettings } from '../../../src/ports.js';
import { fakeSendgridRateLimited } from './rateLimited.js';
import { SENDGRID_KEY } from './sendgridServer.js';
import { deliveryId } from '../../../src/domain/delivery.js';

export interface EmailBurstOptions {
  emails: number;
  /** The provider's limit (requests per rolling second). */
  perSecond: number;
  /** Jobs one instance handles at once (Cloud Functions gen2 default: 80). */
  concurrency?: number;
  /** A failed job comes back after this long (Pub/Sub's minimum retry backoff is 10 s). */
  redeliveryDelayMs?: number;
  /** Stop waiting after this long and report what got through. */
  deadlineMs: number;
  resilience?: ResilienceSettings;
  pacing?: PacingSettings;
}

export interface EmailBurstResult {
  sent: number;
  /** Until the last email was accepted (or the deadline). */
  elapsedMs: number;
  /** Recipients the provider accepted more than once. */
  duplicates: number;
  requests: number;
  throttled: number;
  /** Jobs given back to "Pub/Sub" (the handler failed) and delivered again. */
  redeliveries: number;
  breakerOpened: boolean;
}

/**
 * N email jobs arriving at one instance at once, each sent the way a delivery job is (AttemptLog under the shared
 * ProviderPolicies, the real @sendgrid client) to a loopback SendGrid that throttles above `perSecond`. A job whose
 * send fails is redelivered after `redeliveryDelayMs`, as Pub/Sub would.
 */
export async function emailBurst(options: EmailBurstOptions): Promise<EmailBurstResult> {
  const resilience = options.resilience ?? DEFAULT_RESILIENCE;
  const { server, accepted, throttled } = fakeSendgridRateLimited(options.perSecond);
  await server.start();
  const sender = new SendgridEmailSender({
    apiKey: () => SENDGRID_KEY,
    baseUrl: server.url,
    timeoutMs: resilience.timeoutMs,
  });
  const policies = new ProviderPolicies(resilience, options.pacing ?? DEFAULT_PACING);
  const concurrency = options.concurrency ?? 80;
  const redeliveryDelayMs = options.redeliveryDelayMs ?? 10_000;

  const started = Date.now();
  let sent = 0;
  let lastSentAt = started;
  let redeliveries = 0;
  let breakerOpened = false;
  let inFlight = 0;
  const ready: number[] = Array.from({ length: options.emails }, (_, i) => i);
  const attempts = new Map<number, number>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let stopped = false;

  await new Promise<void>((resolve) => {
    const deadline = setTimeout(resolve, options.deadlineMs);
    const run = async (i: number) => {
      const log = new AttemptLog(policies, () => new Date(), attempts.get(i) ?? 0);
      try {
        await log.call('sendgrid', () =>
          sender.send({
            to: `user${i}@example.com`,
            from: 'notifications@craft.example',
            subject: 'Payment failed',
            html: '<p>Payment failed</p>',
            text: 'Payment failed',
            headers: {},
            customArgs: { deliveryId: deliveryId(`evt${i}`, `u${i}`, 'email') },
            categories: ['commerce'],
          }),
        );
        sent++;
        lastSentAt = Date.now();
      } catch {
        if (stopped) return;
        redeliveries++;
        const timer = setTimeout(() => {
          timers.delete(timer);
          ready.push(i);
          next();
        }, redeliveryDelayMs);
        timers.add(timer);
      } finally {
        attempts.set(i, (attempts.get(i) ?? 0) + log.attempts);
        if (policies.breakerState('sendgrid') === 'open') breakerOpened = true;
        inFlight--;
      }
      if (sent === options.emails) {
        clearTimeout(deadline);
        resolve();
      } else {
        next();
      }
    };
    const next = () => {
      while (inFlight < concurrency && ready.length > 0) {
        inFlight++;
        void run(ready.shift()!);
      }
    };
    next();
  });
  stopped = true;
  const elapsedMs = (sent === options.emails ? lastSentAt : Date.now()) - started;
  for (const timer of timers) clearTimeout(timer);
  await server.stop();

  const perRecipient = new Map<string, number>();
  for (const req of accepted) {
    const to = (JSON.parse(req.raw) as { personalizations: Array<{ to: Array<{ email: string }> }> })
      .personalizations[0]!.to[0]!.email;
    perRecipient.set(to, (perRecipient.get(to) ?? 0) + 1);
  }
  return {
    sent,
    elapsedMs,
    duplicates: [...perRecipient.values()].filter((n) => n > 1).length,
    requests: server.requests.length,
    throttled: throttled(),
    redeliveries,
    breakerOpened,
  };
}
