import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TwilioClientFactory, TwilioSmsSender } from '../../../src/adapters/twilio/index.js';
import { SendgridEmailSender } from '../../../src/adapters/sendgrid/index.js';
import { AttemptLog, ProviderPolicies, isTransient } from '../../../src/app/delivery/resilience.js';
import { ProviderError } from '../../../src/domain/delivery/providerError.js';
import { TWILIO_SID, TWILIO_TOKEN, fakeTwilio, loopbackRequestClient } from '../../support/fakes/twilioServer.js';
import { OUTBID_MAIL, SENDGRID_KEY, fakeSendgrid } from '../../support/fakes/sendgridServer.js';
import { HangingServer } from '../../support/fakes/hangingServer.js';

/**
 * Delivery's retry, breaker and timeout policy (src/app/delivery/resilience.ts) over the real provider SDKs against
 * loopback servers. What each provider sends and how it classifies its errors is tested beside its folder
 * (src/adapters/<provider>/*.test.ts).
 */

const policies = (overrides = {}) =>
  new ProviderPolicies({
    maxAttempts: 3,
    initialDelayMs: 1,
    maxDelayMs: 5,
    maxRetryAfterMs: 2_000,
    timeoutMs: 300,
    breakerThreshold: 100,
    halfOpenAfterMs: 50,
    giveUpAfterAttempts: 9,
    ...overrides,
  });

describe('Twilio through the real twilio SDK against a loopback Twilio', () => {
  const server = fakeTwilio();
  let clients: TwilioClientFactory;
  beforeAll(async () => {
    await server.start();
    // The SDK's own timeout is generous (a loaded CI box can take 200 ms for the first request); the policies' timeout
    // is what the hanging-request tests exercise.
    clients = new TwilioClientFactory({
      credentials: () => ({ accountSid: TWILIO_SID, authToken: TWILIO_TOKEN }),
      timeoutMs: 2_000,
      requestClientClass: loopbackRequestClient(server),
    });
    // One call outside the policies first: loading the SDK and its first request can outlast the policies' timeout.
    await sms().send(message);
    server.requests.length = 0;
  });
  afterAll(() => server.stop());
  afterEach(() => {
    server.requests.length = 0;
    server.script.length = 0;
  });

  const sms = () =>
    new TwilioSmsSender(clients, { sender: () => ({ messagingServiceSid: 'MG00000000000000000000000000000001' }) });
  const message = {
    to: '+12125550101',
    body: 'Craft: you were outbid. Reply STOP to opt out.',
    statusCallback: 'https://fn.example/twilioStatus?deliveryId=d1',
  };

  it('maps an invalid number (21211) to a permanent error and is not retried', async () => {
    const p = policies();
    const error = await p
      .execute('twilio', () => sms().send({ ...message, to: '+15005550001' }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ transient: false, code: '21211' });
    expect(server.requests).toHaveLength(1);
  });

  it('retries a 429 after its Retry-After, and a 500, then succeeds', async () => {
    server.script.push({
      status: 429,
      headers: { 'retry-after': '1' },
      body: { code: 20429, message: 'Too Many Requests', status: 429 },
    });
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
      await expect(p.execute('twilio', () => sms().send(message))).rejects.toMatchObject({
        transient: true,
        code: '503',
      });
    }
    expect(p.breakerState('twilio')).toBe('open');
    await expect(p.execute('twilio', () => sms().send(message))).rejects.toThrow(/circuit breaker is open/);
    expect(server.requests).toHaveLength(2);
    await new Promise((resolve) => setTimeout(resolve, 70));
    await expect(p.execute('twilio', () => sms().send(message))).resolves.toMatchObject({ status: 'queued' });
    expect(p.breakerState('twilio')).toBe('closed');
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

  const mail = OUTBID_MAIL;

  it('honours Retry-After on 429, retries 500, never retries 400', async () => {
    server.script.push({
      status: 429,
      headers: { 'retry-after': '1' },
      body: { errors: [{ message: 'too many requests' }] },
    });
    server.script.push({ status: 500, body: { errors: [{ message: 'oops' }] } });
    const started = Date.now();
    await expect(policies().execute('sendgrid', () => sender.send(mail))).resolves.toEqual({
      messageId: expect.stringMatching(/^sgmsg-/),
    });
    expect(server.requests).toHaveLength(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);

    server.requests.length = 0;
    server.script.push({
      status: 400,
      body: { errors: [{ message: 'Does not contain a valid address.', field: 'personalizations.0.to.0.email' }] },
    });
    const error = await policies()
      .execute('sendgrid', () => sender.send(mail))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ transient: false, code: '400', message: 'Does not contain a valid address.' });
    expect(server.requests).toHaveLength(1);
  });
});

describe('a hung provider is bounded by the timeout, aborted at the socket, and counted as a transient failure', () => {
  const hung = new HangingServer();
  beforeAll(() => hung.start());
  afterAll(() => hung.stop());
  afterEach(() => {
    hung.requests.length = 0;
  });

  // As src/composition/cloud.ts builds them: the SDK's own timeout is the policy's, so the socket closes when the policy gives up.
  const timeoutMs = 300;
  const settings = {
    maxAttempts: 1,
    initialDelayMs: 1,
    maxDelayMs: 5,
    maxRetryAfterMs: 2_000,
    timeoutMs,
    breakerThreshold: 2,
    halfOpenAfterMs: 60_000,
    giveUpAfterAttempts: 9,
  };

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
    const clients = new TwilioClientFactory({
      credentials: () => ({ accountSid: TWILIO_SID, authToken: TWILIO_TOKEN }),
      timeoutMs,
      apiOrigin: hung.url,
    });
    const sms = new TwilioSmsSender(clients, {
      sender: () => ({ messagingServiceSid: 'MG00000000000000000000000000000001' }),
    });
    await expectBoundedAndAborted('twilio', () =>
      sms.send({
        to: '+12125550101',
        body: 'Craft: payment failed',
        statusCallback: 'https://fn.example/twilioStatus?deliveryId=d1',
      }),
    );
  });

  it('SendGrid (@sendgrid/client)', async () => {
    const sender = new SendgridEmailSender({ apiKey: () => SENDGRID_KEY, baseUrl: hung.url, timeoutMs });
    await expectBoundedAndAborted('sendgrid', () =>
      sender.send({
        to: 'maya@studio.example',
        from: 'notifications@craft.example',
        subject: 'Payment failed',
        html: '<p>x</p>',
        text: 'x',
        headers: {},
        customArgs: {},
        categories: [],
      }),
    );
  });
});
