import { describe, expect, it } from 'vitest';
import { MemoryDocumentStore } from '../../../src/adapters/memory/memoryDocumentStore.js';
import { RateLimiter } from '../../../src/app/notifications/rateLimits.js';
import { eventIdFor } from '../../../src/app/notifications/eventPipeline.js';
import { DEFAULT_SETTINGS } from '../../../src/config.js';
import { TOPICS } from '../../../src/domain/channels.js';
import type { Channel } from '../../../src/domain/channels.js';
import { deliveryId } from '../../../src/domain/delivery.js';
import { profileRole } from '../../../src/domain/notifications/limits.js';
import { paths } from '../../../src/domain/paths.js';
import { userProfileSchema } from '../../../src/domain/users.js';
import { rateCounter, seedRateCount } from '../../support/rateCounters.js';
import { bid, notificationFixture, followersWorkshop } from './fixture.js';

/**
 * The seller and admin rows of the limits table reach real recipients (issue 18): the profile's server-owned
 * `sells: true` (set when an event names the user as a seller) and `staffRoles` (the mirror of the Auth claims that
 * setStaffRoles writes) decide the role on both delivery paths and in the limiter's own profile read. Before these
 * fields were read, a seller and an admin got the buyer's row (50 emails, 500 in-app a day).
 */
const DAY = '2026-06-10';
const now = new Date('2026-06-10T14:00:00Z');
const counter = (f: { store: MemoryDocumentStore }, uid: string, channel: Channel) =>
  rateCounter(f.store, uid, channel, DAY);

describe('the role a profile carries', () => {
  it('admin by the staffRoles mirror, seller by sells, whatever kind says; garbage reads as none', () => {
    expect(profileRole({ kind: 'collector', staffRoles: ['admin'] })).toBe('admin');
    expect(profileRole({ kind: 'creator', staffRoles: ['compliance', 'admin'], sells: true })).toBe('admin');
    expect(profileRole({ kind: 'collector', staffRoles: ['compliance'], sells: true })).toBe('seller');
    expect(profileRole({ kind: 'creator', sells: true })).toBe('creator');
    expect(profileRole({ kind: 'collector', sells: 'yes', staffRoles: 'admin' })).toBe('buyer');
    expect(profileRole({})).toBe('buyer');
    // As the delivery paths read it: parsed, tolerant of a bad mirror (the profile stays readable).
    const parsed = userProfileSchema.parse({ displayName: 'A', staffRoles: ['admin', 'owner', 3], sells: true });
    expect(parsed).toMatchObject({ staffRoles: ['admin'], sells: true });
    const bad = userProfileSchema.safeParse({ displayName: 'A', staffRoles: 'admin', sells: 1 });
    expect(bad.success && bad.data.staffRoles === undefined && bad.data.sells === undefined).toBe(true);
  });
});

describe('one recipient at a time (recipientDelivery)', () => {
  it('a seller at 50 emails and 500 in-app today still gets both (seller row: 100, 1000); an admin at 100 and 1000 too (admin: 200, 2000)', async () => {
    const f = notificationFixture('2026-06-10T14:00:00Z');
    // bid(): the seller hears of the new bid, bidder1 (here an admin who collects) that they were outbid.
    await f.user('seller', { kind: 'collector', sells: true, emailVerified: true, timeZone: 'UTC' });
    await f.user('bidder1', { kind: 'collector', staffRoles: ['admin'], emailVerified: true, timeZone: 'UTC' });
    await f.user('bidder2', { timeZone: 'UTC' });
    await seedRateCount(f.store, 'seller', 'inApp', DAY, 500);
    await seedRateCount(f.store, 'seller', 'email', DAY, 50);
    await seedRateCount(f.store, 'bidder1', 'inApp', DAY, 1000);
    await seedRateCount(f.store, 'bidder1', 'email', DAY, 100);
    for (const uid of ['bidder1', 'seller'])
      await f.n.preferences.update(uid, {
        types: { 'auction.outbid': { channels: { email: true } }, 'auction.bid_placed': { channels: { email: true } } },
      });
    const event = bid();
    await f.n.pipeline.submit(event, 'callable', 'a');
    const eventId = eventIdFor(event.idempotencyKey);

    expect(await f.notifications('seller')).toHaveLength(1);
    expect(await f.notifications('bidder1')).toHaveLength(1);
    expect(
      f
        .jobs('email')
        .map((j) => j.uid)
        .sort(),
    ).toEqual(['bidder1', 'seller']);
    for (const uid of ['seller', 'bidder1'])
      expect((await f.store.get(paths.delivery(deliveryId(eventId, uid, 'email')))).data?.status).not.toBe(
        'suppressed',
      );
    expect(await counter(f, 'seller', 'inApp')).toMatchObject({ count: 501, limit: 1000, role: 'seller' });
    expect(await counter(f, 'seller', 'email')).toMatchObject({ count: 51, limit: 100, role: 'seller' });
    expect(await counter(f, 'bidder1', 'inApp')).toMatchObject({ count: 1001, limit: 2000, role: 'admin' });
    expect(await counter(f, 'bidder1', 'email')).toMatchObject({ count: 101, limit: 200, role: 'admin' });
  });

  it('the seller row still ends at 100 emails: the 101st is suppressed as rate_limited', async () => {
    const f = notificationFixture('2026-06-10T14:00:00Z');
    await f.user('seller', { kind: 'collector', sells: true, emailVerified: true, timeZone: 'UTC' });
    await f.user('bidder1', { timeZone: 'UTC' });
    await f.user('bidder2', { timeZone: 'UTC' });
    await seedRateCount(f.store, 'seller', 'email', DAY, 100);
    await f.n.preferences.update('seller', { types: { 'auction.bid_placed': { channels: { email: true } } } });
    const event = bid();
    await f.n.pipeline.submit(event, 'callable', 'a');
    const email = await f.store.get(paths.delivery(deliveryId(eventIdFor(event.idempotencyKey), 'seller', 'email')));
    expect(email.data).toMatchObject({ status: 'suppressed', reason: 'rate_limited' });
  });
});

describe('a fan-out chunk (chunkDelivery)', () => {
  it('at 500 in-app today a seller follower still gets the notification, at 1000 an admin follower too; a buyer does not', async () => {
    const f = notificationFixture('2026-06-10T14:00:00Z');
    await f.user('kai', { kind: 'creator' });
    await f.user('seller1', { kind: 'collector', sells: true, phoneVerified: false, timeZone: 'UTC' });
    await f.user('admin1', { kind: 'collector', staffRoles: ['admin'], phoneVerified: false, timeZone: 'UTC' });
    await f.user('buyer1', { kind: 'collector', phoneVerified: false, timeZone: 'UTC' });
    await f.followers('kai', ['admin1', 'buyer1', 'seller1']);
    await seedRateCount(f.store, 'seller1', 'inApp', DAY, 500);
    await seedRateCount(f.store, 'admin1', 'inApp', DAY, 1000);
    await seedRateCount(f.store, 'buyer1', 'inApp', DAY, 500);
    const event = followersWorkshop();
    await f.publisher.publish(TOPICS.domainEvents, event);
    await f.publisher.drain();
    expect(await f.notifications('seller1')).toHaveLength(1);
    expect(await f.notifications('admin1')).toHaveLength(1);
    expect(await f.notifications('buyer1')).toEqual([]);
    expect(await counter(f, 'seller1', 'inApp')).toMatchObject({ count: 501, limit: 1000, role: 'seller' });
    expect(await counter(f, 'admin1', 'inApp')).toMatchObject({ count: 1001, limit: 2000, role: 'admin' });
  });
});

describe('the limiter reading the profile itself (rateLimits.ts: no role given)', () => {
  it('reserveIn and reserveManyIn take admin from staffRoles and seller from sells', async () => {
    const store = new MemoryDocumentStore();
    await store.set(paths.user('adm'), { displayName: 'A', kind: 'collector', staffRoles: ['admin'] });
    await store.set(paths.user('sel'), { displayName: 'S', kind: 'collector', sells: true });
    const { emailDailyLimit, inAppDailyLimit } = DEFAULT_SETTINGS.notifications;
    const limiter = new RateLimiter(store, { email: emailDailyLimit, inApp: inAppDailyLimit });
    const one = (uid: string) => limiter.tryConsume({ uid, channel: 'email', timeZone: 'UTC', now });
    expect((await one('adm')).limit).toBe(200);
    expect((await one('sel')).limit).toBe(100);
    const many = await store.transaction(async (tx) =>
      limiter.reserveManyIn(tx, 'ev1', [
        { uid: 'adm', channel: 'inApp', timeZone: 'UTC', now },
        { uid: 'sel', channel: 'inApp', timeZone: 'UTC', now },
      ]),
    );
    expect(many).toEqual([true, true]);
    expect(await rateCounter(store, 'adm', 'inApp', DAY)).toMatchObject({
      limit: 2000,
      role: 'admin',
    });
    expect(await rateCounter(store, 'sel', 'inApp', DAY)).toMatchObject({
      limit: 1000,
      role: 'seller',
    });
  });
});
