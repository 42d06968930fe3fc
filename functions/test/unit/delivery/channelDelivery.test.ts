import { describe, expect, it, vi } from 'vitest';
import { paths } from '../../../src/domain/paths.js';
import type { DeliveryDoc } from '../../../src/app/delivery/deliveryRepo.js';
import { TOPICS } from '../../../src/domain/channels.js';
import { ProviderError } from '../../../src/domain/delivery/providerError.js';
import { collapseKey } from '../../../src/domain/delivery/pushMessage.js';
import { twilioError } from '../../../src/adapters/twilio/errors.js';
import { verifyUnsubscribeToken } from '../../../src/domain/delivery/unsubscribeToken.js';
import { RateLimiter } from '../../../src/app/notifications/rateLimits.js';
import { NOW, device, deliveryWorld, job, queued } from '../../support/delivery.js';
import { rateCounter } from '../../support/rateCounters.js';
import { deliveryId } from '../../../src/domain/delivery.js';

const doc = async (store: { get(p: string): Promise<{ data: unknown }> }, id: string) =>
  (await store.get(paths.delivery(id))).data as DeliveryDoc;

describe('push delivery', () => {
  it('sends to every device with platform options, badge, collapse key and deep link, and records it', async () => {
    const { infra, store, providers } = await deliveryWorld();
    const ios = await device(store, 'u1', 'iphone', 'ios');
    const web = await device(store, 'u1', 'laptop', 'web');
    await store.set(paths.counter('u1', 'notifications'), { unread: 4 });
    const j = job('push');
    await queued(store, j);
    await infra.publisher.publish(TOPICS.push, j);
    await infra.publisher.drain();

    expect(providers.push.sent.map((m) => m.token).sort()).toEqual([ios, web].sort());
    const message = providers.push.sent[0]!;
    expect(message.notification).toEqual({ title: 'Your order shipped', body: 'Walnut bowl is on its way' });
    const key = collapseKey('order:o1');
    expect(message.android).toEqual({
      priority: 'high',
      collapseKey: key,
      notification: { channelId: 'commerce_alerts', tag: key },
    });
    expect(message.apns.payload.aps).toEqual({ sound: 'default', badge: 4, threadId: 'order:o1' });
    expect(message.apns.headers).toEqual({ 'apns-collapse-id': key, 'apns-priority': '10' });
    expect(message.webpush.headers).toEqual({ Urgency: 'high', Topic: key });
    expect(message.webpush.fcmOptions).toEqual({ link: 'https://craft.example/orders/o1' });
    expect(message.data).toMatchObject({
      deepLink: '/orders/o1',
      orderId: 'o1',
      notificationId: 'n1',
      eventId: 'evt1',
      deliveryId: j.deliveryId,
    });

    const d = await doc(store, j.deliveryId);
    expect(d).toMatchObject({ status: 'sent', provider: 'fcm', attempts: 1, errors: [], devices: 2 });
    expect(d.providerMessageId).toMatch(/^projects\/demo\/messages\//);
    expect(d.timestamps.sentAt).toEqual(new Date(NOW));
    expect(d.timestamps.queuedAt).toEqual(new Date(NOW));
  });

  // The same job delivered twice → one provider call: test/contracts/deliveryLedger.contract.ts (memory and Firestore).

  it('prunes dead tokens at once and still delivers to the live devices', async () => {
    const { services, store, providers } = await deliveryWorld();
    const dead = await device(store, 'u1', 'old-phone');
    const live = await device(store, 'u1', 'new-phone');
    providers.push.deadTokens.add(dead);
    const j = job('push');
    await queued(store, j);
    await services.delivery.channels.handle('push', j);
    expect(providers.push.sent.map((m) => m.token)).toEqual([live]);
    expect(await store.listIds(paths.devices('u1'))).toEqual(['new-phone']);
    const d = await doc(store, j.deliveryId);
    expect(d).toMatchObject({ status: 'sent', tokensPruned: 1 });
    expect(d.errors).toEqual([
      expect.objectContaining({ code: 'messaging/registration-token-not-registered', transient: false }),
    ]);
  });

  it('drops an outbid alert older than 15 minutes as stale without calling FCM', async () => {
    const { infra, services, store, providers } = await deliveryWorld();
    await device(store, 'u1', 'iphone');
    const j = job('push', { type: 'auction.outbid', createdAt: new Date(Date.parse(NOW) - 16 * 60_000).toISOString() });
    await queued(store, j);
    await services.delivery.channels.handle('push', j);
    expect(providers.push.sent).toHaveLength(0);
    expect(await doc(store, j.deliveryId)).toMatchObject({ status: 'stale' });
    infra.clock.set(NOW);
    const fresh = job('push', {
      eventId: 'evt2',
      type: 'auction.outbid',
      createdAt: new Date(Date.parse(NOW) - 14 * 60_000).toISOString(),
    });
    await services.delivery.channels.handle('push', fresh);
    expect(providers.push.sent).toHaveLength(1);
  });
});

describe('fallback for critical notifications', () => {
  const critical = { type: 'auction.outbid', critical: true, fallback: ['sms', 'email'] as ('sms' | 'email')[] };

  it('push with no device → SMS, each step recorded on its delivery', async () => {
    const { infra, store, providers } = await deliveryWorld();
    const j = job('push', critical);
    await queued(store, j);
    await infra.publisher.publish(TOPICS.push, j);
    await infra.publisher.drain();

    expect(providers.sms.sent).toHaveLength(1);
    expect(providers.sms.sent[0]).toMatchObject({ to: '+12125550101', body: j.content.sms!.body });
    expect(providers.email.sent).toHaveLength(0);
    expect(await doc(store, j.deliveryId)).toMatchObject({
      status: 'failed',
      reason: 'no-device',
      fallbackTo: 'sms',
      fallbackPublished: true,
    });
    expect(await doc(store, deliveryId('evt1', 'u1', 'sms'))).toMatchObject({
      status: 'sent',
      provider: 'twilio',
      fallbackFrom: 'push',
      channel: 'sms',
    });
    // the fallback SMS counted toward the user's daily SMS limit
    expect(infra.publisher.on(TOPICS.sms)[0]!.data).toMatchObject({
      deliveryId: deliveryId('evt1', 'u1', 'sms'),
      fallback: ['email'],
      fallbackFrom: 'push',
    });
  });

  it('push fails for good → SMS over its daily limit is suppressed → email', async () => {
    const { infra, store, providers } = await deliveryWorld();
    const token = await device(store, 'u1', 'iphone');
    providers.push.deadTokens.add(token);
    const limiter = new RateLimiter(store, { sms: 10 });
    for (let i = 0; i < 10; i++)
      await limiter.tryConsume({ uid: 'u1', channel: 'sms', timeZone: 'America/New_York', now: new Date(NOW) });
    const j = job('push', critical);
    await queued(store, j);
    await infra.publisher.publish(TOPICS.push, j);
    await infra.publisher.drain();

    expect(providers.sms.sent).toHaveLength(0);
    expect(providers.email.sent).toHaveLength(1);
    expect(await doc(store, j.deliveryId)).toMatchObject({
      status: 'failed',
      reason: 'all-tokens-dead',
      fallbackTo: 'sms',
    });
    expect(await doc(store, deliveryId('evt1', 'u1', 'sms'))).toMatchObject({
      status: 'suppressed',
      reason: 'sms-daily-limit (10)',
      fallbackTo: 'email',
    });
    expect(await doc(store, deliveryId('evt1', 'u1', 'email'))).toMatchObject({
      status: 'sent',
      provider: 'sendgrid',
      fallbackFrom: 'sms',
    });
  });

  it("a fallback SMS uses the pipeline's own rate limiter: one SMS_DAILY_LIMIT, one set of counters", async () => {
    vi.stubEnv('SMS_DAILY_LIMIT', '2');
    try {
      const { infra, services, store, providers } = await deliveryWorld();
      expect(services.notifications.settings.smsDailyLimit).toBe(2);
      // The pipeline routes one SMS today; the first fallback SMS is the second and goes, the next one is over the limit.
      await services.notifications.rateLimiter.tryConsume({
        uid: 'u1',
        channel: 'sms',
        timeZone: 'America/New_York',
        now: new Date(NOW),
      });
      for (const eventId of ['evt1', 'evt2']) {
        const j = job('push', { ...critical, eventId });
        await queued(store, j);
        await infra.publisher.publish(TOPICS.push, j);
      }
      await infra.publisher.drain();
      expect(providers.sms.sent).toHaveLength(1);
      expect(await doc(store, deliveryId('evt1', 'u1', 'sms'))).toMatchObject({ status: 'sent', fallbackFrom: 'push' });
      expect(await doc(store, deliveryId('evt2', 'u1', 'sms'))).toMatchObject({
        status: 'suppressed',
        reason: 'sms-daily-limit (2)',
        fallbackFrom: 'push',
        fallbackTo: 'email',
      });
      expect(await rateCounter(store, 'u1', 'sms', '2026-11-21')).toMatchObject({ count: 2, limit: 2 });
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('non-critical jobs do not fall back', async () => {
    const { infra, store, providers } = await deliveryWorld();
    const j = job('push', { fallback: ['sms'] });
    await infra.publisher.publish(TOPICS.push, j);
    await infra.publisher.drain();
    expect(providers.sms.sent).toHaveLength(0);
    expect(await doc(store, j.deliveryId)).toMatchObject({ status: 'failed', reason: 'no-device' });
  });
});

describe('sms and email delivery', () => {
  it('sends SMS only to a verified number that has not opted out', async () => {
    const { services, store, providers } = await deliveryWorld();
    await services.delivery.contacts.setSmsOptOut('+12125550101', true, 'test');
    const j = job('sms');
    await queued(store, j);
    await services.delivery.channels.handle('sms', j);
    expect(providers.sms.sent).toHaveLength(0);
    expect(await doc(store, j.deliveryId)).toMatchObject({ status: 'suppressed', reason: 'sms-opted-out' });

    await store.set(paths.user('u2'), { displayName: 'Lena', phone: '+4915112345678', phoneVerified: false });
    const unverified = job('sms', { uid: 'u2' });
    await services.delivery.channels.handle('sms', unverified);
    expect(providers.sms.sent).toHaveLength(0);
    expect(await doc(store, unverified.deliveryId)).toMatchObject({ status: 'failed', reason: 'no-verified-phone' });
  });

  it('puts the status callback URL with the delivery id on each SMS', async () => {
    const { services, providers } = await deliveryWorld();
    const j = job('sms');
    await services.delivery.channels.handle('sms', j);
    expect(providers.sms.sent[0]!.statusCallback).toBe(
      `http://127.0.0.1:5001/demo-craft-comms/europe-west1/twilioStatus?deliveryId=${j.deliveryId}`,
    );
  });

  it('sends email with both parts and signed one-click unsubscribe headers', async () => {
    const { services, store, providers } = await deliveryWorld();
    const j = job('email');
    await services.delivery.channels.handle('email', j);
    const mail = providers.email.sent[0]!;
    expect(mail).toMatchObject({
      to: 'maya@studio.example',
      from: 'notifications@craft.example',
      subject: 'Your order shipped',
      text: 'Walnut bowl is on its way',
    });
    expect(mail.html).toBe('<p>Walnut bowl is on its way</p>');
    expect(mail.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    const url = /^<(.+)>$/.exec(mail.headers['List-Unsubscribe']!)![1]!;
    const token = new URL(url).searchParams.get('token')!;
    expect(verifyUnsubscribeToken(token, 'local-unsubscribe-signing-key', new Date(NOW))).toEqual({
      ok: true,
      claims: expect.objectContaining({ uid: 'u1', category: 'commerce' }),
    });
    expect(mail.customArgs).toEqual({
      deliveryId: j.deliveryId,
      uid: 'u1',
      notificationCategory: 'commerce',
      eventId: 'evt1',
    });
    expect(await doc(store, j.deliveryId)).toMatchObject({
      status: 'sent',
      provider: 'sendgrid',
      providerMessageId: 'sg-1',
    });
  });

  it('never mails an unverified or suppressed address', async () => {
    const { services, store, providers } = await deliveryWorld();
    await services.delivery.contacts.suppressEmail('Maya@Studio.example', 'bounce');
    await services.delivery.channels.handle('email', job('email'));
    await store.set(paths.user('u2'), { displayName: 'Lena', email: 'lena@example.com', emailVerified: false });
    await services.delivery.channels.handle('email', job('email', { uid: 'u2' }));
    expect(providers.email.sent).toHaveLength(0);
    expect(await doc(store, deliveryId('evt1', 'u1', 'email'))).toMatchObject({
      status: 'suppressed',
      reason: 'email-suppressed',
    });
    expect(await doc(store, deliveryId('evt1', 'u2', 'email'))).toMatchObject({
      status: 'failed',
      reason: 'no-verified-email',
    });
  });
});

describe('retries and bad jobs', () => {
  it('retries a transient failure and records each attempt; a permanent one is not retried', async () => {
    const { services, store, providers } = await deliveryWorld();
    let calls = 0;
    providers.sms.fail = () =>
      ++calls === 1 ? new ProviderError('twilio', true, '503', 'Service Unavailable') : undefined;
    const j = job('sms');
    await services.delivery.channels.handle('sms', j);
    expect(providers.sms.sent).toHaveLength(1);
    expect(await doc(store, j.deliveryId)).toMatchObject({
      status: 'sent',
      attempts: 2,
      errors: [expect.objectContaining({ code: '503', transient: true, attempt: 1 })],
    });

    calls = 0;
    providers.sms.fail = () => (
      ++calls,
      new ProviderError('twilio', false, '21211', "The 'To' number is not a valid phone number.")
    );
    const bad = job('sms', { eventId: 'evt2' });
    await services.delivery.channels.handle('sms', bad);
    expect(calls).toBe(1);
    expect(await doc(store, bad.deliveryId)).toMatchObject({ status: 'failed', reason: 'twilio-21211', attempts: 1 });
  });

  it('a number the provider says opted out (Twilio 21610) is suppressed and remembered: no further SMS is attempted', async () => {
    const { services, store, providers } = await deliveryWorld();
    let calls = 0;
    // As Twilio's folder classifies the RestException (src/adapters/twilio/errors.ts): permanent, recipient opted out.
    providers.sms.fail = () => (
      ++calls,
      twilioError({ status: 400, code: 21610, message: 'Attempt to send to unsubscribed recipient' })
    );
    const j = job('sms');
    await services.delivery.channels.handle('sms', j);
    expect(await doc(store, j.deliveryId)).toMatchObject({ status: 'suppressed', reason: 'sms-opted-out' });
    expect(await services.delivery.contacts.isSmsOptedOut('+12125550101')).toBe(true);
    await services.delivery.channels.handle('sms', job('sms', { eventId: 'evt2' }));
    expect(calls).toBe(1);
    expect(await doc(store, deliveryId('evt2', 'u1', 'sms'))).toMatchObject({
      status: 'suppressed',
      reason: 'sms-opted-out',
    });
  });

  it('hands a still-failing job back to Pub/Sub, then gives up after the attempt budget', async () => {
    const { services, store, providers } = await deliveryWorld();
    providers.settings.resilience.breakerThreshold = 100; // this test is about the attempt budget, not the breaker
    providers.email.fail = () => new ProviderError('sendgrid', true, '500', 'Internal Server Error');
    const j = job('email');
    await expect(services.delivery.channels.handle('email', j)).rejects.toThrow('Internal Server Error');
    expect(await doc(store, j.deliveryId)).toMatchObject({ status: 'sending', attempts: 3 });
    // Pub/Sub redelivers: the claim is released, so the retry is not mistaken for a duplicate.
    await expect(services.delivery.channels.handle('email', j)).rejects.toThrow();
    await services.delivery.channels.handle('email', j); // 9 attempts: the budget is spent
    const d = await doc(store, j.deliveryId);
    expect(d).toMatchObject({ status: 'failed', reason: 'retries-exhausted', attempts: 9 });
    expect(d.errors).toHaveLength(9);
  });

  it('records an unparseable job as failed and acknowledges it', async () => {
    const { services, store } = await deliveryWorld();
    await expect(
      services.delivery.channels.handle('push', { deliveryId: deliveryId('evt9', 'u1', 'push'), uid: 'u1' }),
    ).resolves.toBeUndefined();
    const d = await doc(store, deliveryId('evt9', 'u1', 'push'));
    expect(d).toMatchObject({ status: 'failed', reason: 'invalid-job' });
    expect(d.errors[0]!.message).toMatch(/job\.eventId/);
    await expect(services.delivery.channels.handle('push', 'not even an object')).resolves.toBeUndefined();
    await expect(services.delivery.channels.handle('sms', job('push'))).resolves.toBeUndefined();
    expect(await doc(store, deliveryId('evt1', 'u1', 'push'))).toMatchObject({
      status: 'failed',
      reason: 'invalid-job',
    });
  });
});
