import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deleteApp, initializeApp } from 'firebase-admin/app';
import type { App } from 'firebase-admin/app';
import { TwilioClientFactory } from '../../../src/adapters/twilio/twilioClient.js';
import { TwilioSmsSender, TwilioVerifier } from '../../../src/adapters/twilio/twilioSms.js';
import { SendgridEmailSender } from '../../../src/adapters/sendgrid/sendgridEmailSender.js';
import { FcmPushSender } from '../../../src/adapters/fcm/fcmPushSender.js';
import { AttemptLog, ProviderPolicies, isTransient } from '../../../src/app/delivery/resilience.js';
import { ProviderError } from '../../../src/domain/delivery/providerError.js';
import { buildPushMessage } from '../../../src/domain/delivery/pushMessage.js';
import { TWILIO_SID, TWILIO_TOKEN, VERIFY_CODE, VERIFY_SID, fakeTwilio, loopbackRequestClient } from '../../support/fakes/twilioServer.js';
import { SENDGRID_KEY, fakeSendgrid } from '../../support/fakes/sendgridServer.js';
import { FCM_PROJECT, LoopbackAgent, fakeFcm, fcmErrorBody } from '../../support/fakes/fcmServer.js';
import { job } from '../../support/delivery.js';
import { HangingServer } from '../../support/fakes/hangingServer.js';

const policies = (overrides = {}) =>
  new ProviderPolicies({ maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 2_000, timeoutMs: 300, breakerThreshold: 100, halfOpenAfterMs: 50, giveUpAfterAttempts: 9, ...overrides });

describe('Twilio through the real twilio SDK against a loopback Twilio', () => {
  const server = fakeTwilio();
  let clients: TwilioClientFactory;
  beforeAll(async () => {
    await server.start();
    // The SDK's own timeout is generous (a loaded CI box can take 200 ms for the first request); the policies' timeout
    // is what the hanging-request tests exercise.
    clients = new TwilioClientFactory({ credentials: () => ({ accountSid: TWILIO_SID, authToken: TWILIO_TOKEN }), timeoutMs: 2_000, requestClientClass: loopbackRequestClient(server) });
  });
  afterAll(() => server.stop());
  afterEach(() => {
    server.requests.length = 0;
    server.script.length = 0;
  });

  const sms = () => new TwilioSmsSender(clients, { sender: () => ({ messagingServiceSid: 'MG00000000000000000000000000000001' }) });
  const message = { to: '+12125550101', body: 'Craft: you were outbid. Reply STOP to opt out.', statusCallback: 'https://fn.example/twilioStatus?deliveryId=d1' };

  it('creates the message with To, Body, MessagingServiceSid and StatusCallback, authenticated', async () => {
    const receipt = await sms().send(message);
    expect(receipt).toEqual({ sid: 'SM00000000000000000000000000000001', status: 'queued' });
    const [req] = server.requests;
    expect(req!.method).toBe('POST');
    expect(req!.headers['x-twilio-host']).toBe('api.twilio.com');
    expect(req!.path).toBe(`/2010-04-01/Accounts/${TWILIO_SID}/Messages.json`);
    expect(req!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const form = Object.fromEntries(new URLSearchParams(req!.raw));
    expect(form).toEqual({ To: '+12125550101', Body: message.body, MessagingServiceSid: 'MG00000000000000000000000000000001', StatusCallback: message.statusCallback });
  });

  it('maps an invalid number (21211) to a permanent error and is not retried', async () => {
    const p = policies();
    const error = await p.execute('twilio', () => sms().send({ ...message, to: '+15005550001' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ transient: false, code: '21211' });
    expect(server.requests).toHaveLength(1);
  });

  it('retries a 429 after its Retry-After, and a 500, then succeeds', async () => {
    server.script.push({ status: 429, headers: { 'retry-after': '1' }, body: { code: 20429, message: 'Too Many Requests', status: 429 } });
    server.script.push({ status: 500, body: { code: 20500, message: 'Internal Server Error', status: 500 } });
    const started = Date.now();
    const receipt = await policies().execute('twilio', () => sms().send(message));
    expect(receipt.status).toBe('queued');
    expect(server.requests).toHaveLength(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('times out a hanging request and retries it', async () => {
    server.script.push({ status: 201, delayMs: 1_000, body: {} });
    const receipt = await policies({ timeoutMs: 150 }).execute('twilio', () => sms().send(message));
    expect(receipt.sid).toMatch(/^SM/);
    expect(server.requests).toHaveLength(2);
  });

  it('opens the breaker on a Twilio outage and closes it when Twilio is back', async () => {
    const p = policies({ maxAttempts: 1, breakerThreshold: 2, halfOpenAfterMs: 50 });
    for (let i = 0; i < 2; i++) {
      server.script.push({ status: 503, body: { code: 20503, message: 'Service Unavailable', status: 503 } });
      await expect(p.execute('twilio', () => sms().send(message))).rejects.toMatchObject({ transient: true, code: '503' });
    }
    expect(p.breakerState('twilio')).toBe('open');
    await expect(p.execute('twilio', () => sms().send(message))).rejects.toThrow(/circuit breaker is open/);
    expect(server.requests).toHaveLength(2);
    await new Promise((resolve) => setTimeout(resolve, 70));
    await expect(p.execute('twilio', () => sms().send(message))).resolves.toMatchObject({ status: 'queued' });
    expect(p.breakerState('twilio')).toBe('closed');
  });

  it('starts and checks a Verify verification on verify.twilio.com', async () => {
    const verifier = new TwilioVerifier(clients, () => VERIFY_SID);
    await expect(verifier.start('+12125550101')).resolves.toEqual({ status: 'pending' });
    await expect(verifier.check('+12125550101', '000000')).resolves.toEqual({ approved: false, status: 'pending' });
    await expect(verifier.check('+12125550101', VERIFY_CODE)).resolves.toEqual({ approved: true, status: 'approved' });
    const [start, , check] = server.requests;
    expect(start!.headers['x-twilio-host']).toBe('verify.twilio.com');
    expect(start!.path).toBe(`/v2/Services/${VERIFY_SID}/Verifications`);
    expect(Object.fromEntries(new URLSearchParams(start!.raw))).toEqual({ To: '+12125550101', Channel: 'sms' });
    expect(check!.path).toBe(`/v2/Services/${VERIFY_SID}/VerificationCheck`);
    expect(Object.fromEntries(new URLSearchParams(check!.raw))).toEqual({ To: '+12125550101', Code: VERIFY_CODE });
  });
});

describe('SendGrid through @sendgrid/mail against a loopback v3 API', () => {
  const server = fakeSendgrid();
  let sender: SendgridEmailSender;
  beforeAll(async () => {
    await server.start();
    sender = new SendgridEmailSender({ apiKey: () => SENDGRID_KEY, baseUrl: server.url, timeoutMs: 2_000 });
  });
  afterAll(() => server.stop());
  afterEach(() => {
    server.requests.length = 0;
    server.script.length = 0;
  });

  const mail = {
    to: 'maya@studio.example',
    from: 'notifications@craft.example',
    subject: 'You were outbid',
    html: '<p>Someone bid more on <b>Walnut bowl</b></p>',
    text: 'Someone bid more on Walnut bowl',
    headers: { 'List-Unsubscribe': '<https://fn.example/unsubscribe?token=abc.def>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    customArgs: { deliveryId: 'evt1_u1_email', uid: 'u1', notificationCategory: 'commerce', eventId: 'evt1' },
    categories: ['commerce', 'auction.outbid'],
  };

  it('posts mail/send with both parts, the unsubscribe headers and the custom args', async () => {
    await expect(sender.send(mail)).resolves.toEqual({ messageId: 'sgmsg-1' });
    const [req] = server.requests;
    expect(req!.method).toBe('POST');
    expect(req!.path).toBe('/v3/mail/send');
    expect(req!.headers.authorization).toBe(`Bearer ${SENDGRID_KEY}`);
    const body = JSON.parse(req!.raw);
    expect(body.from).toEqual({ email: 'notifications@craft.example' });
    expect(body.subject).toBe('You were outbid');
    expect(body.personalizations).toEqual([{ to: [{ email: 'maya@studio.example' }] }]);
    expect(body.content).toEqual([{ type: 'text/plain', value: mail.text }, { type: 'text/html', value: mail.html }]);
    expect(body.headers).toEqual(mail.headers);
    expect(body.custom_args).toEqual(mail.customArgs);
    expect(body.categories).toEqual(['commerce', 'auction.outbid']);
  });

  it('honours Retry-After on 429, retries 500, never retries 400', async () => {
    server.script.push({ status: 429, headers: { 'retry-after': '1' }, body: { errors: [{ message: 'too many requests' }] } });
    server.script.push({ status: 500, body: { errors: [{ message: 'oops' }] } });
    const started = Date.now();
    await expect(policies().execute('sendgrid', () => sender.send(mail))).resolves.toEqual({ messageId: expect.stringMatching(/^sgmsg-/) });
    expect(server.requests).toHaveLength(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);

    server.requests.length = 0;
    server.script.push({ status: 400, body: { errors: [{ message: 'Does not contain a valid address.', field: 'personalizations.0.to.0.email' }] } });
    const error = await policies().execute('sendgrid', () => sender.send(mail)).catch((e: unknown) => e);
    expect(error).toMatchObject({ transient: false, code: '400', message: 'Does not contain a valid address.' });
    expect(server.requests).toHaveLength(1);
  });
});

describe('FCM through firebase-admin messaging against a loopback FCM v1', () => {
  const { server, unregistered } = fakeFcm();
  let app: App;
  beforeAll(async () => {
    await server.start();
    app = initializeApp({
      projectId: FCM_PROJECT,
      credential: { getAccessToken: async () => ({ access_token: 'test-access-token', expires_in: 3600 }) },
      httpAgent: new LoopbackAgent(server.port),
    }, 'fcm-loopback');
  });
  afterAll(async () => {
    await deleteApp(app);
    await server.stop();
  });

  it('sends one v1 request per token with the platform blocks; dead tokens come back as permanent errors', async () => {
    unregistered.add('dead-token-aaaaaaaaaaaaaaaaaaaa');
    const j = job('push', { type: 'auction.outbid', groupKey: 'auction:a1:outbid', data: { deepLink: '/auctions/a1', auctionId: 'a1' } });
    const sender = new FcmPushSender(() => app);
    const results = await sender.send([
      buildPushMessage(j, 'live-token-aaaaaaaaaaaaaaaaaaaa', { badge: 3, webAppUrl: 'https://craft.example' }),
      buildPushMessage(j, 'dead-token-aaaaaaaaaaaaaaaaaaaa', { badge: 3, webAppUrl: 'https://craft.example' }),
    ]);
    expect(results[0]).toEqual({ token: 'live-token-aaaaaaaaaaaaaaaaaaaa', ok: true, messageId: `projects/${FCM_PROJECT}/messages/1` });
    expect(results[1]).toMatchObject({ token: 'dead-token-aaaaaaaaaaaaaaaaaaaa', ok: false, error: { code: 'messaging/registration-token-not-registered', transient: false } });

    const live = server.requests.find((r) => r.raw.includes('live-token'))!;
    expect(live.path).toBe(`/v1/projects/${FCM_PROJECT}/messages:send`);
    expect(live.headers.authorization).toBe('Bearer test-access-token');
    const { message } = JSON.parse(live.raw);
    expect(message.token).toBe('live-token-aaaaaaaaaaaaaaaaaaaa');
    expect(message.notification).toEqual({ title: 'Your order shipped', body: 'Walnut bowl is on its way' });
    expect(message.android).toEqual({ priority: 'high', collapse_key: 'auction:a1:outbid', notification: { channel_id: 'commerce_alerts', tag: 'auction:a1:outbid' } });
    expect(message.apns).toEqual({
      headers: { 'apns-collapse-id': 'auction:a1:outbid', 'apns-priority': '10' },
      payload: { aps: { sound: 'default', badge: 3, 'thread-id': 'auction:a1:outbid' } },
    });
    // firebase-admin sends webpush options in lowerCamel, which FCM's proto3 JSON accepts.
    expect(message.webpush).toEqual({ headers: { Urgency: 'high' }, fcmOptions: { link: 'https://craft.example/auctions/a1' } });
    expect(message.data).toMatchObject({ deepLink: '/auctions/a1', auctionId: 'a1', notificationId: 'n1', type: 'auction.outbid', deliveryId: j.deliveryId });
  });

  // (firebase-admin itself retries 503s with its own backoff before answering; a 500 comes straight back.)
  it('reports an FCM internal error (500) as transient', async () => {
    server.script.push({ status: 500, body: fcmErrorBody(500, 'INTERNAL', 'INTERNAL', 'Internal error encountered.') });
    const [result] = await new FcmPushSender(() => app).send([buildPushMessage(job('push'), 'another-token-aaaaaaaaaaaaaaa', { badge: 0, webAppUrl: 'https://craft.example' })]);
    expect(result).toMatchObject({ ok: false, error: { transient: true } });
  });
});

describe('a hung provider is bounded by the timeout, aborted at the socket, and counted as a transient failure', () => {
  const hung = new HangingServer();
  beforeAll(() => hung.start());
  afterAll(() => hung.stop());
  afterEach(() => {
    hung.requests.length = 0;
  });

  // As deliveryInfra.ts builds them: the SDK's own timeout is the policy's, so the socket closes when the policy gives up.
  const timeoutMs = 300;
  const settings = { maxAttempts: 1, initialDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 2_000, timeoutMs, breakerThreshold: 2, halfOpenAfterMs: 60_000, giveUpAfterAttempts: 9 };

  const expectBoundedAndAborted = async (provider: 'twilio' | 'sendgrid', send: () => Promise<unknown>) => {
    const p = new ProviderPolicies(settings);
    for (let i = 0; i < 2; i++) {
      const log = new AttemptLog(p, () => new Date());
      const started = Date.now();
      const error = await log.call(provider, send).catch((e: unknown) => e);
      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(timeoutMs - 10);
      expect(took).toBeLessThan(timeoutMs + 400);
      expect(isTransient(error)).toBe(true);
      expect(log.attempts).toBe(1);
      expect(log.errors).toEqual([expect.objectContaining({ provider, transient: true })]);
    }
    // Two timeouts are two real failures: the breaker opens (a hung provider is down, unlike a throttling one).
    expect(p.breakerState(provider)).toBe('open');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(hung.requests).toHaveLength(2);
    for (const request of hung.requests) {
      expect(request.closedAt, 'the SDK request was aborted, not left running').toBeDefined();
      expect(request.closedAt! - request.receivedAt).toBeLessThan(timeoutMs + 300);
    }
  };

  it('Twilio (twilio SDK, axios under it)', async () => {
    const clients = new TwilioClientFactory({ credentials: () => ({ accountSid: TWILIO_SID, authToken: TWILIO_TOKEN }), timeoutMs, apiOrigin: hung.url });
    const sms = new TwilioSmsSender(clients, { sender: () => ({ messagingServiceSid: 'MG00000000000000000000000000000001' }) });
    await expectBoundedAndAborted('twilio', () => sms.send({ to: '+12125550101', body: 'Craft: payment failed', statusCallback: 'https://fn.example/twilioStatus?deliveryId=d1' }));
  });

  it('SendGrid (@sendgrid/client)', async () => {
    const sender = new SendgridEmailSender({ apiKey: () => SENDGRID_KEY, baseUrl: hung.url, timeoutMs });
    await expectBoundedAndAborted('sendgrid', () => sender.send({ to: 'maya@studio.example', from: 'notifications@craft.example', subject: 'Payment failed', html: '<p>x</p>', text: 'x', headers: {}, customArgs: {}, categories: [] }));
  });
});
