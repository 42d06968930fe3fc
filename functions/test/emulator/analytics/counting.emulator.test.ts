import { describe, expect, it } from 'vitest';
import { isolatedFirestore } from '../isolatedProject.js';
import { FirestoreDocumentStore } from '../../../src/adapters/firestore/firestoreDocumentStore.js';
import { ManualClock } from '../../../src/adapters/clocks.js';
import { concurrentCounting, countingFixture, quietLogger } from '../../support/analyticsCounting.js';

/**
 * The analytics counters on the Firestore emulator, which decides transaction contention the way Firestore does
 * (the memory store serialises transactions): every trigger event of many deliveries at once, each twice, and one
 * delivery's same event delivered ten times at once, still count exactly.
 */
const env = () => ({
  store: new FirestoreDocumentStore(() => isolatedFirestore()),
  clock: new ManualClock('2026-11-21T12:00:00Z'),
  logger: quietLogger,
  run: `r${process.pid}x${Date.now()}`,
});

describe('analytics counters on the Firestore emulator', () => {
  it('20 deliveries, every version counted twice at once: exact totals', async () => {
    await concurrentCounting(env(), 20);
  }, 120_000);

  it('one delivery, the same event ten times at once and the older versions late: counted once', async () => {
    const e = env();
    const f = countingFixture(e);
    const j = f.job(1);
    const versions = await f.lifecycle(j);
    const last = versions[versions.length - 1]!;
    await Promise.all(Array.from({ length: 10 }, () => f.counter.onDeliveryWritten(j.deliveryId, last)));
    await Promise.all(versions.map((v) => f.counter.onDeliveryWritten(j.deliveryId, v)));
    const totals = await f.daily();
    expect(totals).toMatchObject({ sent: 1, delivered: 1, opened: 1, attempted: 1, latencyCount: 1 });
  }, 60_000);
});
