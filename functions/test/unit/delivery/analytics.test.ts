import { describe, expect, it } from 'vitest';
import { paths } from '../../../src/domain/paths.js';
import { TOPICS } from '../../../src/domain/channels.js';
import { deliveryId } from '../../../src/domain/delivery.js';
import { DELIVERY_RETENTION_MS } from '../../../src/domain/delivery/record.js';
import { eventIdFor } from '../../../src/app/notifications/eventPipeline.js';
import { statusEvent } from '../../../src/adapters/twilio/statusCallback.js';
import { deliveryEvents } from '../../../src/adapters/sendgrid/events.js';
import { NOW, deliveryWorld, device } from '../../support/delivery.js';

/**
 * deliveries/{id} is what notification analytics is built on: every path that writes one (routing, digests, push,
 * SMS, email, fallbacks, stale and unparseable jobs, provider webhooks) leaves the same fields, timestamps and
 * expiresAt (the TTL policy deletes them after a year).
 */
type World = Awaited<ReturnType<typeof deliveryWorld>>;
type Doc = Record<string, unknown> & { timestamps: Record<string, Date>; errors: Record<string, unknown>[] };

const T0 = Date.parse(NOW);
const at = (offsetS: number) => new Date(T0 + offsetS * 1000);
const delivery = async (w: World, id: string) => (await w.store.get(paths.delivery(id))).data as Doc;
const all = async (w: World) => (await w.store.query(paths.deliveries())).map((s) => s.data as Doc);

/** Fields every delivery has, whichever path wrote it. */
function expectCompleteRecord(doc: Doc) {
  for (const field of [
    'deliveryId',
    'eventId',
    'uid',
    'channel',
    'provider',
    'type',
    'category',
    'priority',
    'critical',
    'notificationId',
    'groupKey',
    'status',
  ]) {
    expect(doc, `${String(doc.deliveryId)}.${field}`).toHaveProperty(field);
  }
  expect(doc.provider).toBe({ push: 'fcm', sms: 'twilio', email: 'sendgrid' }[doc.channel as string]);
  expect(typeof doc.attempts).toBe('number');
  expect(Array.isArray(doc.errors)).toBe(true);
  expect(Object.keys(doc.timestamps).length).toBeGreaterThan(0);
  expect(doc.updatedAt).toBeInstanceOf(Date);
  expect((doc.expiresAt as Date).getTime() - (doc.createdAt as Date).getTime()).toBe(DELIVERY_RETENTION_MS);
}

async function submit(w: World, type: string, payload: Record<string, unknown>, key: string) {
  await w.services.notifications.pipeline.submit(
    { type, idempotencyKey: key, occurredAt: w.infra.clock.now().toISOString(), payload },
    'callable',
    `attempt-${key}`,
  );
  return eventIdFor(key);
}

describe('deliveries/{id} for analytics', () => {
  it('push → SMS fallback: both deliveries record the step, the errors, attempts and timestamps', async () => {
    const w = await deliveryWorld();
    const dead = await device(w.store, 'u1', 'old-phone');
    w.providers.push.deadTokens.add(dead);
    // Payment failed is critical: push + email jobs, SMS only as push's fallback.
    const eventId = await submit(
      w,
      'order.payment_failed',
      { orderId: 'o2', itemTitle: 'Vase', buyerId: 'u1', amount: 80, currency: 'EUR' },
      'pay-o2',
    );
    w.infra.clock.set(at(1));
    await w.infra.publisher.drain();
    const smsSid = w.providers.sms.sent[0]!.sid;
    w.infra.clock.set(at(9));
    await w.services.delivery.events.apply([
      statusEvent(deliveryId(eventId, 'u1', 'sms'), {
        MessageSid: smsSid,
        MessageStatus: 'delivered',
        Price: '-0.0079',
        PriceUnit: 'USD',
      }),
    ]);

    const push = await delivery(w, deliveryId(eventId, 'u1', 'push'));
    expect(push).toMatchObject({
      channel: 'push',
      provider: 'fcm',
      status: 'failed',
      reason: 'all-tokens-dead',
      critical: true,
      attempts: 1,
      fallback: ['sms'],
      fallbackTo: 'sms',
      fallbackPublished: true,
    });
    expect(push.errors).toEqual([
      {
        at: at(1),
        attempt: 1,
        provider: 'fcm',
        code: 'messaging/registration-token-not-registered',
        message: 'Requested entity was not found.',
        transient: false,
      },
    ]);
    expect(push.timestamps).toEqual({ queuedAt: at(0), sendingAt: at(1), failedAt: at(1) });
    expect(push).not.toHaveProperty('fallbackFrom');

    const sms = await delivery(w, deliveryId(eventId, 'u1', 'sms'));
    expect(sms).toMatchObject({
      eventId,
      uid: 'u1',
      channel: 'sms',
      provider: 'twilio',
      providerMessageId: smsSid,
      status: 'delivered',
      type: 'order.payment_failed',
      critical: true,
      notificationId: push.notificationId,
      groupKey: push.groupKey,
      attempts: 1,
      errors: [],
      fallbackFrom: 'push',
      price: 0.0079,
    });
    expect(sms).not.toHaveProperty('fallbackTo');
    expect(sms.timestamps).toEqual({ queuedAt: at(1), sendingAt: at(1), sentAt: at(1), deliveredAt: at(9) });
    expect(sms.expiresAt).toEqual(new Date(at(1).getTime() + DELIVERY_RETENTION_MS));
    // the email had its own job and went too
    expect(await delivery(w, deliveryId(eventId, 'u1', 'email'))).toMatchObject({
      status: 'sent',
      provider: 'sendgrid',
      timestamps: { queuedAt: at(0), sentAt: at(1) },
    });
    for (const doc of await all(w)) expectCompleteRecord(doc);
  });

  it('a batched delivery points at the digest delivery that carried it, which lists it back', async () => {
    const w = await deliveryWorld();
    await device(w.store, 'u1', 'iphone');
    // New followers go out in an hourly digest (push held, in-app at once).
    const first = await submit(
      w,
      'social.new_follower',
      { creatorId: 'u1', followerId: 'f1', followerName: 'Cleo' },
      'follow-1',
    );
    const second = await submit(
      w,
      'social.new_follower',
      { creatorId: 'u1', followerId: 'f2', followerName: 'Ana' },
      'follow-2',
    );
    await w.infra.publisher.drain();
    const held = [deliveryId(first, 'u1', 'push'), deliveryId(second, 'u1', 'push')];
    for (const id of held)
      expect(await delivery(w, id)).toMatchObject({ status: 'batched', timestamps: { batchedAt: at(0) } });
    expect(w.providers.push.sent).toHaveLength(0);

    w.infra.clock.set(at(3600));
    expect(await w.services.notifications.digests.releaseDue()).toBe(1);
    await w.infra.publisher.drain();
    expect(w.providers.push.sent).toHaveLength(1);
    const [digestJob] = w.infra.publisher.on(TOPICS.push).map((m) => m.data as { deliveryId: string });
    const digest = await delivery(w, digestJob!.deliveryId);
    expect(digest).toMatchObject({
      status: 'sent',
      provider: 'fcm',
      batchedDeliveryIds: held,
      timestamps: { queuedAt: at(3600), sentAt: at(3600) },
    });
    for (const id of held) {
      const doc = await delivery(w, id);
      expect(doc).toMatchObject({ status: 'batched', digestDeliveryId: digestJob!.deliveryId });
      expect(doc.timestamps).toEqual({ batchedAt: at(0), releasedAt: at(3600) });
    }
    for (const doc of await all(w)) expectCompleteRecord(doc);
  });

  it('suppressed, stale, unparseable, bounced and undelivered deliveries keep the same record, each error once', async () => {
    const w = await deliveryWorld();
    // stale: an outbid alert whose jobs are picked up 16 minutes late
    const outbid = await submit(
      w,
      'auction.bid_placed',
      {
        auctionId: 'a1',
        auctionTitle: 'Walnut bowl',
        sellerId: 's1',
        bidderId: 'b2',
        bidderName: 'Ana',
        amount: 120,
        currency: 'USD',
        previousBidderId: 'u1',
      },
      'bid-1',
    );
    w.infra.clock.set(at(16 * 60));
    await w.infra.publisher.drain();
    expect(await delivery(w, deliveryId(outbid, 'u1', 'push'))).toMatchObject({
      status: 'stale',
      reason: 'stale',
      timestamps: { queuedAt: at(0), staleAt: at(16 * 60) },
    });
    expect(w.providers.sms.sent).toHaveLength(0);

    // suppressed by routing: SMS over the daily limit
    for (let i = 0; i < 10; i++)
      await w.services.notifications.rateLimiter.tryConsume({
        uid: 'u1',
        channel: 'sms',
        timeZone: 'America/New_York',
        now: w.infra.clock.now(),
      });
    const outbid2 = await submit(
      w,
      'auction.bid_placed',
      {
        auctionId: 'a2',
        auctionTitle: 'Oak stool',
        sellerId: 's1',
        bidderId: 'b3',
        bidderName: 'Bo',
        amount: 90,
        currency: 'USD',
        previousBidderId: 'u1',
      },
      'bid-2',
    );
    await w.infra.publisher.drain();
    expect(await delivery(w, deliveryId(outbid2, 'u1', 'sms'))).toMatchObject({
      status: 'suppressed',
      reason: 'rate_limited',
      timestamps: { suppressedAt: at(16 * 60) },
    });

    // bounced email: the error is kept once although SendGrid posts the event twice
    const email = deliveryId(outbid2, 'u1', 'email');
    expect(await delivery(w, email)).toMatchObject({ status: 'sent' });
    const bounce = {
      event: 'bounce',
      email: 'maya@studio.example',
      timestamp: T0 / 1000 + 16 * 60 + 5,
      sg_event_id: 'sg-bounce-1',
      reason: '550 5.1.1 no such user',
      deliveryId: email,
    };
    await w.services.delivery.events.apply(deliveryEvents(bounce));
    await w.services.delivery.events.apply(deliveryEvents(bounce));
    const bounced = await delivery(w, email);
    expect(bounced).toMatchObject({ status: 'failed', timestamps: { failedAt: at(16 * 60 + 5) } });
    expect(bounced.errors).toEqual([
      {
        at: at(16 * 60 + 5),
        attempt: 1,
        provider: 'sendgrid',
        code: 'bounce',
        message: '550 5.1.1 no such user',
        transient: false,
        providerEventId: 'sg-bounce-1',
      },
    ]);

    // undelivered SMS: Twilio's error code recorded as an error of the delivery, once
    const sms = deliveryId('evt-sms', 'u1', 'sms');
    await w.services.delivery.channels.handle('sms', {
      deliveryId: sms,
      eventId: 'evt-sms',
      uid: 'u1',
      channel: 'sms',
      type: 'order.shipped',
      category: 'commerce',
      priority: 'high',
      critical: false,
      notificationId: 'n1',
      groupKey: 'order:o1',
      locale: 'en',
      content: { sms: { body: 'Shipped' } },
      data: {},
      fallback: [],
      createdAt: w.infra.clock.now().toISOString(),
    });
    const sid = w.providers.sms.sent.at(-1)!.sid;
    for (let i = 0; i < 2; i++)
      await w.services.delivery.events.apply([
        statusEvent(sms, { MessageSid: sid, MessageStatus: 'undelivered', ErrorCode: '30005' }),
      ]);
    const undelivered = await delivery(w, sms);
    expect(undelivered).toMatchObject({
      status: 'undelivered',
      providerErrorCode: '30005',
      timestamps: { failedAt: at(16 * 60) },
    });
    expect(undelivered.errors).toEqual([
      {
        at: at(16 * 60),
        attempt: 1,
        provider: 'twilio',
        code: '30005',
        message: 'message undelivered',
        transient: false,
      },
    ]);

    // unparseable job: recorded with what it names, and expires like the rest
    await w.services.delivery.channels.handle('push', { deliveryId: deliveryId('evt-bad', 'u1', 'push'), uid: 'u1' });
    const bad = await delivery(w, deliveryId('evt-bad', 'u1', 'push'));
    expect(bad).toMatchObject({
      status: 'failed',
      reason: 'invalid-job',
      channel: 'push',
      provider: 'fcm',
      timestamps: { failedAt: at(16 * 60) },
    });
    expect(bad.expiresAt).toEqual(new Date(at(16 * 60).getTime() + DELIVERY_RETENTION_MS));

    for (const doc of await all(w))
      if (doc.deliveryId !== deliveryId('evt-bad', 'u1', 'push')) expectCompleteRecord(doc);
  });
});
