import { isBrokenCircuitError } from 'cockatiel';
import type { Clock, Logger, Publisher, ResilienceSettings } from '../../ports.js';
import type { ProviderChannel } from '../../domain/channels.js';
import { TOPICS } from '../../domain/channels.js';
import type { DeliveryJob } from '../../domain/delivery.js';
import { DELIVERY_ID_MAX, deliveryJobSchema, fallbackJob } from '../../domain/delivery.js';
import type { Provider } from '../../domain/delivery/providerError.js';
import { describeIssues, isDocId } from '../../domain/validation.js';
import { MAX_JOBS_PER_MESSAGE, readDeliveryMessage } from '../../domain/delivery/batch.js';
import type { DeliveryRepo } from './deliveryRepo.js';
import type { ChannelSender, DeliveryContext, Outcome } from './channels.js';
import type { AttemptError, ProviderPolicies } from './resilience.js';
import { AttemptLog, isTransient } from './resilience.js';
import { DeliverySweeper } from './deliverySweeper.js';
import { errorText } from '../../domain/errors.js';

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
 * Thrown (so Pub/Sub redelivers the job later) when another invocation holds the delivery's lease: it may still be
 * sending, or it died before calling the provider; once the lease is over a redelivery takes over.
 */
export class DeliveryBusyError extends Error {
  constructor(
    readonly deliveryId: string,
    readonly leaseUntil: Date,
  ) {
    super(
      `delivery ${deliveryId} is being sent by another invocation until ${leaseUntil.toISOString()}; Pub/Sub will redeliver`,
    );
    this.name = 'DeliveryBusyError';
  }
}

/**
 * Thrown after every job of a batch message is done with, when some of them must be tried again: Pub/Sub redelivers
 * the message, and the jobs that finished are skipped by their claim.
 */
export class DeliveryBatchRetryError extends Error {
  constructor(
    readonly channel: ProviderChannel,
    readonly jobs: number,
    readonly retrying: readonly string[],
    readonly firstError: unknown,
  ) {
    super(
      `${retrying.length} of ${jobs} ${channel} jobs to retry (${retrying.slice(0, 5).join(', ')}${retrying.length > 5 ? ', …' : ''}): ${errorText(firstError)}`,
    );
    this.name = 'DeliveryBatchRetryError';
  }
}

/**
 * An AttemptLog that writes `providerCallStartedAt` on the delivery before the claim's first provider call, so a
 * takeover can tell "died before calling the provider" (safe to send) from "a call may have gone out". Not written
 * while the provider's breaker is open: the call would fail fast without reaching the provider.
 */
class IntentAttemptLog extends AttemptLog {
  private marked = false;

  constructor(
    private readonly breakers: ProviderPolicies,
    now: () => Date,
    previous: number,
    private readonly markIntent: () => Promise<void>,
  ) {
    super(breakers, now, previous);
  }

  override async call<T>(provider: Provider, fn: () => Promise<T>): Promise<T> {
    if (!this.marked && this.breakers.breakerState(provider) !== 'open') {
      await this.markIntent();
      this.marked = true;
    }
    return super.call(provider, fn);
  }
}

/**
 * The Pub/Sub consumer of `deliver-push|sms|email`: validate, claim (check-and-set, so a redelivered job calls the
 * provider once), send through the channel under the provider's retry/breaker policy, record the outcome, and for
 * critical notifications hand over to the next channel of the fallback chain.
 */
export class ChannelDelivery {
  /** Finishes deliveries whose job was lost (scheduled: `sweepStuckDeliveries`). */
  readonly sweeper: DeliverySweeper;

  constructor(private readonly deps: ChannelDeliveryDeps) {
    this.sweeper = new DeliverySweeper({
      repo: deps.repo,
      publisher: deps.publisher,
      clock: deps.clock,
      logger: deps.logger,
    });
  }

  /**
   * Consumes one message of either format (src/domain/delivery/batch.ts): a bare job, or a batch of one channel's
   * jobs. Resolves when every job is done with (sent, failed, dropped); rejects only to have Pub/Sub redeliver.
   *
   * A batch runs its jobs side by side, each exactly as a lone job would run (own validation, claim, retries, ledger
   * record), and push sends of the batch share FCM calls (ChannelSender.forBatch). A job that cannot be parsed is
   * recorded `failed` (invalid-job) and the others go on. If any job must be retried (a transient failure, a live
   * lease elsewhere), the handler throws after all the others have finished: Pub/Sub redelivers the whole message,
   * and the jobs already finished are no-ops on their claim (the ledger says sent/failed), so only the unfinished run.
   */
  async handle(channel: ProviderChannel, data: unknown): Promise<void> {
    const message = readDeliveryMessage(data);
    if (!message.ok) {
      // Retrying never makes it valid: logged and acknowledged. Its entries that still name a delivery are recorded
      // failed now, each as a bad entry of a good batch is: a fan-out's deliveries are written queued without their
      // job, so left alone they would wait an hour for the sweeper and end `never-claimed`, saying nothing of why.
      this.deps.logger.error('unparseable delivery message dropped', { channel, reason: message.reason });
      const entries = (data as { jobs?: unknown }).jobs;
      if (Array.isArray(entries)) {
        const ids = new Set(
          entries
            .slice(0, MAX_JOBS_PER_MESSAGE)
            .map(idOf)
            .filter((id) => id !== undefined),
        );
        await Promise.all([...ids].map((id) => this.deps.repo.recordUnparseable(id, channel, message.reason)));
      }
      return;
    }
    if (message.format === 'single') {
      await this.handleJob(channel, message.entries[0], 'job', this.deps.channels[channel]);
      return;
    }
    await this.handleBatch(channel, message.entries);
  }

  private async handleBatch(channel: ProviderChannel, entries: unknown[]): Promise<void> {
    const batch = this.deps.channels[channel].forBatch?.(entries.length);
    const sender = batch?.channel ?? this.deps.channels[channel];
    const settled = await Promise.allSettled(
      entries.map(async (entry, i) => {
        try {
          await this.handleJob(channel, entry, `jobs[${i}]`, sender);
        } finally {
          batch?.leave();
        }
      }),
    );
    const retry = settled.flatMap((result, i) =>
      result.status === 'rejected' ? [{ deliveryId: idOf(entries[i]) ?? `jobs[${i}]`, error: result.reason }] : [],
    );
    if (retry.length === 0) return;
    this.deps.logger.warn('jobs of a batch go back to Pub/Sub; the finished ones will be skipped on redelivery', {
      channel,
      jobs: entries.length,
      retrying: retry.length,
      deliveryIds: retry.slice(0, 20).map((r) => r.deliveryId),
    });
    throw new DeliveryBatchRetryError(
      channel,
      entries.length,
      retry.map((r) => r.deliveryId),
      retry[0]!.error,
    );
  }

  /** One job, from a bare message or a batch (`field` names it in validation errors: `job`, `jobs[3]`). */
  private async handleJob(
    channel: ProviderChannel,
    data: unknown,
    field: string,
    sender: ChannelSender,
  ): Promise<void> {
    const { repo, logger } = this.deps;
    const parsed = deliveryJobSchema.safeParse(data);
    if (!parsed.success || parsed.data.channel !== channel) {
      const reason = parsed.success
        ? `${field}.channel: ${parsed.data.channel} published to the ${channel} topic`
        : describeIssues(field, parsed.error);
      const id = idOf(data);
      logger.error('unparseable delivery job dropped', { deliveryId: id, channel, reason });
      if (id) await repo.recordUnparseable(id, channel, reason);
      return; // acknowledged: a malformed job never becomes valid by retrying
    }
    const job = parsed.data;
    const log = logger.child({ deliveryId: job.deliveryId, eventId: job.eventId, uid: job.uid });
    const claim = await repo.claim(job);
    if (claim.kind === 'busy') {
      // Not acknowledged: if the lease holder died before calling the provider, this redelivery is the job's only copy.
      log.info('delivery leased by another invocation, handing back to Pub/Sub', {
        leaseUntil: claim.leaseUntil.toISOString(),
      });
      throw new DeliveryBusyError(job.deliveryId, claim.leaseUntil);
    }
    if (claim.kind === 'skip') {
      log.info('delivery not claimed', { status: claim.status });
      return;
    }
    if (claim.kind === 'republish-fallback') {
      await this.publishFallback(job);
      return;
    }

    const provider = providerOf(channel);
    const next = fallbackJob(job);
    const attempts = new IntentAttemptLog(
      this.deps.policies,
      () => this.deps.clock.now(),
      claim.attempts,
      () => repo.markProviderCall(job.deliveryId),
    );
    let outcome: Outcome;
    if (claim.unknownOutcome) {
      // The previous holder started a provider call and never wrote its outcome; no provider callback came either.
      // Push: send again (FCM has no idempotency key; the collapse key / apns-collapse-id / tag make the copy replace
      // the first one on the device). SMS and email: never a second copy on the same channel; end `failed` with
      // reason `outcome-unknown` (a later Twilio/SendGrid callback still moves it to sent/delivered), and a critical
      // job goes on to its fallback channel, so it reaches the user either way.
      const entry = unknownOutcomeEntry(
        provider,
        claim.attempts,
        claim.unknownOutcome.callStartedAt,
        this.deps.clock.now(),
        channel === 'push',
      );
      attempts.attempts++;
      attempts.errors.push(entry);
      if (channel !== 'push') {
        await this.fail(job, next, { kind: 'failed', reason: 'outcome-unknown', provider }, attempts, log);
        return;
      }
      log.warn('previous push attempt died mid-call; sending again', {
        callStartedAt: claim.unknownOutcome.callStartedAt.toISOString(),
      });
    }

    try {
      outcome = await sender.deliver(job, attempts, this.contextFor(job));
    } catch (error) {
      const brokenCircuit = isBrokenCircuitError(error);
      if (brokenCircuit) {
        // The policy refused the call without trying: it still counts as a try, or the job never reaches its give-up
        // limit (and a critical job never falls back) while the provider is down.
        attempts.attempts++;
        attempts.errors.push({
          at: this.deps.clock.now(),
          attempt: claim.attempts + attempts.attempts,
          provider,
          code: 'circuit-open',
          message: `${provider} circuit breaker is open: the provider failed repeatedly, calls are refused for now`,
          transient: true,
        });
      }
      const total = claim.attempts + attempts.attempts;
      if (!isTransient(error)) {
        // A bug or an unexpected SDK error: record it and fail rather than loop on redelivery.
        attempts.note(provider, error);
        log.error('delivery failed unexpectedly', { error: errorText(error, { stack: true }) });
        outcome = { kind: 'failed', reason: 'error' };
      } else if (next) {
        // Critical: the retries of this invocation are spent (or the breaker refused): the next channel now, rather
        // than minutes of Pub/Sub backoff on a channel that is failing.
        outcome = { kind: 'failed', reason: brokenCircuit ? 'circuit-open' : 'retries-exhausted', provider };
      } else if (total < this.deps.resilience.giveUpAfterAttempts) {
        await repo.recordRetryLater(job.deliveryId, attempts);
        log.warn('transient delivery failure, Pub/Sub will redeliver', { error: String(error), attempts: total });
        throw error;
      } else {
        outcome = { kind: 'failed', reason: brokenCircuit ? 'circuit-open' : 'retries-exhausted', provider };
      }
    }

    if (outcome.kind === 'sent') {
      await repo.recordSent(job.deliveryId, { ...outcome, attempts: attempts.attempts, errors: attempts.errors });
      log.info('delivered to provider', { provider: outcome.provider, providerMessageId: outcome.providerMessageId });
      return;
    }
    await this.fail(job, next, outcome, attempts, log);
  }

  private async fail(
    job: DeliveryJob,
    next: DeliveryJob | undefined,
    outcome: Exclude<Outcome, { kind: 'sent' }>,
    attempts: AttemptLog,
    log: Logger,
  ) {
    await this.deps.repo.recordFailed(job.deliveryId, outcome.kind, {
      reason: outcome.reason,
      ...('provider' in outcome && outcome.provider ? { provider: outcome.provider } : {}),
      attempts: attempts.attempts,
      errors: attempts.errors,
      ...(next ? { fallbackTo: next.channel } : {}),
    });
    log.info(`delivery ${outcome.kind}`, { reason: outcome.reason, fallbackTo: next?.channel });
    if (next) await this.publishFallback(job);
  }

  /** What a channel may do on the ledger for this delivery: take a rate-limit unit once per delivery. */
  private contextFor(job: DeliveryJob): DeliveryContext {
    return { takeRateUnitOnce: (reserve) => this.deps.repo.takeRateUnitOnce(job.deliveryId, reserve) };
  }

  private async publishFallback(job: DeliveryJob): Promise<void> {
    const next = fallbackJob(job);
    if (!next) return;
    // Publishing twice is harmless: the next channel's claim lets one through.
    await this.deps.publisher.publish(TOPICS[next.channel], next, {
      deliveryId: next.deliveryId,
      fallbackFrom: job.channel,
    });
    await this.deps.repo.markFallbackPublished(job.deliveryId);
  }
}

function unknownOutcomeEntry(
  provider: Provider,
  attempt: number,
  startedAt: Date,
  at: Date,
  resent: boolean,
): AttemptError {
  return {
    at,
    attempt: attempt + 1,
    provider,
    code: 'outcome-unknown',
    transient: resent,
    message: `the attempt that started calling ${provider} at ${startedAt.toISOString()} never recorded an outcome and no provider callback came; ${resent ? 'sent again' : 'not sent again'}`,
  };
}

/**
 * The delivery id a message entry names, before it is validated (to record it as unparseable): only one that can be a
 * document id (a path would make recording it throw, and Pub/Sub redeliver for ever).
 */
const idOf = (data: unknown): string | undefined => {
  const id = (data as { deliveryId?: unknown } | null)?.deliveryId;
  return isDocId(id, DELIVERY_ID_MAX) ? id : undefined;
};

const providerOf = (channel: ProviderChannel): Provider =>
  channel === 'push' ? 'fcm' : channel === 'sms' ? 'twilio' : 'sendgrid';
