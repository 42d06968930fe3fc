import { describe, expect, it } from 'vitest';
import { RATE_COUNTER_KEPT_MS, RateLimiter, rateCounterPath } from '../../../src/app/notifications/rateLimits.js';
import type { ConsumeRequest } from '../../../src/app/notifications/rateLimits.js';
import { MemoryDocumentStore } from '../../../src/adapters/memory/memoryDocumentStore.js';
import type { DocSnapshot, Transaction } from '../../../src/ports.js';
import { rateCounter, seedRateCount } from '../../support/rateCounters.js';
import { envelope, notificationFixture } from './fixture.js';

const now = new Date('2026-06-10T14:00:00Z');

describe('RateLimiter: SMS at most 10 per user per local day', () => {
  it('the 10th SMS goes, the 11th is refused', async () => {
    const limiter = new RateLimiter(new MemoryDocumentStore(), { sms: 10 });
    const results = [];
    for (let i = 0; i < 11; i++)
      results.push(await limiter.tryConsume({ uid: 'u1', channel: 'sms', timeZone: 'UTC', now }));
    expect(results[9]).toEqual({ allowed: true, count: 10, limit: 10 });
    expect(results[10]).toEqual({ allowed: false, count: 10, limit: 10 });
  });

  it('exactly 10 of 25 concurrent attempts succeed, and the counter says 10', async () => {
    const store = new MemoryDocumentStore();
    const limiter = new RateLimiter(store, { sms: 10 });
    const results = await Promise.all(
      Array.from({ length: 25 }, () => limiter.tryConsume({ uid: 'u1', channel: 'sms', timeZone: 'UTC', now })),
    );
    expect(results.filter((r) => r.allowed)).toHaveLength(10);
    expect(
      results
        .filter((r) => r.allowed)
        .map((r) => r.count)
        .sort((a, b) => a - b),
    ).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect((await rateCounter(store, 'u1', 'sms', '2026-06-10'))?.count).toBe(10);
    expect((await store.get(rateCounterPath('u1', '2026-06-10'))).data?.expiresAt).toEqual(
      new Date(now.getTime() + RATE_COUNTER_KEPT_MS),
    );
  });

  it('the day turns at the user’s local midnight, and push is unlimited', async () => {
    const limiter = new RateLimiter(new MemoryDocumentStore(), { sms: 1 });
    const kolkata = { uid: 'u1', channel: 'sms' as const, timeZone: 'Asia/Kolkata' };
    expect((await limiter.tryConsume({ ...kolkata, now: new Date('2026-06-10T18:00:00Z') })).allowed).toBe(true); // 23:30 IST
    expect((await limiter.tryConsume({ ...kolkata, now: new Date('2026-06-10T18:20:00Z') })).allowed).toBe(false); // 23:50 IST
    expect((await limiter.tryConsume({ ...kolkata, now: new Date('2026-06-10T18:31:00Z') })).allowed).toBe(true); // 00:01 IST next day
    const push = await limiter.tryConsume({ uid: 'u1', channel: 'push', timeZone: 'UTC', now });
    expect(push.allowed).toBe(true);
    expect(push.limit).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('RateLimiter: one counter document per user and local day, a map per channel', () => {
  const DAY = '2026-06-10';
  const limits = { sms: 10, email: 50, inApp: 500 };
  const req = (uid: string, channel: ConsumeRequest['channel']): ConsumeRequest => ({
    uid,
    channel,
    timeZone: 'UTC',
    now,
    role: 'buyer',
  });
  /** The transaction with its reads recorded (paths, one entry per path read). */
  const recording = (tx: Transaction, reads: string[][]): Transaction =>
    Object.assign(Object.create(tx) as Transaction, {
      get: (path: string): Promise<DocSnapshot> => {
        reads.push([path]);
        return tx.get(path);
      },
      getAll: (list: readonly string[]): Promise<DocSnapshot[]> => {
        reads.push([...list]);
        return tx.getAll(list);
      },
    });

  it('two channels of one user reserved in one transaction (reserveIn) are both counted, in one document', async () => {
    const store = new MemoryDocumentStore();
    const limiter = new RateLimiter(store, limits);
    await seedRateCount(store, 'u1', 'email', DAY, 7);
    await seedRateCount(store, 'u1', 'inApp', DAY, 40);
    const reads: string[][] = [];
    await store.transaction(async (tx) => {
      const counting = recording(tx, reads);
      // As recipientDelivery reserves a recipient's channels: every read first, then the commits.
      const email = await limiter.reserveIn(counting, req('u1', 'email'));
      const inApp = await limiter.reserveIn(counting, req('u1', 'inApp'));
      expect([email.count, inApp.count]).toEqual([8, 41]);
      email.commit();
      inApp.commit();
    });
    // One read of the day document for both channels.
    expect(reads).toEqual([[rateCounterPath('u1', DAY)]]);
    const doc = (await store.get(rateCounterPath('u1', DAY))).data;
    expect(doc).toMatchObject({
      day: DAY,
      role: 'buyer',
      email: { count: 8, limit: 50 },
      inApp: { count: 41, limit: 500 },
    });
    expect((await store.query('users/u1/counters')).map((d) => d.id)).toEqual([`rate_${DAY}`]);
  });

  it('reserveManyIn: email and in-app of one user count in one document, read once and written once', async () => {
    const store = new MemoryDocumentStore();
    const limiter = new RateLimiter(store, limits);
    await seedRateCount(store, 'u1', 'inApp', DAY, 3);
    const reads: string[][] = [];
    const writes: string[] = [];
    const allowed = await store.transaction(async (tx) => {
      const counting = Object.assign(recording(tx, reads), {
        set: (path: string, data: Record<string, unknown>, options?: { merge?: boolean }) => {
          writes.push(path);
          tx.set(path, data, options);
        },
      });
      return limiter.reserveManyIn(counting, 'evt_1', [
        req('u1', 'email'),
        req('u2', 'email'),
        req('u1', 'inApp'),
        req('u1', 'push'),
        req('u2', 'inApp'),
      ]);
    });
    expect(allowed).toEqual([true, true, true, true, true]);
    expect(reads).toEqual([[rateCounterPath('u1', DAY), rateCounterPath('u2', DAY)]]);
    expect(writes).toEqual([rateCounterPath('u1', DAY), rateCounterPath('u2', DAY)]);
    expect((await store.get(rateCounterPath('u1', DAY))).data).toMatchObject({
      day: DAY,
      role: 'buyer',
      email: { count: 1, limit: 50, holders: { evt_1: true } },
      inApp: { count: 4, limit: 500, holders: { evt_1: true } },
      // Gone once its local day is over everywhere (a TTL policy and the retention sweep delete it).
      expiresAt: new Date(now.getTime() + RATE_COUNTER_KEPT_MS),
    });
    expect((await store.get(rateCounterPath('u1', DAY))).data?.push).toBeUndefined();
    expect(await rateCounter(store, 'u2', 'inApp', DAY)).toMatchObject({ count: 1, holders: { evt_1: true } });
  });

  it('a replay with the same holder counts nothing and is refused nothing, per channel; another holder counts', async () => {
    const store = new MemoryDocumentStore();
    const limiter = new RateLimiter(store, { email: 1, inApp: 500 });
    const chunk = [req('u1', 'email'), req('u1', 'inApp')];
    expect(await store.transaction((tx) => limiter.reserveManyIn(tx, 'evt_1', chunk))).toEqual([true, true]);
    // The email cap (1) is reached; the replay is still allowed on both channels, and counts neither again.
    expect(await store.transaction((tx) => limiter.reserveManyIn(tx, 'evt_1', chunk))).toEqual([true, true]);
    expect(await rateCounter(store, 'u1', 'email', DAY)).toMatchObject({ count: 1, holders: { evt_1: true } });
    expect(await rateCounter(store, 'u1', 'inApp', DAY)).toMatchObject({ count: 1, holders: { evt_1: true } });
    // Another event: in-app counts, email is over its cap. Each channel keeps its own holders.
    expect(await store.transaction((tx) => limiter.reserveManyIn(tx, 'evt_2', chunk))).toEqual([false, true]);
    expect(await rateCounter(store, 'u1', 'email', DAY)).toMatchObject({ count: 1, holders: { evt_1: true } });
    expect(await rateCounter(store, 'u1', 'inApp', DAY)).toMatchObject({
      count: 2,
      holders: { evt_1: true, evt_2: true },
    });
    // A single reservation (reserveIn) on the same day keeps the holders the chunks recorded.
    expect((await limiter.tryConsume(req('u1', 'inApp'))).count).toBe(3);
    expect(await rateCounter(store, 'u1', 'inApp', DAY)).toMatchObject({
      count: 3,
      holders: { evt_1: true, evt_2: true },
    });
  });

  it('requests for the same counter in one chunk are decided in order; other channels of that day are untouched', async () => {
    const store = new MemoryDocumentStore();
    const limiter = new RateLimiter(store, limits);
    await seedRateCount(store, 'u1', 'sms', DAY, 9);
    await seedRateCount(store, 'u1', 'email', DAY, 49);
    const allowed = await store.transaction((tx) =>
      limiter.reserveManyIn(tx, 'evt_1', [req('u1', 'email'), req('u2', 'email'), req('u1', 'inApp')]),
    );
    expect(allowed).toEqual([true, true, true]);
    const after = await store.transaction((tx) =>
      limiter.reserveManyIn(tx, 'evt_2', [req('u1', 'email'), req('u1', 'inApp')]),
    );
    expect(after).toEqual([false, true]);
    expect((await store.get(rateCounterPath('u1', DAY))).data).toMatchObject({
      sms: { count: 9 },
      email: { count: 50, limit: 50 },
      inApp: { count: 2, limit: 500 },
    });
  });

  it('concurrent transactions on different channels of one day document keep every increment', async () => {
    const store = new MemoryDocumentStore();
    const limiter = new RateLimiter(store, limits);
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => limiter.tryConsume(req('u1', (['sms', 'email', 'inApp'] as const)[i % 3]!))),
    );
    expect(results.every((r) => r.allowed)).toBe(true);
    expect((await store.get(rateCounterPath('u1', DAY))).data).toMatchObject({
      sms: { count: 10 },
      email: { count: 10 },
      inApp: { count: 10 },
    });
  });
});

describe('rate limits in the pipeline', () => {
  it('11 concurrent critical events: 10 SMS jobs, the 11th suppressed with the reason, push and email still go', async () => {
    const f = notificationFixture();
    await f.user('buyer');
    // SMS is a fallback for payment failures by default; this buyer asked for it on every one.
    await f.n.preferences.update('buyer', { types: { 'order.payment_failed': { channels: { sms: true } } } });
    const events = Array.from({ length: 11 }, (_, i) =>
      envelope('order.payment_failed', {
        orderId: `o${i}`,
        itemTitle: 'Vase',
        buyerId: 'buyer',
        amount: 80,
        currency: 'EUR',
      }),
    );
    await Promise.all(events.map((e, i) => f.n.pipeline.submit(e, 'pubsub', `m${i}`)));
    expect(f.jobs('sms')).toHaveLength(10);
    expect(f.jobs('push')).toHaveLength(11);
    expect(f.jobs('email')).toHaveLength(11);
    const suppressed = (await f.deliveries()).filter((d) => d.status === 'suppressed');
    expect(suppressed).toEqual([expect.objectContaining({ channel: 'sms', reason: 'rate_limited', uid: 'buyer' })]);
    expect((await rateCounter(f.store, 'buyer', 'sms', '2026-06-10'))?.count).toBe(10);
  });
});
