import type { z } from 'zod';
import type { Clock, DocumentStore } from '../../ports.js';
import type { Caller } from '../../domain/caller.js';
import { requireRole } from '../../domain/caller.js';
import { failedPrecondition, invalidArgument, notFound } from '../../domain/errors.js';
import type {
  ExperimentDefinition,
  VariantCounts,
  defineExperimentSchema,
  stopExperimentSchema,
} from '../../domain/analytics/experiments.js';
import { experimentResults } from '../../domain/analytics/experiments.js';
import { sumCounters } from '../../domain/analytics/aggregates.js';
import { analyticsPaths } from '../../domain/analytics/paths.js';
import type { ContentOverride, ExperimentDocs } from '../../domain/analytics/experimentContent.js';
import { contentForUser } from '../../domain/analytics/experimentContent.js';
import type { AuditLog } from '../audit.js';

/**
 * What a user's notification of `type` says and where it goes while an experiment runs on the type (their variant)
 * or after a roll-out (the winner's): read from the type's two documents, in a transaction when `reader` is one.
 * The notification pipeline applies it when it renders (recipientDelivery.ts, chunkDelivery.ts).
 */
export async function experimentContentFor(
  reader: Pick<DocumentStore, 'getAll'>,
  uid: string,
  type: string,
): Promise<ContentOverride | undefined> {
  return contentForUser(uid, await experimentDocs(reader, type));
}

/** The type's running experiment and rolled-out content, read once (a fan-out chunk reads them once for all). */
export async function experimentDocs(reader: Pick<DocumentStore, 'getAll'>, type: string): Promise<ExperimentDocs> {
  const key = type.replace(/\//g, '_');
  const [active, override] = await reader.getAll([
    analyticsPaths.activeExperiment(key),
    analyticsPaths.contentOverride(key),
  ]);
  return { active: active!.data, override: override!.data };
}

interface StoredExperiment extends ExperimentDefinition {
  status: 'running' | 'stopped';
  createdAt: Date;
  createdBy: string;
  stoppedAt?: Date;
  rolledOut?: string | null;
}

/**
 * Experiments: defined and stopped by admins (audited), one running per notification type
 * (`experimentsActive/{type}` holds it, so the counters and the pipeline read one document). Exposures and outcomes
 * are counted per delivery by the analytics counters from the variant the user's hash assigns.
 */
export class Experiments {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
  ) {}

  async define(caller: Caller, input: z.output<typeof defineExperimentSchema>) {
    requireRole(caller, 'admin');
    return this.store.transaction(async (tx) => {
      const [existing, active] = await tx.getAll([
        analyticsPaths.experiment(input.experimentId),
        analyticsPaths.activeExperiment(input.type),
      ]);
      if (existing!.exists)
        throw invalidArgument('data.experimentId: an experiment with this id exists', {
          fields: ['data.experimentId'],
        });
      if (active!.data?.status === 'running')
        throw failedPrecondition(`experiment ${String(active!.data.experimentId)} is already running on ${input.type}`);
      const now = this.clock.now();
      const stored: StoredExperiment = { ...input, status: 'running', createdAt: now, createdBy: caller.uid };
      tx.create(analyticsPaths.experiment(input.experimentId), { ...stored });
      tx.set(analyticsPaths.activeExperiment(input.type), { ...stored });
      this.audit.recordIn(tx, {
        actorUid: caller.uid,
        action: 'experiment.defined',
        target: { type: 'experiment', id: input.experimentId },
        details: { type: input.type, variants: input.variants.map((v) => ({ id: v.id, weight: v.weight })) },
      });
      return { experimentId: input.experimentId, status: 'running' as const };
    });
  }

  /** Stops the experiment; `rollOut` makes that variant's content the type's for everyone (`notificationOverrides/{type}`). */
  async stop(caller: Caller, input: z.output<typeof stopExperimentSchema>) {
    requireRole(caller, 'admin');
    return this.store.transaction(async (tx) => {
      const snap = await tx.get(analyticsPaths.experiment(input.experimentId));
      const experiment = snap.data as StoredExperiment | undefined;
      if (!experiment) throw notFound('no such experiment');
      const winner = input.rollOut ? experiment.variants.find((v) => v.id === input.rollOut) : undefined;
      if (input.rollOut && !winner)
        throw invalidArgument('data.rollOut: not a variant of this experiment', { fields: ['data.rollOut'] });
      if (experiment.status === 'stopped') return { experimentId: input.experimentId, status: 'stopped' as const };
      const active = await tx.get(analyticsPaths.activeExperiment(experiment.type));
      const now = this.clock.now();
      tx.update(analyticsPaths.experiment(input.experimentId), {
        status: 'stopped',
        stoppedAt: now,
        rolledOut: winner?.id ?? null,
      });
      if (active.data?.experimentId === input.experimentId) tx.delete(analyticsPaths.activeExperiment(experiment.type));
      if (winner) {
        tx.set(analyticsPaths.contentOverride(experiment.type), {
          type: experiment.type,
          fromExperiment: input.experimentId,
          variant: winner.id,
          ...(winner.title ? { title: winner.title } : {}),
          ...(winner.body ? { body: winner.body } : {}),
          ...(winner.channels ? { channels: winner.channels } : {}),
          at: now,
        });
      }
      this.audit.recordIn(tx, {
        actorUid: caller.uid,
        action: 'experiment.stopped',
        target: { type: 'experiment', id: input.experimentId },
        details: { rolledOut: winner?.id ?? null },
      });
      return { experimentId: input.experimentId, status: 'stopped' as const, rolledOut: winner?.id ?? null };
    });
  }

  async results(caller: Caller, input: { experimentId: string }) {
    requireRole(caller, 'admin');
    const experiment = (await this.store.get(analyticsPaths.experiment(input.experimentId))).data as
      StoredExperiment | undefined;
    if (!experiment) throw notFound('no such experiment');
    const shards = await this.store.query(analyticsPaths.variantCounts(), {
      where: [['experimentId', '==', input.experimentId]],
    });
    const variants = experiment.variants.map((v) => {
      const docs = shards.filter((s) => s.data?.variant === v.id).map((s) => s.data!);
      const sum = sumCounters(docs, ['exposures', 'opened', 'clicked', 'converted']);
      const counts: VariantCounts = {
        exposures: sum.exposures ?? 0,
        opened: sum.opened ?? 0,
        clicked: sum.clicked ?? 0,
        converted: sum.converted ?? 0,
      };
      return { id: v.id, weight: v.weight, counts };
    });
    return {
      experimentId: input.experimentId,
      type: experiment.type,
      status: experiment.status,
      rolledOut: experiment.rolledOut ?? null,
      counts: Object.fromEntries(variants.map((v) => [v.id, v.counts])),
      ...experimentResults(experiment.metric, variants),
    };
  }

  /**
   * The content a user gets for a type while an experiment runs (their variant's overrides), or after a roll-out
   * (the winner's). For the notification pipeline to apply when it renders; undefined: the template's own.
   */
  async contentFor(uid: string, type: string): Promise<ContentOverride | undefined> {
    return experimentContentFor(this.store, uid, type);
  }
}
