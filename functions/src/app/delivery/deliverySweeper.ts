import type { Clock, Logger, Publisher } from '../../ports.js';
import { TOPICS } from '../../domain/channels.js';
import type { DeliveryJob } from '../../domain/delivery.js';
import { fallbackJob } from '../../domain/delivery.js';
import {
  FALLBACK_PENDING_AFTER_MS,
  QUEUED_STUCK_AFTER_MS,
  SENDING_STUCK_AFTER_MS,
  SWEEP_BATCH,
} from '../../domain/delivery/sweep.js';
import type { DeliveryDoc, DeliveryRepo } from './deliveryRepo.js';

export interface DeliverySweeperDeps {
  repo: DeliveryRepo;
  publisher: Publisher;
  clock: Clock;
  logger: Logger;
}

export interface SweepReport {
  republished: number;
  failed: number;
  fallbacks: number;
}

/**
 * The backstop for jobs Pub/Sub no longer carries (scheduled every 5 minutes, `sweepStuckDeliveries`). Finds
 * deliveries stuck in `sending` past their lease and the longest redelivery backoff, and `queued` ones never claimed,
 * and republishes the job kept on the record (the claim's check-and-set still lets one delivery through), at most
 * MAX_SWEEPS times; after that, or with no job to republish, it ends the delivery `failed` with a reason, and a
 * critical one goes to its fallback channel. It also publishes fallbacks that a dying handler recorded but never
 * published. Every step is a check-and-set, so two overlapping runs do the work once.
 */
export class DeliverySweeper {
  constructor(private readonly deps: DeliverySweeperDeps) {}

  async sweep(): Promise<SweepReport> {
    const { repo, clock } = this.deps;
    const now = clock.now().getTime();
    const report: SweepReport = { republished: 0, failed: 0, fallbacks: 0 };
    for (const [status, after] of [
      ['sending', SENDING_STUCK_AFTER_MS],
      ['queued', QUEUED_STUCK_AFTER_MS],
    ] as const) {
      const before = new Date(now - after);
      for (const snap of await repo.untouchedSince(status, before, SWEEP_BATCH)) {
        const id = (snap.data as DeliveryDoc).deliveryId;
        const outcome = await repo.sweep(id, status, before);
        if (outcome.action === 'republished') {
          await this.publish(outcome.job, { sweptFrom: status });
          report.republished++;
        } else if (outcome.action === 'failed') {
          report.failed++;
          this.deps.logger.warn('stuck delivery ended', { deliveryId: id, status, reason: outcome.reason });
          if (outcome.job && (await this.publishFallback(outcome.job))) report.fallbacks++;
        }
      }
    }
    const fallbackBefore = now - FALLBACK_PENDING_AFTER_MS;
    for (const snap of await repo.fallbackPending(SWEEP_BATCH)) {
      const doc = snap.data as DeliveryDoc;
      if (doc.updatedAt && doc.updatedAt.getTime() > fallbackBefore) continue; // its handler may still be publishing it
      const job = await repo.pendingFallbackJob(doc.deliveryId);
      if (job && (await this.publishFallback(job))) report.fallbacks++;
    }
    if (report.republished + report.failed + report.fallbacks > 0)
      this.deps.logger.info('delivery sweep', { ...report });
    return report;
  }

  private async publish(job: DeliveryJob, attributes: Record<string, string>): Promise<void> {
    await this.deps.publisher.publish(TOPICS[job.channel], job, { deliveryId: job.deliveryId, ...attributes });
  }

  /** Publishing a fallback twice is harmless: the next channel's claim lets one through. */
  private async publishFallback(job: DeliveryJob): Promise<boolean> {
    const next = fallbackJob(job);
    if (!next) return false;
    await this.publish(next, { fallbackFrom: job.channel });
    await this.deps.repo.markFallbackPublished(job.deliveryId);
    return true;
  }
}
