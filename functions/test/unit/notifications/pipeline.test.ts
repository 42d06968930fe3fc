import { describe, expect, it } from 'vitest';
import { eventIdFor } from '../../../src/app/notifications/eventPipeline.js';
import { TOPICS } from '../../../src/domain/channels.js';
import { deliveryId } from '../../../src/domain/delivery.js';
import { paths } from '../../../src/domain/paths.js';
import { rateCounter } from '../../support/rateCounters.js';
import { bid, envelope, notificationFixture, followersWorkshop } from './fixture.js';

const USERS = ['seller', 'bidder1', 'bidder2', 'buyer', 'creator', 'collector', 'author', 'winner', 'm1', 'm2'];

async function fixtureWithUsers(now?: string) {
  const f = notificationFixture(now);
  for (const uid of USERS) await f.user(uid);
  return f;
}

/** Channels each recipient got a job on, e.g. { seller: ['push'], bidder1: ['email', 'push', 'sms'] }. */
function jobsByUser(f: ReturnType<typeof notificationFixture>) {
  const out: Record<string, string[]> = {};
  for (const topic of ['push', 'sms', 'email'] as const)
    for (const job of f.jobs(topic)) (out[job.uid] ??= []).push(job.channel);
  for (const list of Object.values(out)) list.sort();
  return out;
}

describe('every event type routes to the right people and channels, with the default preferences (14:00 UTC, a weekday)', () => {
  const cases: Array<[string, Record<string, unknown>, Record<string, string[]>, Record<string, string>]> = [
    [
      'auction.bid_placed',
      bid().payload,
      { seller: ['push'], bidder1: ['email', 'push', 'sms'] },
      { seller: 'auction.bid_placed', bidder1: 'auction.outbid' },
    ],
    [
      'auction.ending_soon',
      {
        auctionId: 'a1',
        auctionTitle: 'Walnut bowl',
        endsAt: '2026-06-10T15:00:00Z',
        minutesLeft: 60,
        watcherIds: ['m1', 'm2'],
      },
      { m1: ['email', 'push'], m2: ['email', 'push'] },
      { m1: 'auction.ending_soon' },
    ],
    [
      'auction.won',
      {
        auctionId: 'a1',
        auctionTitle: 'Walnut bowl',
        winnerId: 'winner',
        sellerId: 'seller',
        amount: 300,
        currency: 'USD',
      },
      { winner: ['email', 'push', 'sms'], seller: ['email', 'push'] },
      { winner: 'auction.won', seller: 'auction.sold' },
    ],
    [
      'order.purchase_confirmed',
      { orderId: 'o1', itemTitle: 'Vase', buyerId: 'buyer', sellerId: 'seller', amount: 80, currency: 'EUR' },
      { buyer: ['email', 'push'], seller: ['email', 'push'] },
      { buyer: 'order.purchase_confirmed', seller: 'order.new_sale' },
    ],
    [
      'order.shipped',
      { orderId: 'o1', itemTitle: 'Vase', buyerId: 'buyer', carrier: 'DHL', trackingNumber: 'JD0001' },
      { buyer: ['email', 'push'] },
      { buyer: 'order.shipped' },
    ],
    [
      'order.delivered',
      { orderId: 'o1', itemTitle: 'Vase', buyerId: 'buyer', sellerId: 'seller' },
      // The seller learns it arrived too (issue 18): push and in-app, no email.
      { buyer: ['email', 'push'], seller: ['push'] },
      { buyer: 'order.delivered', seller: 'order.sale_delivered' },
    ],
    [
      'order.payment_failed',
      { orderId: 'o1', itemTitle: 'Vase', buyerId: 'buyer', amount: 80, currency: 'EUR' },
      { buyer: ['email', 'push'] },
      { buyer: 'order.payment_failed' },
    ],
    [
      'order.refunded',
      { orderId: 'o1', itemTitle: 'Vase', buyerId: 'buyer', amount: 80, currency: 'EUR' },
      { buyer: ['email', 'push'] },
      { buyer: 'order.refunded' },
    ],
    // Hourly digest by default: in-app now, push held (no job yet).
    [
      'social.new_follower',
      { creatorId: 'creator', followerId: 'collector', followerName: 'Cleo' },
      {},
      { creator: 'social.new_follower' },
    ],
    [
      'social.story_comment',
      {
        storyId: 's1',
        storyTitle: 'Glazing',
        authorId: 'author',
        commenterId: 'collector',
        commenterName: 'Cleo',
        comment: 'Love it',
      },
      { author: ['push'] },
      { author: 'social.story_comment' },
    ],
    [
      'commerce.craft_inquiry',
      {
        inquiryId: 'i1',
        creatorId: 'creator',
        collectorId: 'collector',
        collectorName: 'Cleo',
        craftTitle: 'Quilt',
        message: 'Sizes?',
      },
      { creator: ['email', 'push'] },
      { creator: 'commerce.craft_inquiry' },
    ],
    [
      'commerce.commission_request',
      {
        requestId: 'r1',
        creatorId: 'creator',
        collectorId: 'collector',
        collectorName: 'Cleo',
        description: 'A table',
        amount: 500,
        currency: 'USD',
      },
      { creator: ['email', 'push'] },
      { creator: 'commerce.commission_request' },
    ],
    // Community is a daily digest by default: in-app only for now.
    [
      'community.creator_spotlight',
      { spotlightId: 'sp1', creatorId: 'creator', creatorName: 'Kai', headline: 'Kai turns bowls' },
      {},
      { creator: 'community.creator_spotlight' },
    ],
    [
      'messaging.new_message',
      {
        conversationId: 'c1',
        messageId: 'msg1',
        senderId: 'm1',
        senderName: 'Mo',
        recipientIds: ['m2'],
        preview: 'Hi!',
        messageType: 'text',
        encrypted: false,
      },
      { m2: ['push'] },
      { m2: 'messaging.new_message' },
    ],
  ];

  it.each(cases)('%s', async (type, payload, expectedJobs, expectedInApp) => {
    const f = await fixtureWithUsers();
    const result = await f.n.pipeline.submit(envelope(type, payload), 'callable', 'attempt-1');
    expect(result.status).toBe('processed');
    expect(jobsByUser(f)).toEqual(expectedJobs);
    for (const [uid, notificationType] of Object.entries(expectedInApp)) {
      const list = await f.notifications(uid);
      expect(list.map((n) => n.type)).toEqual([notificationType]);
      expect(await f.n.center.unreadCount(uid)).toBe(1);
    }
  });

  it('community events and craft challenges go to an audience (followers), not to the host', async () => {
    const f = await fixtureWithUsers();
    await f.followers('creator', ['m1', 'm2', 'creator']);
    await f.n.pipeline.submit(followersWorkshop('creator'), 'callable', 'a');
    await f.n.pipeline.submit(
      envelope(
        'community.craft_challenge',
        { challengeId: 'ch1', challengeTitle: 'Tiny teapots', endsAt: '2026-07-01T00:00:00Z' },
        { audience: { kind: 'followers', creatorId: 'creator' } },
      ),
      'callable',
      'b',
    );
    await f.publisher.drain();
    expect((await f.notifications('m1')).map((n) => n.type).sort()).toEqual([
      'community.craft_challenge',
      'community.event',
    ]);
    expect((await f.notifications('creator')).map((n) => n.type)).toEqual(['community.craft_challenge']);
    // community.event is instant by default: push + email now.
    expect(jobsByUser(f)).toEqual({ m1: ['email', 'push'], m2: ['email', 'push'] });
  });

  it('a commission request at or above the configured amount is critical and its push job carries the fallback', async () => {
    const f = await fixtureWithUsers();
    await f.n.pipeline.submit(
      envelope('commerce.commission_request', {
        requestId: 'r2',
        creatorId: 'creator',
        collectorId: 'collector',
        collectorName: 'Cleo',
        description: 'Dining table',
        amount: 2000,
        currency: 'USD',
      }),
      'callable',
      'a',
    );
    const [push] = f.jobs('push');
    expect(push).toMatchObject({ critical: true, priority: 'high', category: 'commerce' });
    // email has its own job; sms is off by default for commissions but the creator's phone is verified, so a
    // critical commission may fall back to it if push cannot reach her.
    expect(push!.fallback).toEqual(['sms']);
    expect(push!.content).toHaveProperty('sms');
    expect(f.jobs('email')).toHaveLength(1);
    expect(f.jobs('sms')).toHaveLength(0);
  });

  it('a critical push job carries rendered content for the channels without their own job', async () => {
    const f = await fixtureWithUsers();
    await f.n.preferences.update('bidder1', { types: { 'auction.outbid': { channels: { email: false } } } });
    await f.user('bidder1', { emailVerified: true });
    // Outbid: push, sms, email on by default; the user turns email off → push + sms jobs, and the push job carries
    // email (verified) as its fallback: a critical alert may use any verified contact point if push cannot reach them.
    await f.n.pipeline.submit(bid(), 'callable', 'a');
    const push = f.jobs('push').find((j) => j.uid === 'bidder1')!;
    expect(push.fallback).toEqual(['email']);
    expect(push.content).toHaveProperty('email.subject');
    expect(f.jobs('email').filter((j) => j.uid === 'bidder1')).toHaveLength(0);
    // With SMS over its limit, the push job lists nothing it cannot use, and the SMS delivery is suppressed with the reason.
    const g = await fixtureWithUsers();
    for (let i = 0; i < 10; i++)
      await g.n.rateLimiter.tryConsume({ uid: 'bidder1', channel: 'sms', timeZone: 'UTC', now: g.clock.now() });
    const event = bid();
    await g.n.pipeline.submit(event, 'callable', 'a');
    const eventId = eventIdFor(event.idempotencyKey);
    const sms = (await g.store.get(paths.delivery(deliveryId(eventId, 'bidder1', 'sms')))).data;
    expect(sms).toMatchObject({ status: 'suppressed', reason: 'rate_limited', critical: true });
    expect(g.jobs('sms')).toHaveLength(0);
    expect(g.jobs('push').find((j) => j.uid === 'bidder1')!.content).toHaveProperty('push');
    expect(g.jobs('email').filter((j) => j.uid === 'bidder1')).toHaveLength(1);
  });

  it('records deliveries/{eventId_uid_channel} with the routed status', async () => {
    const f = await fixtureWithUsers();
    const event = bid();
    await f.n.pipeline.submit(event, 'callable', 'a');
    const eventId = eventIdFor(event.idempotencyKey);
    const push = (await f.store.get(paths.delivery(deliveryId(eventId, 'bidder1', 'push')))).data;
    expect(push).toMatchObject({
      deliveryId: deliveryId(eventId, 'bidder1', 'push'),
      eventId,
      uid: 'bidder1',
      channel: 'push',
      type: 'auction.outbid',
      category: 'commerce',
      priority: 'high',
      critical: true,
      notificationId: `${eventId}_auction.outbid`,
      groupKey: 'auction.outbid:a1',
      status: 'queued',
      attempts: 0,
      errors: [],
    });
    expect((push!.timestamps as Record<string, unknown>).queuedAt).toBeInstanceOf(Date);
    // The critical push job carries push + sms + email content; sms and email have their own jobs, so no fallback.
    const job = f.jobs('push').find((j) => j.uid === 'bidder1')!;
    expect(job.content.push?.title).toBe("You've been outbid");
    expect(job.fallback).toEqual([]);
  });
});

describe('idempotency', () => {
  it('the same event three times (any door) → one notification, one job per channel, counts unchanged', async () => {
    const f = await fixtureWithUsers();
    const event = bid();
    await f.n.pipeline.submit(event, 'callable', 'a1');
    const after1 = {
      jobs: f.publisher.published.length,
      unread: await f.n.center.unreadCount('bidder1'),
      deliveries: (await f.deliveries()).length,
    };
    await f.n.pipeline.submit(event, 'pubsub', 'a2');
    // A third time as an events/ document under another id with the same idempotency key.
    await f.store.set(paths.event('doc-3'), { ...event, occurredAt: new Date(event.occurredAt) });
    const third = await f.n.pipeline.onDocument('doc-3', (await f.store.get(paths.event('doc-3'))).data, 'a3');
    expect(third.status).toBe('duplicate');
    expect(f.publisher.published.length).toBe(after1.jobs);
    expect(await f.n.center.unreadCount('bidder1')).toBe(after1.unread);
    expect((await f.deliveries()).length).toBe(after1.deliveries);
    expect(await f.notifications('bidder1')).toHaveLength(1);
    expect((await rateCounter(f.store, 'bidder1', 'sms', '2026-06-10'))?.count).toBe(1);
  });

  it('three concurrent deliveries of one event still make one of everything', async () => {
    const f = await fixtureWithUsers();
    const event = bid();
    await Promise.all([1, 2, 3].map((i) => f.n.pipeline.submit(event, 'pubsub', `m${i}`)));
    expect(f.jobs('push')).toHaveLength(2);
    expect(f.jobs('sms')).toHaveLength(1);
    expect(await f.notifications('bidder1')).toHaveLength(1);
    expect(await f.n.center.unreadCount('bidder1')).toBe(1);
    expect((await rateCounter(f.store, 'bidder1', 'sms', '2026-06-10'))?.count).toBe(1);
  });

  it('a retry of the same attempt republishes jobs whose publish never happened', async () => {
    const f = await fixtureWithUsers();
    const event = bid();
    let failNext = true;
    const original = f.publisher.publish.bind(f.publisher);
    f.publisher.publish = async (topic, data, attributes) => {
      if (failNext && topic === TOPICS.push) {
        failNext = false;
        throw new Error('pubsub unavailable');
      }
      return original(topic, data, attributes);
    };
    await expect(f.n.pipeline.submit(event, 'pubsub', 'msg-1')).rejects.toThrow(/unavailable/);
    expect((await f.event(eventIdFor(event.idempotencyKey)))?.status).toBe('failed');
    await f.n.pipeline.submit(event, 'pubsub', 'msg-1');
    expect(
      f
        .jobs('push')
        .map((j) => j.uid)
        .sort(),
    ).toEqual(['bidder1', 'seller']);
    expect(await f.notifications('bidder1')).toHaveLength(1);
  });
});

describe('per-recipient takeover: jobs rebuilt from the compact receipt (issue 14)', () => {
  it('an attempt that dies after publishing, before `published`: the retry publishes the very same jobs', async () => {
    const f = await fixtureWithUsers();
    // Variety the rebuild must get right: the outbid alert is critical (bidder1's push carries the email fallback's
    // content), she reads German, and the second bid joins the first one's burst (its notification id, count 2).
    await f.n.preferences.update('bidder1', { types: { 'auction.outbid': { channels: { email: false } } } });
    await f.user('bidder1', { locale: 'de' });
    const firstBid = bid();
    await f.n.pipeline.submit(firstBid, 'callable', 'a');
    f.clock.advance(30_000);
    const event = bid({ amount: 130 });
    const eventId = eventIdFor(event.idempotencyKey);
    const jobsOf = () =>
      (['push', 'sms', 'email'] as const).flatMap((topic) =>
        f.jobs(topic).filter((j) => j.eventId === eventId && j.uid === 'bidder1'),
      );
    const update = f.store.update.bind(f.store);
    let dies = true;
    // The seller's recipient is done; bidder1's instance dies once her jobs are out.
    f.store.update = async (path, data) => {
      if (dies && path.endsWith('/recipients/bidder1') && data.published === true) throw new Error('instance died');
      return update(path, data);
    };
    await expect(f.n.pipeline.submit(event, 'pubsub', 'msg-1')).rejects.toThrow(/instance died/);
    const first = jobsOf();
    // Inside the burst the alert pushes at once (time-critical); its SMS waits for the window.
    expect(first.map((j) => j.channel)).toEqual(['push']);
    // The receipts keep per job only what cannot be derived again.
    const receipt = (await f.store.get(`events/${eventId}/recipients/bidder1`)).data!;
    expect(receipt).toMatchObject({ published: false, locale: 'de', createdAt: '2026-06-10T14:00:30.000Z' });
    for (const job of receipt.jobs as object[])
      expect(Object.keys(job).sort()).toEqual(['channel', 'content', 'fallback']);

    // Taken over by the retry (same attempt), which dies the same way; then again, later, by another attempt.
    // Each takeover rewrites claimedAt: the jobs keep their createdAt all the same.
    f.clock.advance(1_000);
    await expect(f.n.pipeline.submit(event, 'pubsub', 'msg-1')).rejects.toThrow(/instance died/);
    expect(jobsOf().slice(first.length)).toEqual(first);
    dies = false;
    f.clock.advance(5 * 60_000);
    await f.n.pipeline.submit(event, 'pubsub', 'msg-2');
    const again = jobsOf().slice(2 * first.length);
    expect(again).toEqual(first);
    const push = again.find((j) => j.channel === 'push')!;
    expect(push).toMatchObject({
      critical: true,
      fallback: ['email'],
      notificationId: `${eventIdFor(firstBid.idempotencyKey)}_auction.outbid`,
    });
    expect(push.content.email).toMatchObject({ template: { count: 2 } });
    expect(push.locale).toBe('de');
    expect((await f.store.get(`events/${eventId}/recipients/bidder1`)).data).toMatchObject({ published: true });
    expect(await f.notifications('bidder1')).toHaveLength(1);
  });
});

describe('bad events are rejected: the event records status rejected and the field, nothing else is written', () => {
  const huge = 'x'.repeat(20_000);
  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['unknown type', envelope('auction.exploded', { auctionId: 'a1' }), /^type: unknown event type/],
    [
      'missing field',
      envelope('order.shipped', { orderId: 'o1', itemTitle: 'Vase', buyerId: 'buyer', carrier: 'DHL' }),
      /^payload\.trackingNumber:/,
    ],
    ['mistyped field', bid({ amount: 'lots' }), /^payload\.amount:/],
    [
      'mistyped nested field',
      envelope('messaging.new_message', {
        conversationId: 'c1',
        messageId: 'm',
        senderId: 'm1',
        senderName: 'Mo',
        recipientIds: ['m2', 7],
        preview: 'x',
        messageType: 'text',
        encrypted: false,
      }),
      /^payload\.recipientIds\[1\]:/,
    ],
    [
      'payload over the size limit',
      envelope('social.story_comment', {
        storyId: 's',
        storyTitle: 't',
        authorId: 'author',
        commenterId: 'c',
        commenterName: 'C',
        comment: 'ok',
        padding: huge,
      }),
      /^payload: payload is \d+ bytes/,
    ],
    ['bad occurredAt', { ...bid(), occurredAt: 'yesterday' }, /^occurredAt:/],
    [
      'missing idempotency key',
      { type: 'order.delivered', occurredAt: '2026-06-10T13:59:00Z', payload: {} },
      /^idempotencyKey:/,
    ],
  ];

  it.each(bad)('%s (events/ document)', async (_name, event, error) => {
    const f = await fixtureWithUsers();
    await f.store.set(paths.event('e1'), event);
    const before = await f.store.query(paths.users());
    const result = await f.n.pipeline.onDocument('e1', (await f.store.get(paths.event('e1'))).data, 'a');
    expect(result.status).toBe('rejected');
    const doc = await f.event('e1');
    expect(doc?.status).toBe('rejected');
    expect(String(doc?.error)).toMatch(error);
    expect(f.publisher.published).toEqual([]);
    expect(await f.deliveries()).toEqual([]);
    for (const uid of USERS) {
      expect(await f.notifications(uid)).toEqual([]);
      expect(await f.store.query(`users/${uid}/counters`)).toEqual([]);
    }
    expect(await f.store.query(paths.users())).toHaveLength(before.length);
    expect(await f.store.query('eventKeys')).toEqual([]);
  });

  it.each(bad)('%s (domain-events topic)', async (_name, event, error) => {
    const f = await fixtureWithUsers();
    await f.publisher.publish(TOPICS.domainEvents, event);
    await f.publisher.drain();
    const events = await f.store.query(paths.events());
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({ status: 'rejected', source: 'pubsub' });
    expect(String(events[0]!.data!.error)).toMatch(error);
    expect(f.publisher.published.filter((m) => m.topic !== TOPICS.domainEvents)).toEqual([]);
    expect(await f.deliveries()).toEqual([]);
  });
});
