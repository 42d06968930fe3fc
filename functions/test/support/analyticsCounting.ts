import { expect } from 'vitest';
import type { Clock, DocData, DocumentStore, Logger } from '../../src/ports.js';
import { DeliveryRepo } from '../../src/app/delivery/deliveryRepo.js';
import { DeliveryCounter } from '../../src/app/analytics/counters.js';
import { deliveryRecord } from '../../src/domain/delivery/record.js';
import { DAILY_FIELDS, sumCounters } from '../../src/domain/analytics/aggregates.js';
import { analyticsPaths } from '../../src/domain/analytics/paths.js';
import { paths } from '../../src/domain/paths.js';
import type { DeliveryJob } from '../../src/domain/delivery.js';
import { deliveryId } from '../../src/domain/delivery.js';

/**
 * Counting scenarios shared by the unit tier (memory store) and the emulator tier (Firestore decides contention):
 * the trigger is simulated by handing the counter each version of the record, as Firestore would, with redelivery
 * (the same version twice, at once) and reordering (older versions after newer ones).
 */
export interface CountingEnv {
  store: DocumentStore;
  clock: Clock & { advance?(ms: number): void };
  logger: Logger;
  /** A prefix that keeps runs apart on a shared emulator. */
  run: string;
}

const quiet: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => quiet,
};
export const quietLogger = quiet;

export function countingFixture(env: CountingEnv) {
  const repo = new DeliveryRepo(env.store, env.clock);
  const counter = new DeliveryCounter(env.store, env.clock, env.logger);
  const type = `test.counting_${env.run.replace(/[^a-z0-9]/gi, '').toLowerCase()}`;
  const job = (i: number, channel: 'push' | 'sms' = 'sms'): DeliveryJob => ({
    deliveryId: deliveryId(env.run, `d${i}`, channel),
    eventId: `${env.run}_e${i}`,
    uid: `${env.run}_u${i}`,
    channel,
    type,
    category: 'commerce',
    priority: 'high',
    critical: false,
    notificationId: `n${i}`,
    groupKey: `g${i}`,
    locale: 'de',
    content: { sms: { body: 'hi' }, push: { title: 't', body: 'b' } },
    data: {},
    fallback: [],
    createdAt: env.clock.now().toISOString(),
  });
  const snapshot = async (id: string) => (await env.store.get(paths.delivery(id))).data;

  /** One delivery's life (queued → sending → sent → delivered with a price → opened); returns every version seen. */
  async function lifecycle(j: DeliveryJob): Promise<DocData[]> {
    const versions: DocData[] = [];
    const seen = async () => {
      versions.push((await snapshot(j.deliveryId))!);
      env.clock.advance?.(1000);
    };
    const { deliveryId, eventId, uid, channel, category, priority, critical, notificationId, groupKey } = j;
    await env.store.create(
      paths.delivery(deliveryId),
      deliveryRecord(
        { deliveryId, eventId, uid, channel, type: j.type, category, priority, critical, notificationId, groupKey },
        'queued',
        env.clock.now(),
      ),
    );
    await seen();
    await repo.claim(j);
    await seen();
    await repo.recordSent(deliveryId, {
      provider: 'twilio',
      providerMessageId: `SM${deliveryId}`,
      attempts: 1,
      errors: [],
    });
    await seen();
    await repo.applyProviderEvent(deliveryId, {
      status: 'delivered',
      at: env.clock.now(),
      fields: { price: -0.0079, priceUnit: 'USD' },
    });
    await seen();
    await repo.applyProviderEvent(deliveryId, { status: 'opened', at: env.clock.now() });
    await seen();
    return versions;
  }

  async function daily(): Promise<Record<string, number>> {
    const docs = await env.store.query(analyticsPaths.daily(), { where: [['type', '==', type]] });
    return sumCounters(
      docs.map((d) => d.data!),
      DAILY_FIELDS,
    );
  }

  /** Every version counted, each twice at once (redelivery), then all again newest first (late, reordered events). */
  async function countWithRedelivery(deliveryId: string, versions: DocData[]) {
    for (const v of versions)
      await Promise.all([counter.onDeliveryWritten(deliveryId, v), counter.onDeliveryWritten(deliveryId, v)]);
    for (const v of [...versions].reverse()) await counter.onDeliveryWritten(deliveryId, v);
  }

  return { repo, counter, type, job, lifecycle, daily, countWithRedelivery, snapshot };
}

/** N deliveries, their lives lived first, then every trigger event of all of them counted at once, twice. */
export async function concurrentCounting(env: CountingEnv, n: number) {
  const f = countingFixture(env);
  const lives = await Promise.all(
    Array.from({ length: n }, (_, i) => f.job(i)).map(async (j) => [j.deliveryId, await f.lifecycle(j)] as const),
  );
  await Promise.all(
    lives.flatMap(([id, versions]) =>
      versions.flatMap((v) => [f.counter.onDeliveryWritten(id, v), f.counter.onDeliveryWritten(id, v)]),
    ),
  );
  const totals = await f.daily();
  expect(totals).toMatchObject({ sent: n, delivered: n, opened: n, attempted: n, latencyCount: n });
  expect(totals.failed ?? 0).toBe(0);
  expect(totals.cost).toBeCloseTo(0.0079 * n, 10);
  return totals;
}
