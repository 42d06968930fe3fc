import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import twilio from 'twilio';
import type { WebhookRequest } from '../../ports.js';
import { ProviderError } from '../../domain/delivery/providerError.js';
import {
  TWILIO_SID,
  TWILIO_TOKEN,
  VERIFY_CODE,
  VERIFY_SID,
  fakeTwilio,
  loopbackRequestClient,
} from '../../../test/support/fakes/twilioServer.js';
import { twilioError } from './errors.js';
import { twilioProvider } from './index.js';
import { statusFromTwilio } from './statusCallback.js';
import { deliveryId } from '../../domain/delivery.js';

/**
 * Twilio's folder on its own: the real twilio SDK against a loopback Twilio (sending, Verify, errors in delivery
 * terms) and its two webhooks (signature, schema, status mapping, TwiML). Retries and breakers over it are policy
 * (test/unit/delivery/providers.loopback.test.ts).
 */
const server = fakeTwilio();
let provider: ReturnType<typeof twilioProvider>;
beforeAll(async () => {
  await server.start();
  provider = twilioProvider({
    accountSid: () => TWILIO_SID,
    authToken: () => TWILIO_TOKEN,
    timeoutMs: 2_000,
    requestClientClass: loopbackRequestClient(server),
    sender: () => ({ messagingServiceSid: 'MG00000000000000000000000000000001' }),
    verifyServiceSid: () => VERIFY_SID,
  });
});
afterAll(() => server.stop());
afterEach(() => {
  server.requests.length = 0;
  server.script.length = 0;
});

const message = {
  to: '+12125550101',
  body: 'Craft: you were outbid. Reply STOP to opt out.',
  statusCallback: 'https://fn.example/twilioStatus?deliveryId=d1',
};
const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e as ProviderError,
  );

describe('Twilio SMS through the real SDK', () => {
  it('creates the message with To, Body, MessagingServiceSid and StatusCallback, authenticated', async () => {
    const receipt = await provider.sms.send(message);
    expect(receipt).toEqual({ sid: 'SM00000000000000000000000000000001', status: 'queued' });
    const [req] = server.requests;
    expect(req!.method).toBe('POST');
    expect(req!.headers['x-twilio-host']).toBe('api.twilio.com');
    expect(req!.path).toBe(`/2010-04-01/Accounts/${TWILIO_SID}/Messages.json`);
    expect(req!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const form = Object.fromEntries(new URLSearchParams(req!.raw));
    expect(form).toEqual({
      To: '+12125550101',
      Body: message.body,
      MessagingServiceSid: 'MG00000000000000000000000000000001',
      StatusCallback: message.statusCallback,
    });
  });

  it('an invalid number (21211) is a permanent error that says nothing about the recipient', async () => {
    const error = await rejection(provider.sms.send({ ...message, to: '+15005550001' }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({
      provider: 'twilio',
      transient: false,
      code: '21211',
      recipient: undefined,
      throttle: undefined,
    });
  });

  it('an opted-out number (21610) is permanent and says the recipient opted out', async () => {
    const error = await rejection(provider.sms.send({ ...message, to: '+15005550004' }));
    expect(error).toMatchObject({ transient: false, code: '21610', recipient: 'opted-out' });
  });

  it("a 429 is the account's rate (throttle: provider) with its Retry-After; a 500 is transient, not throttling", async () => {
    server.script.push({
      status: 429,
      headers: { 'retry-after': '3' },
      body: { code: 20429, message: 'Too Many Requests', status: 429 },
    });
    expect(await rejection(provider.sms.send(message))).toMatchObject({
      transient: true,
      throttle: 'provider',
      retryAfterMs: 3_000,
    });
    server.script.push({ status: 500, body: { code: 20500, message: 'Internal Server Error', status: 500 } });
    expect(await rejection(provider.sms.send(message))).toMatchObject({ transient: true, throttle: undefined });
  });

  it('classifies RestExceptions by status and code: 20429 and 60203 are throttling, 4xx permanent, network errors transient', () => {
    expect(twilioError({ status: 429, code: 20429, message: 'Too Many Requests' })).toMatchObject({
      transient: true,
      throttle: 'provider',
      code: '20429',
    });
    expect(twilioError({ status: 429, code: 60203, message: 'Max send attempts reached' })).toMatchObject({
      transient: true,
      throttle: 'target',
    });
    expect(twilioError({ status: 400, code: 21211, message: 'invalid' })).toMatchObject({
      transient: false,
      throttle: undefined,
    });
    expect(twilioError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toMatchObject({
      transient: true,
      code: 'ECONNRESET',
    });
    expect(twilioError(new Error('what'))).toMatchObject({ transient: false, code: 'unknown' });
  });

  it('starts and checks a Verify verification on verify.twilio.com', async () => {
    await expect(provider.smsVerifier.start('+12125550101')).resolves.toEqual({ status: 'pending' });
    await expect(provider.smsVerifier.check('+12125550101', '000000')).resolves.toEqual({
      approved: false,
      status: 'pending',
    });
    await expect(provider.smsVerifier.check('+12125550101', VERIFY_CODE)).resolves.toEqual({
      approved: true,
      status: 'approved',
    });
    const [start, , check] = server.requests;
    expect(start!.headers['x-twilio-host']).toBe('verify.twilio.com');
    expect(start!.path).toBe(`/v2/Services/${VERIFY_SID}/Verifications`);
    expect(Object.fromEntries(new URLSearchParams(start!.raw))).toEqual({ To: '+12125550101', Channel: 'sms' });
    expect(check!.path).toBe(`/v2/Services/${VERIFY_SID}/VerificationCheck`);
    expect(Object.fromEntries(new URLSearchParams(check!.raw))).toEqual({ To: '+12125550101', Code: VERIFY_CODE });
  });
});

describe('Twilio webhooks', () => {
  const PUBLIC = 'https://europe-west1-craft.cloudfunctions.net';
  const NOW = new Date('2026-11-21T12:00:00Z');
  /** A post as Twilio makes it: form body, X-Twilio-Signature over `signedUrl` (the URL called, unless forged). */
  const post = (
    fn: string,
    query: string,
    params: Record<string, string>,
    signedUrl = `${PUBLIC}/${fn}${query}`,
  ): WebhookRequest => ({
    method: 'POST',
    url: `${PUBLIC}/${fn}${query}`,
    headers: { 'x-twilio-signature': twilio.getExpectedTwilioSignature(TWILIO_TOKEN, signedUrl, params) },
    rawBody: Buffer.from(new URLSearchParams(params).toString()),
  });

  it('maps every Twilio message status to a delivery status (early states are "sent", unknown ones move nothing)', () => {
    const table = Object.fromEntries(
      [
        'accepted',
        'scheduled',
        'queued',
        'sending',
        'sent',
        'delivered',
        'read',
        'undelivered',
        'failed',
        'canceled',
        'receiving',
      ].map((s) => [s, statusFromTwilio(s)]),
    );
    expect(table).toEqual({
      accepted: 'sent',
      scheduled: 'sent',
      queued: 'sent',
      sending: 'sent',
      sent: 'sent',
      delivered: 'delivered',
      read: 'delivered',
      undelivered: 'undelivered',
      failed: 'failed',
      canceled: 'failed',
      receiving: undefined,
    });
  });

  it("a signed status callback becomes one delivery event: status, Twilio's error code as a failure, the price as a cost", async () => {
    const parsed = await provider.webhooks.twilioStatus.parse(
      post('twilioStatus', `?deliveryId=${deliveryId('evt1', 'u1', 'sms')}`, {
        MessageSid: 'SM1',
        MessageStatus: 'undelivered',
        ErrorCode: '30005',
        Price: '-0.00790',
        PriceUnit: 'USD',
      }),
      NOW,
    );
    expect(parsed).toEqual({
      ok: true,
      events: [
        {
          kind: 'delivery',
          provider: 'twilio',
          deliveryId: deliveryId('evt1', 'u1', 'sms'),
          providerMessageId: 'SM1',
          status: 'undelivered',
          failure: { code: '30005', message: 'message undelivered', transient: false },
          fields: { providerStatus: 'undelivered', providerErrorCode: '30005' },
          cost: { amount: 0.0079, currency: 'USD' },
        },
      ],
    });
    expect(provider.webhooks.twilioStatus.respond({ deliveries: ['missing'] })).toEqual({
      contentType: 'text/plain; charset=utf-8',
      body: 'missing',
    });
  });

  it('refuses a forged, missing or other-URL signature (403), a bad delivery id or a missing field (400 naming it)', async () => {
    const params = { MessageSid: 'SM1', MessageStatus: 'delivered' };
    const parse = (request: WebhookRequest) => provider.webhooks.twilioStatus.parse(request, NOW);
    const forbidden = { ok: false, status: 403, message: 'forbidden' };
    expect(
      await parse(post('twilioStatus', '?deliveryId=d1', params, `https://evil.example/twilioStatus?deliveryId=d1`)),
    ).toEqual(forbidden);
    expect(
      await parse(post('twilioStatus', '?deliveryId=d1', params, `${PUBLIC}/twilioStatus?deliveryId=other`)),
    ).toEqual(forbidden);
    expect(await parse({ ...post('twilioStatus', '?deliveryId=d1', params), headers: {} })).toEqual(forbidden);
    expect(await parse({ ...post('twilioStatus', '?deliveryId=d1', params), method: 'GET' })).toEqual(forbidden);
    expect(await parse(post('twilioStatus', '', params))).toEqual({
      ok: false,
      status: 400,
      message: 'query.deliveryId: required',
    });
    expect(await parse(post('twilioStatus', `?deliveryId=${encodeURIComponent('a/b')}`, params))).toMatchObject({
      ok: false,
      status: 400,
      message: expect.stringMatching(/query\.deliveryId/),
    });
    expect(await parse(post('twilioStatus', '?deliveryId=d1', { MessageStatus: 'delivered' }))).toMatchObject({
      ok: false,
      status: 400,
      message: expect.stringMatching(/body\.MessageSid/),
    });
  });

  it('an inbound SMS is handed over as text; the answer is TwiML with the reply escaped', async () => {
    const parsed = await provider.webhooks.twilioInbound.parse(
      post('twilioInbound', '', { From: '+12125550101', To: '+15005550006', Body: ' stop ' }),
      NOW,
    );
    expect(parsed).toEqual({ ok: true, events: [{ kind: 'inbound-sms', from: '+12125550101', body: ' stop ' }] });
    expect(provider.webhooks.twilioInbound.respond({ deliveries: [] })).toEqual({
      contentType: 'text/xml',
      body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>',
    });
    expect(provider.webhooks.twilioInbound.respond({ deliveries: [], reply: 'Msg&data <rates>' }).body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Msg&amp;data &lt;rates&gt;</Message></Response>',
    );
  });
});
