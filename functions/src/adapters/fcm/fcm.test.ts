import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { deleteApp, initializeApp } from 'firebase-admin/app';
import type { App } from 'firebase-admin/app';
import { getMessaging } from 'firebase-admin/messaging';
import { buildPushMessage, collapseKey } from '../../domain/delivery/pushMessage.js';
import { FCM_PROJECT, LoopbackAgent, fakeFcm, fcmErrorBody } from '../../../test/support/fakes/fcmServer.js';
import { job } from '../../../test/support/delivery.js';
import { fcmError } from './errors.js';
import { fcmProvider } from './index.js';
import { deliveryId } from '../../domain/delivery.js';

/** FCM's folder on its own: firebase-admin messaging against a loopback FCM v1, and FCM's error codes in delivery terms. */
describe('FCM through firebase-admin messaging against a loopback FCM v1', () => {
  const { server, unregistered } = fakeFcm();
  let app: App;
  beforeAll(async () => {
    await server.start();
    app = initializeApp(
      {
        projectId: FCM_PROJECT,
        credential: { getAccessToken: async () => ({ access_token: 'test-access-token', expires_in: 3600 }) },
        httpAgent: new LoopbackAgent(server.port),
      },
      'fcm-provider-test',
    );
  });
  afterAll(async () => {
    await deleteApp(app);
    await server.stop();
  });

  it('sends one v1 request per token with the platform blocks; a dead token comes back permanent and unreachable', async () => {
    unregistered.add('dead-token-aaaaaaaaaaaaaaaaaaaa');
    const j = job('push', {
      type: 'auction.outbid',
      groupKey: 'auction:a1:outbid',
      data: { deepLink: '/auctions/a1', auctionId: 'a1' },
    });
    const { push } = fcmProvider(() => app);
    const results = await push.send([
      buildPushMessage(j, 'live-token-aaaaaaaaaaaaaaaaaaaa', { badge: 3, webAppUrl: 'https://craft.example' }),
      buildPushMessage(j, 'dead-token-aaaaaaaaaaaaaaaaaaaa', { badge: 3, webAppUrl: 'https://craft.example' }),
    ]);
    expect(results[0]).toEqual({
      token: 'live-token-aaaaaaaaaaaaaaaaaaaa',
      ok: true,
      messageId: `projects/${FCM_PROJECT}/messages/1`,
    });
    expect(results[1]).toMatchObject({
      token: 'dead-token-aaaaaaaaaaaaaaaaaaaa',
      ok: false,
      error: {
        provider: 'fcm',
        code: 'messaging/registration-token-not-registered',
        transient: false,
        recipient: 'unreachable',
      },
    });

    const live = server.requests.find((r) => r.raw.includes('live-token'))!;
    expect(live.path).toBe(`/v1/projects/${FCM_PROJECT}/messages:send`);
    expect(live.headers.authorization).toBe('Bearer test-access-token');
    const { message } = JSON.parse(live.raw);
    expect(message.token).toBe('live-token-aaaaaaaaaaaaaaaaaaaa');
    expect(message.notification).toEqual({ title: 'Your order shipped', body: 'Walnut bowl is on its way' });
    // One collapse key per group on every platform (the web push Topic included), so a burst replaces itself.
    const key = collapseKey('auction:a1:outbid');
    expect(key).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(message.android).toEqual({
      priority: 'high',
      collapse_key: key,
      notification: { channel_id: 'commerce_alerts', tag: key },
    });
    expect(message.apns).toEqual({
      headers: { 'apns-collapse-id': key, 'apns-priority': '10' },
      payload: { aps: { sound: 'default', badge: 3, 'thread-id': 'auction:a1:outbid' } },
    });
    // firebase-admin sends webpush options in lowerCamel, which FCM's proto3 JSON accepts.
    expect(message.webpush).toEqual({
      headers: { Urgency: 'high', Topic: key },
      fcmOptions: { link: 'https://craft.example/auctions/a1' },
    });
    expect(message.data).toMatchObject({
      deepLink: '/auctions/a1',
      auctionId: 'a1',
      notificationId: 'n1',
      type: 'auction.outbid',
      deliveryId: j.deliveryId,
    });
  });

  it('a batch goes through sendEach: one v1 request per message over the app agent, answers in message order', async () => {
    const before = server.requests.length;
    const tokens = Array.from({ length: 7 }, (_, i) => `batch-token-${i}-aaaaaaaaaaaaaaaaaaaa`);
    tokens[3] = 'invalid-batch-token-aaaaaaaaaaaaa';
    unregistered.add(tokens[5]!);
    const messages = tokens.map((token, i) =>
      buildPushMessage(job('push', { uid: `u${i}`, deliveryId: deliveryId('evt1', `u${i}`, 'push') }), token, {
        badge: i,
        webAppUrl: 'https://craft.example',
      }),
    );
    const sender = fcmProvider(() => app).push;
    const sendEach = vi.spyOn(getMessaging(app), 'sendEach');
    const results = await sender.send(messages);

    expect(sendEach).toHaveBeenCalledTimes(1);
    expect(results.map((r) => r.token)).toEqual(tokens);
    expect(results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual([
      'ok',
      'ok',
      'ok',
      'messaging/invalid-argument',
      'ok',
      'messaging/registration-token-not-registered',
      'ok',
    ]);
    const requests = server.requests.slice(before);
    expect(requests).toHaveLength(7);
    expect(requests.every((r) => r.path === `/v1/projects/${FCM_PROJECT}/messages:send`)).toBe(true);
    // Each request carries its own message: the job's delivery id and badge went to the right token.
    for (const r of requests) {
      const { message } = JSON.parse(r.raw);
      const i = tokens.indexOf(message.token);
      expect(message.data.deliveryId).toBe(deliveryId('evt1', `u${i}`, 'push'));
      expect(message.apns.payload.aps.badge).toBe(i);
    }
    sendEach.mockRestore();
  });

  it('more than 500 messages: several sendEach calls of at most 500, every message answered', async () => {
    const sendEach = vi.spyOn(getMessaging(app), 'sendEach');
    const messages = Array.from({ length: 501 }, (_, i) =>
      buildPushMessage(job('push'), `many-token-${i}-aaaaaaaaaaaaaaaaaaaa`, {
        badge: 0,
        webAppUrl: 'https://craft.example',
      }),
    );
    const results = await fcmProvider(() => app).push.send(messages);
    expect(sendEach.mock.calls.map(([batch]) => batch.length)).toEqual([500, 1]);
    expect(results.filter((r) => r.ok)).toHaveLength(501);
    sendEach.mockRestore();
  });

  // (firebase-admin itself retries 503s with its own backoff before answering; a 500 comes straight back.)
  it('reports an FCM internal error (500) as transient', async () => {
    server.script.push({ status: 500, body: fcmErrorBody(500, 'INTERNAL', 'INTERNAL', 'Internal error encountered.') });
    const [result] = await fcmProvider(() => app).push.send([
      buildPushMessage(job('push'), 'another-token-aaaaaaaaaaaaaaa', { badge: 0, webAppUrl: 'https://craft.example' }),
    ]);
    expect(result).toMatchObject({ ok: false, error: { transient: true, throttle: undefined, recipient: undefined } });
  });
});

describe('FCM error codes in delivery terms', () => {
  const classify = (code: string) => {
    const { transient, throttle, recipient } = fcmError({ errorInfo: { code }, message: code });
    return { transient, throttle, recipient };
  };

  it("rate codes are one device's or topic's limit: transient, throttle target (never the provider's breaker)", () => {
    for (const code of [
      'messaging/message-rate-exceeded',
      'messaging/device-message-rate-exceeded',
      'messaging/topics-message-rate-exceeded',
      'messaging/quota-exceeded',
    ]) {
      expect(classify(code), code).toEqual({ transient: true, throttle: 'target', recipient: undefined });
    }
  });

  it('dead tokens are permanent and unreachable; a bad payload is permanent only; outages are transient', () => {
    expect(classify('messaging/registration-token-not-registered')).toEqual({
      transient: false,
      throttle: undefined,
      recipient: 'unreachable',
    });
    expect(classify('messaging/invalid-registration-token')).toEqual({
      transient: false,
      throttle: undefined,
      recipient: 'unreachable',
    });
    expect(classify('messaging/invalid-argument')).toEqual({
      transient: false,
      throttle: undefined,
      recipient: undefined,
    });
    expect(classify('messaging/server-unavailable')).toEqual({
      transient: true,
      throttle: undefined,
      recipient: undefined,
    });
    expect(fcmError({ code: 'app/network-timeout', message: 'timeout' })).toMatchObject({
      transient: true,
      code: 'app/network-timeout',
    });
  });
});
