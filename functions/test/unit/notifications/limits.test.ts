import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryDocumentStore } from '../../../src/adapters/memory/memoryDocumentStore.js';
import { RateLimiter } from '../../../src/app/notifications/rateLimits.js';
import type { ConsumeRequest } from '../../../src/app/notifications/rateLimits.js';
import { DEFAULT_SETTINGS } from '../../../src/config.js';
import { CHANNELS } from '../../../src/domain/channels.js';
import {
  LIMITS,
  RECIPIENT_ROLES,
  highestLimit,
  limitFor,
  limitsMarkdown,
  recipientRole,
} from '../../../src/domain/notifications/limits.js';
import { eventIdFor } from '../../../src/app/notifications/eventPipeline.js';
import { TOPICS } from '../../../src/domain/channels.js';
import { deliveryId } from '../../../src/domain/delivery.js';
import { paths } from '../../../src/domain/paths.js';
import { rateCounter, seedRateCount } from '../../support/rateCounters.js';
import { bid, notificationFixture, followersWorkshop } from './fixture.js';
import type { DocSnapshot, Transaction } from '../../../src/ports.js';

const now = new Date('2026-06-10T14:00:00Z');
const DAY = '2026-06-10';
const { smsDailyLimit, emailDailyLimit, inAppDailyLimit } = DEFAULT_SETTINGS.notifications;
/** The limiter as the wiring builds it (src/app/notifications/index.ts): the params as ceilings. */
const productionLimiter = (store: MemoryDocumentStore) =>
  new RateLimiter(store, { sms: smsDailyLimit, email: emailDailyLimit, inApp: inAppDailyLimit });

async function world() {
  const store = new MemoryDocumentStore();
  await store.set(paths.user('buyer1'), { displayName: 'Diego', kind: 'collector' });
  await store.set(paths.user('creator1'), { displayName: 'Sofia', kind: 'creator' });
  return { store, limiter: productionLimiter(store) };
}

const request = (uid: string, channel: ConsumeRequest['channel'], extra: Partial<ConsumeRequest> = {}) => ({
  uid,
  channel,
  timeZone: 'UTC',
  now,
  ...extra,
});

describe('the limits table (src/domain/notifications/limits.ts)', () => {
  it('is the table in the README, value for value', () => {
    const readme = readFileSync(resolve(__dirname, '../../../../README.md'), 'utf8');
    const section = /<!-- limits-table:begin -->\n([\s\S]*?)\n<!-- limits-table:end -->/.exec(readme);
    expect(section, 'README.md lacks the limits-table markers').not.toBeNull();
    expect(section![1]).toBe(limitsMarkdown());
  });

  it('has a row per role and a value per channel; SMS is one cap for every role, push unlimited', () => {
    for (const role of RECIPIENT_ROLES) {
      expect(Object.keys(LIMITS[role]).sort()).toEqual([...CHANNELS].sort());
      expect(LIMITS[role].sms).toBe(10);
      expect(LIMITS[role].push).toBeNull();
    }
  });

  it("the params' defaults are each column's highest value, so by default they cut no row", () => {
    expect(smsDailyLimit).toBe(highestLimit('sms'));
    expect(emailDailyLimit).toBe(highestLimit('email'));
    expect(inAppDailyLimit).toBe(highestLimit('inApp'));
    const ceilings = { sms: smsDailyLimit, email: emailDailyLimit, inApp: inAppDailyLimit };
    for (const role of RECIPIENT_ROLES)
      for (const channel of CHANNELS)
        expect(limitFor(role, channel, ceilings)).toBe(LIMITS[role][channel] ?? Number.POSITIVE_INFINITY);
  });

  it('decides the role from what the data carries: admin claim, profile kind, selling, else buyer', () => {
    expect(recipientRole({ kind: 'creator' })).toBe('creator');
    expect(recipientRole({ kind: 'collector' })).toBe('buyer');
    expect(recipientRole({})).toBe('buyer'); // no profile
    expect(recipientRole({ kind: 'superuser' })).toBe('buyer'); // unreadable kind: the lowest limits
    expect(recipientRole({ kind: 'collector', sells: true })).toBe('seller');
    expect(recipientRole({ kind: 'creator', sells: true })).toBe('creator');
    expect(recipientRole({ kind: 'creator', admin: true })).toBe('admin');
  });
});

describe('RateLimiter reads its limits from the table, per recipient role', () => {
  it('a buyer and a creator hit different email caps (one recipient at a time: reserveIn)', async () => {
    const { store, limiter } = await world();
    await seedRateCount(store, 'buyer1', 'email', DAY, 49);
    await seedRateCount(store, 'creator1', 'email', DAY, 49);
    expect(await limiter.tryConsume(request('buyer1', 'email'))).toEqual({ allowed: true, count: 50, limit: 50 });
    expect(await limiter.tryConsume(request('buyer1', 'email'))).toEqual({ allowed: false, count: 50, limit: 50 });
    expect(await limiter.tryConsume(request('creator1', 'email'))).toEqual({ allowed: true, count: 50, limit: 150 });
    expect(await limiter.tryConsume(request('creator1', 'email'))).toEqual({ allowed: true, count: 51, limit: 150 });
    await seedRateCount(store, 'creator1', 'email', DAY, 150);
    expect((await limiter.tryConsume(request('creator1', 'email'))).allowed).toBe(false);
    expect(await rateCounter(store, 'buyer1', 'email', DAY)).toMatchObject({
      count: 50,
      limit: 50,
      role: 'buyer',
    });
  });

  it('the same caps hold in a fan-out chunk (reserveManyIn), with the profiles read in its one getAll', async () => {
    const { store, limiter } = await world();
    await seedRateCount(store, 'buyer1', 'email', DAY, 50);
    await seedRateCount(store, 'creator1', 'email', DAY, 50);
    const allowed = await store.transaction((tx) =>
      limiter.reserveManyIn(tx, 'evt_1', [request('buyer1', 'email'), request('creator1', 'email')]),
    );
    expect(allowed).toEqual([false, true]);
    expect(await rateCounter(store, 'creator1', 'email', DAY)).toMatchObject({
      count: 51,
      limit: 150,
      role: 'creator',
      holders: { evt_1: true },
    });
    expect((await rateCounter(store, 'buyer1', 'email', DAY))?.count).toBe(50);
  });

  it('in-app is limited like the other channels, alike in both paths: buyer 500, creator 2000', async () => {
    const { store, limiter } = await world();
    for (const [uid, limit] of [
      ['buyer1', 500],
      ['creator1', 2000],
    ] as const) {
      await seedRateCount(store, uid, 'inApp', DAY, limit - 1);
      const one = await store.transaction((tx) => limiter.reserveIn(tx, request(uid, 'inApp')));
      expect({ allowed: one.allowed, limit: one.limit }).toEqual({ allowed: true, limit });
      await seedRateCount(store, uid, 'inApp', DAY, limit);
      const single = await limiter.tryConsume(request(uid, 'inApp'));
      const chunk = await store.transaction((tx) => limiter.reserveManyIn(tx, 'evt_2', [request(uid, 'inApp')]));
      expect([single.allowed, chunk[0]]).toEqual([false, false]);
    }
  });

  it('push is unlimited for every role: no counter, nothing read', async () => {
    const { limiter } = await world();
    for (const role of RECIPIENT_ROLES)
      expect(limiter.counterPath(request('creator1', 'push', { role }))).toBeUndefined();
    expect(limiter.counterPath(request('creator1', 'push'))).toBeUndefined();
  });

  it('reads the profile once per transaction, never for SMS (one cap for all) nor when the caller gives the role', async () => {
    const { store, limiter } = await world();
    const reads: string[] = [];
    await store.transaction(async (tx) => {
      // The store's transaction, with its reads recorded.
      const counting: Transaction = Object.assign(Object.create(tx) as Transaction, {
        get: (path: string): Promise<DocSnapshot> => {
          reads.push(path);
          return tx.get(path);
        },
      });
      await limiter.reserveIn(counting, request('creator1', 'sms'));
      await limiter.reserveIn(counting, request('creator1', 'email'));
      await limiter.reserveIn(counting, request('creator1', 'inApp'));
      await limiter.reserveIn(counting, request('buyer1', 'email', { role: 'admin' }));
    });
    expect(reads.filter((p) => p.startsWith('users/') && !p.includes('/counters/'))).toEqual([paths.user('creator1')]);
  });

  it('a role the caller knows (admin by claim, seller by an order) gets its row without a profile', async () => {
    const { limiter } = await world();
    expect((await limiter.tryConsume(request('nobody', 'email', { role: 'admin' }))).limit).toBe(200);
    expect((await limiter.tryConsume(request('nobody', 'email', { role: 'seller' }))).limit).toBe(100);
    expect((await limiter.tryConsume(request('nobody', 'email'))).limit).toBe(50);
  });

  it('a lower param is a ceiling over every role', async () => {
    const { store } = await world();
    const limiter = new RateLimiter(store, { email: 20 });
    expect((await limiter.tryConsume(request('creator1', 'email'))).limit).toBe(20);
    expect((await limiter.tryConsume(request('buyer1', 'email'))).limit).toBe(20);
    expect((await limiter.tryConsume(request('buyer1', 'inApp'))).limit).toBe(500);
  });
});

describe("the delivery paths apply each recipient's row (profiles as the pipeline reads them)", () => {
  it('one recipient at a time: at 500 in-app and 50 emails today, the buyer gets neither, the creator both', async () => {
    const f = notificationFixture('2026-06-10T14:00:00Z');
    await f.user('bidder1', { kind: 'collector', emailVerified: true, timeZone: 'UTC' });
    await f.user('seller', { kind: 'creator', emailVerified: true, timeZone: 'UTC' });
    await f.user('bidder2', { timeZone: 'UTC' });
    for (const uid of ['bidder1', 'seller']) {
      await seedRateCount(f.store, uid, 'inApp', DAY, 500);
      await seedRateCount(f.store, uid, 'email', DAY, 50);
    }
    // Both get email for their type: the outbid (bidder1) and the new bid (seller).
    for (const uid of ['bidder1', 'seller'])
      await f.n.preferences.update(uid, {
        types: { 'auction.outbid': { channels: { email: true } }, 'auction.bid_placed': { channels: { email: true } } },
      });
    const event = bid();
    await f.n.pipeline.submit(event, 'callable', 'a');
    const eventId = eventIdFor(event.idempotencyKey);
    expect(await f.notifications('bidder1')).toEqual([]);
    expect(await f.notifications('seller')).toHaveLength(1);
    const email = async (uid: string) => (await f.store.get(paths.delivery(deliveryId(eventId, uid, 'email')))).data;
    expect(await email('bidder1')).toMatchObject({ status: 'suppressed', reason: 'rate_limited' });
    expect(f.jobs('email').map((j) => j.uid)).toContain('seller');
    expect(await rateCounter(f.store, 'seller', 'inApp', DAY)).toMatchObject({
      count: 501,
      limit: 2000,
      role: 'creator',
    });
  });

  it('a fan-out chunk: at 500 in-app today, the buyer follower gets nothing in the center, the creator follower does', async () => {
    const f = notificationFixture('2026-06-10T14:00:00Z');
    await f.user('kai', { kind: 'creator' });
    await f.user('buyer1', { kind: 'collector', phoneVerified: false, timeZone: 'UTC' });
    await f.user('maker1', { kind: 'creator', phoneVerified: false, timeZone: 'UTC' });
    await f.followers('kai', ['buyer1', 'maker1']);
    for (const uid of ['buyer1', 'maker1']) await seedRateCount(f.store, uid, 'inApp', DAY, 500);
    const event = followersWorkshop();
    await f.publisher.publish(TOPICS.domainEvents, event);
    await f.publisher.drain();
    expect(await f.notifications('buyer1')).toEqual([]);
    expect(await f.notifications('maker1')).toHaveLength(1);
    expect(await rateCounter(f.store, 'maker1', 'inApp', DAY)).toMatchObject({
      count: 501,
      role: 'creator',
    });
    expect((await rateCounter(f.store, 'buyer1', 'inApp', DAY))?.count).toBe(500);
  });
});
