import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../../src/app/notifications/rateLimits.js';
import { MemoryDocumentStore } from '../../../src/adapters/memory/memoryDocumentStore.js';
import { paths } from '../../../src/domain/paths.js';
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
    expect((await store.get(paths.counter('u1', 'rate_sms_2026-06-10'))).data?.count).toBe(10);
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
    expect((await f.store.get(paths.counter('buyer', 'rate_sms_2026-06-10'))).data?.count).toBe(10);
  });
});
