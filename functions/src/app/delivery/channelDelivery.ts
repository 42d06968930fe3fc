import type { Clock, Logger, Publisher, ResilienceSettings } from '../../ports.js';
import type { ProviderChannel } from '../../domain/channels.js';
import { TOPICS } from '../../domain/channels.js';
import type { DeliveryJob } from '../../domain/delivery.js';
import { deliveryId, deliveryJobSchema } from '../../domain/delivery.js';
import { describeIssues } from '../../domain/validation.js';
import type { DeliveryRepo } from './deliveryRepo.js';
import type { ChannelSender } from './channels.js';
import type { ProviderPolicies } from './resilience.js';
import { AttemptLog, isTransient } from './resilience.js';

export interface ChannelDeliveryDeps {
  repo: DeliveryRepo;
  publisher: Publisher;
  clock: Clock;
  logger: Logger;
  policies: ProviderPolicies;
  resilience: ResilienceSettings;
  channels: Record<ProviderChannel, ChannelSender>;
}

/**
 * The Pub/Sub consumer of `deliver-push|sms|email`: validate, claim (check-and-set, so a redelivered job calls the
 * provider once), send through the channel under the provider's retry/breaker policy, record the outcome, and for
 * critical notifications hand over to the next channel of the fallback chain.
 */
export class ChannelDelivery {
  constructor(private readonly deps: ChannelDeliveryDeps) {}

  /** Resolves when the job is done with (sent, failed, dropped); rejects only to have Pub/Sub redeliver it later. */
  async handle(channel: ProviderChannel, data: unknown): Promise<void> {
    const { repo, logger } = this.deps;
    const parsed = deliveryJobSchema.safeParse(data);
    if (!parsed.success || parsed.data.channel !== channel) {
      const reason = parsed.success ? `job.channel: ${parsed.data.channel} published to the ${channel} topic` : describeIssues('job', parsed.error);
      const id = typeof (data as { deliveryId?: unknown })?.deliveryId === 'string' ? (data as { deliveryId: string }).deliveryId : undefined;
      logger.error('unparseable delivery job dropped', { deliveryId: id, channel, reason });
      if (id) await repo.recordUnparseable(id, channel, reason);
      return; // acknowledged: a malformed job never becomes valid by retrying
    }
    const job = parsed.data;
    const log = logger.child({ deliveryId: job.deliveryId, eventId: job.eventId, uid: job.uid });
    const claim = await repo.claim(job);
    if (claim.kind === 'skip') {
      log.info('delivery not claimed', { status: claim.status });
      return;
    }
    if (claim.kind === 'republish-fallback') {
      await this.publishFallback(job);
      return;
    }

    const attempts = new AttemptLog(this.deps.policies, () => this.deps.clock.now(), claim.attempts);
    let outcome;
    try {
      outcome = await this.deps.channels[channel].deliver(job, attempts);
    } catch (error) {
      if (!isTransient(error)) {
        // A bug or an unexpected SDK error: record it and fail rather than loop on redelivery.
        attempts.note(providerOf(channel), error);
        log.error('delivery failed unexpectedly', { error: error instanceof Error ? error.stack ?? error.message : String(error) });
        outcome = { kind: 'failed' as const, reason: 'error' };
      } else if (claim.attempts + attempts.attempts < this.deps.resilience.giveUpAfterAttempts) {
        await repo.recordRetryLater(job.deliveryId, attempts);
        log.warn('transient delivery failure, Pub/Sub will redeliver', { error: String(error), attempts: claim.attempts + attempts.attempts });
        throw error;
      } else {
        outcome = { kind: 'failed' as const, reason: 'retries-exhausted', provider: providerOf(channel) };
      }
    }

    if (outcome.kind === 'sent') {
      await repo.recordSent(job.deliveryId, { ...outcome, attempts: attempts.attempts, errors: attempts.errors });
      log.info('delivered to provider', { provider: outcome.provider, providerMessageId: outcome.providerMessageId });
      return;
    }
    const next = this.nextChannel(job);
    await repo.recordFailed(job.deliveryId, outcome.kind, {
      reason: outcome.reason,
      ...('provider' in outcome && outcome.provider ? { provider: outcome.provider } : {}),
      attempts: attempts.attempts,
      errors: attempts.errors,
      ...(next ? { fallbackTo: next.channel } : {}),
    });
    log.info(`delivery ${outcome.kind}`, { reason: outcome.reason, fallbackTo: next?.channel });
    if (next) await this.publishFallback(job);
  }

  /** The next channel of a critical job's chain that has content to send. */
  private nextChannel(job: DeliveryJob): DeliveryJob | undefined {
    if (!job.critical) return undefined;
    const remaining = [...job.fallback];
    for (let channel = remaining.shift(); channel; channel = remaining.shift()) {
      if (channel === job.channel || !job.content[channel]) continue;
      return { ...job, channel, deliveryId: deliveryId(job.eventId, job.uid, channel), fallback: remaining, fallbackFrom: job.channel };
    }
    return undefined;
  }

  private async publishFallback(job: DeliveryJob): Promise<void> {
    const next = this.nextChannel(job);
    if (!next) return;
    // Publishing twice is harmless: the next channel's claim lets one through.
    await this.deps.publisher.publish(TOPICS[next.channel], next, { deliveryId: next.deliveryId, fallbackFrom: job.channel });
    await this.deps.repo.markFallbackPublished(job.deliveryId);
  }
}

const providerOf = (channel: ProviderChannel) => (channel === 'push' ? 'fcm' : channel === 'sms' ? 'twilio' : 'sendgrid');
