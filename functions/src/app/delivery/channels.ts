import type {
  DocData,
  EmailSender,
  PushMessage,
  PushResult,
  PushSender,
  SmsSender,
  DeliverySettings,
  Transaction,
} from '../../ports.js';
import type { DeliveryJob } from '../../domain/delivery.js';
import type { Provider } from '../../domain/delivery/providerError.js';
import { ProviderError } from '../../domain/delivery/providerError.js';
import { buildPushMessage } from '../../domain/delivery/pushMessage.js';
import { createUnsubscribeToken } from '../../domain/delivery/unsubscribeToken.js';
import { emailOf } from '../../domain/delivery/emailContent.js';
import { finishEmail } from '../../domain/email/render.js';
import type { AttemptLog } from './resilience.js';
import type { ContactPoints } from './contactPoints.js';
import type { DeviceRegistry } from './deviceRegistry.js';
import { singleLine } from '../../domain/validation.js';

/** How one channel's attempt ended (transient failures are thrown instead, for a retry). */
export type Outcome =
  | { kind: 'sent'; provider: Provider; providerMessageId: string; extra?: DocData }
  /** Cannot reach the user on this channel: no device, no verified contact, provider refused for good. */
  | { kind: 'failed'; reason: string; provider?: Provider }
  /** Must not reach the user here: opted out, suppressed address, over the limit. */
  | { kind: 'suppressed'; reason: string };

/** A rate-limit reservation inside a transaction (RateLimiter.reserveIn): read first, `commit()` to take the unit. */
export type Reserve = (
  tx: Transaction,
) => Promise<{ allowed: boolean; count: number; limit: number; commit: () => void }>;

/** What a channel may do on its delivery's ledger record (channel delivery passes one per job). */
export interface DeliveryContext {
  /** Takes the unit `reserve` describes once per delivery: a redelivery of the same job reuses the first answer. */
  takeRateUnitOnce(reserve: Reserve): Promise<{ allowed: boolean; count: number; limit: number }>;
}

export interface ChannelSender {
  deliver(job: DeliveryJob, log: AttemptLog, context?: DeliveryContext): Promise<Outcome>;
  /**
   * For the `jobs` jobs of one batch message, where the provider has a batch API: a sender whose provider calls,
   * made by those jobs at about the same time, go out together. Every job of the batch calls `leave` once it is done
   * with (whether it called the provider or not), so the others stop waiting for it.
   */
  forBatch?(jobs: number): { channel: ChannelSender; leave(): void };
}

/**
 * The push sends of one batch's jobs as one PushSender call (FCM `sendEach`, up to 500 messages a call). A round of
 * sends goes out when every job of the batch still running has joined it (the others finished without pushing: no
 * device, stale, already sent) or `maxWaitMs` after its first send, so one slow job (a slow claim, a paced retry)
 * holds the others back at most that long. Each job still calls under its own AttemptLog and policy; a retry joins
 * the next round. Results go back by position (a PushSender answers in the order of its messages).
 */
export class CoalescingPushSender implements PushSender {
  private round: Array<{
    messages: readonly PushMessage[];
    resolve: (results: PushResult[]) => void;
    reject: (error: unknown) => void;
  }> = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly inner: PushSender,
    private running: number,
    private readonly maxWaitMs = 20,
  ) {}

  send(messages: readonly PushMessage[]): Promise<PushResult[]> {
    return new Promise((resolve, reject) => {
      this.round.push({ messages, resolve, reject });
      if (this.round.length === 1) this.timer = setTimeout(() => this.flush(), this.maxWaitMs);
      this.flushIfAllJoined();
    });
  }

  /** One job of the batch is done with. */
  leave(): void {
    this.running--;
    this.flushIfAllJoined();
  }

  private flushIfAllJoined(): void {
    if (this.round.length > 0 && this.round.length >= this.running) this.flush();
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const round = this.round;
    this.round = [];
    if (round.length === 0) return;
    this.inner.send(round.flatMap((entry) => entry.messages)).then(
      (results) => {
        let at = 0;
        for (const entry of round) {
          entry.resolve(results.slice(at, at + entry.messages.length));
          at += entry.messages.length;
        }
      },
      (error: unknown) => {
        for (const entry of round) entry.reject(error);
      },
    );
  }
}

export class PushChannel implements ChannelSender {
  constructor(
    private readonly sender: PushSender,
    private readonly devices: DeviceRegistry,
    private readonly contacts: ContactPoints,
    private readonly settings: DeliverySettings,
  ) {}

  forBatch(jobs: number): { channel: ChannelSender; leave(): void } {
    const sender = new CoalescingPushSender(this.sender, jobs);
    return {
      channel: new PushChannel(sender, this.devices, this.contacts, this.settings),
      leave: () => sender.leave(),
    };
  }

  async deliver(job: DeliveryJob, log: AttemptLog): Promise<Outcome> {
    const devices = await this.devices.list(job.uid);
    if (devices.length === 0) return { kind: 'failed', reason: 'no-device' };
    const badge = await this.contacts.unreadCount(job.uid);
    const webAppUrl = this.settings.webAppUrl();
    let pending = devices.map((d) => d.token);
    const delivered = new Map<string, string>();
    let pruned = 0;
    // Retries go only to the devices that have not received it yet.
    await log.call('fcm', async () => {
      const results = await this.sender.send(
        pending.map((token) => buildPushMessage(job, token, { badge, webAppUrl })),
      );
      let transient: ProviderError | undefined;
      for (const result of results) {
        if (result.ok) {
          delivered.set(result.token, result.messageId);
        } else if (result.error.recipient === 'unreachable') {
          // The provider says this token will never work again: forget the device at once.
          pruned += await this.devices.removeToken(job.uid, result.token);
          log.note('fcm', result.error);
        } else if (result.error.transient) {
          transient ??= result.error;
        } else {
          log.note('fcm', result.error);
        }
      }
      pending = pending.filter((token) => results.some((r) => r.token === token && !r.ok && r.error.transient));
      // Retry only while nobody has it yet: one device received it, the user has been told.
      if (transient && delivered.size === 0) throw transient;
    });
    if (delivered.size === 0)
      return {
        kind: 'failed',
        reason: pruned === devices.length ? 'all-tokens-dead' : 'push-rejected',
        provider: 'fcm',
      };
    const ids = [...delivered.values()];
    return {
      kind: 'sent',
      provider: 'fcm',
      providerMessageId: ids[0]!,
      extra: { providerMessageIds: ids, devices: devices.length, tokensPruned: pruned },
    };
  }
}

type SmsQuotaRequest = { uid: string; channel: 'sms'; timeZone: string; now: Date };

/** The slice of the pipeline's rate limiter SMS fallback needs (src/app/notifications/rateLimits.ts). */
export interface SmsAllowance {
  tryConsume(input: SmsQuotaRequest): Promise<{ allowed: boolean; count: number; limit: number }>;
  reserveIn(tx: Transaction, input: SmsQuotaRequest): ReturnType<Reserve>;
}

export class SmsChannel implements ChannelSender {
  constructor(
    private readonly sender: SmsSender,
    private readonly contacts: ContactPoints,
    private readonly allowance: SmsAllowance,
    private readonly settings: DeliverySettings,
    private readonly now: () => Date,
  ) {}

  async deliver(job: DeliveryJob, log: AttemptLog, context?: DeliveryContext): Promise<Outcome> {
    const content = job.content.sms;
    if (!content) return { kind: 'failed', reason: 'no-sms-content' };
    const contact = await this.contacts.contact(job.uid);
    if (!contact?.phone || !contact.phoneVerified) return { kind: 'failed', reason: 'no-verified-phone' };
    if (await this.contacts.isSmsOptedOut(contact.phone)) return { kind: 'suppressed', reason: 'sms-opted-out' };
    // Direct SMS jobs were counted by the pipeline; a fallback SMS is new and counts here, once per delivery (keyed by
    // the delivery id on its ledger record), however often the job is redelivered.
    if (job.fallbackFrom) {
      const request = { uid: job.uid, channel: 'sms' as const, timeZone: contact.timeZone, now: this.now() };
      const quota = context
        ? await context.takeRateUnitOnce((tx) => this.allowance.reserveIn(tx, request))
        : await this.allowance.tryConsume(request);
      if (!quota.allowed) return { kind: 'suppressed', reason: `sms-daily-limit (${quota.limit})` };
    }
    // The delivery id rides in the callback URL (covered by Twilio's signature) so callbacks find their delivery.
    const statusCallback = `${this.settings.publicBaseUrl().replace(/\/$/, '')}/twilioStatus?deliveryId=${encodeURIComponent(job.deliveryId)}`;
    try {
      const receipt = await log.call('twilio', () =>
        this.sender.send({ to: contact.phone!, body: content.body, statusCallback }),
      );
      return {
        kind: 'sent',
        provider: 'twilio',
        providerMessageId: receipt.sid,
        extra: { providerStatus: receipt.status, to: contact.phone },
      };
    } catch (error) {
      if (error instanceof ProviderError && !error.transient) {
        // The number opted out at the carrier or provider (Twilio 21610): remember it so we stop trying.
        if (error.recipient === 'opted-out') {
          await this.contacts.setSmsOptOut(contact.phone, true, `${error.provider}-${error.code}`);
          return { kind: 'suppressed', reason: 'sms-opted-out' };
        }
        return { kind: 'failed', reason: `${error.provider}-${error.code}`, provider: error.provider };
      }
      throw error;
    }
  }
}

export class EmailChannel implements ChannelSender {
  constructor(
    private readonly sender: EmailSender,
    private readonly contacts: ContactPoints,
    private readonly settings: DeliverySettings,
    private readonly now: () => Date,
  ) {}

  async deliver(job: DeliveryJob, log: AttemptLog): Promise<Outcome> {
    // Rendered here when the job carries the email by reference (fan-out jobs stay small, issue 14).
    const content = emailOf(job);
    if (!content) return { kind: 'failed', reason: 'no-email-content' };
    if (!content.ok) return { kind: 'failed', reason: content.reason };
    const contact = await this.contacts.contact(job.uid);
    if (!contact?.email || !contact.emailVerified) return { kind: 'failed', reason: 'no-verified-email' };
    if (await this.contacts.isEmailSuppressed(contact.email)) return { kind: 'suppressed', reason: 'email-suppressed' };
    const token = createUnsubscribeToken(
      { uid: job.uid, category: job.category },
      this.settings.unsubscribeKey(),
      this.now(),
    );
    const unsubscribeUrl = `${this.settings.publicBaseUrl().replace(/\/$/, '')}/unsubscribe?token=${encodeURIComponent(token)}`;
    // The rendered email (src/domain/email) gets its unsubscribe link here; marketing without an https one is refused
    // (a loopback http one is accepted where the settings say this is the emulator or the local run).
    const finished = finishEmail(content, {
      unsubscribeUrl,
      category: job.category,
      allowLoopbackHttp: this.settings.loopbackUnsubscribe === true,
    });
    if (!finished.ok) return { kind: 'failed', reason: finished.reason };
    try {
      const { messageId } = await log.call('sendgrid', () =>
        this.sender.send({
          to: contact.email!,
          from: this.settings.fromEmail(),
          // Jobs carry rendered content from the queue: the subject is forced onto one line here too (no header injection).
          subject: singleLine(content.subject),
          html: finished.html,
          text: finished.text,
          // RFC 2369 + RFC 8058: mail clients show an unsubscribe button that POSTs to the URL, no page visit needed.
          headers: { 'List-Unsubscribe': `<${unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
          // Not 'category': SendGrid uses that name for its own categories on events.
          customArgs: {
            deliveryId: job.deliveryId,
            uid: job.uid,
            notificationCategory: job.category,
            eventId: job.eventId,
          },
          categories: [job.category, job.type],
        }),
      );
      return { kind: 'sent', provider: 'sendgrid', providerMessageId: messageId };
    } catch (error) {
      if (error instanceof ProviderError && !error.transient)
        return { kind: 'failed', reason: `${error.provider}-${error.code}`, provider: error.provider };
      throw error;
    }
  }
}
