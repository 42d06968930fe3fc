import { generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookRequest } from '../../ports.js';
import { OUTBID_MAIL, SENDGRID_KEY, fakeSendgrid } from '../../../test/support/fakes/sendgridServer.js';
import { deliveryEvents, statusFromSendgrid } from './events.js';
import type { SendgridEvent } from './events.js';
import { sendgridProvider } from './index.js';
import { deliveryId } from '../../domain/delivery.js';

/**
 * SendGrid's folder on its own: @sendgrid/mail against a loopback v3 API (the request, errors in delivery terms) and
 * the signed Event Webhook (signature, replay window, schema, event mapping). Retries over it are policy
 * (test/unit/delivery/providers.loopback.test.ts).
 */
const server = fakeSendgrid();
const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
let provider: ReturnType<typeof sendgridProvider>;
beforeAll(async () => {
  await server.start();
  provider = sendgridProvider({
    apiKey: () => SENDGRID_KEY,
    baseUrl: server.url,
    timeoutMs: 2_000,
    webhookPublicKey: () => keys.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  });
});
afterAll(() => server.stop());
afterEach(() => {
  server.requests.length = 0;
  server.script.length = 0;
});

const mail = OUTBID_MAIL;
const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('SendGrid mail/send through @sendgrid/mail', () => {
  it('posts mail/send with both parts, the unsubscribe headers and the custom args', async () => {
    await expect(provider.email.send(mail)).resolves.toEqual({ messageId: 'sgmsg-1' });
    const [req] = server.requests;
    expect(req!.method).toBe('POST');
    expect(req!.path).toBe('/v3/mail/send');
    expect(req!.headers.authorization).toBe(`Bearer ${SENDGRID_KEY}`);
    const body = JSON.parse(req!.raw);
    expect(body.from).toEqual({ email: 'notifications@craft.example' });
    expect(body.subject).toBe('You were outbid');
    expect(body.personalizations).toEqual([{ to: [{ email: 'maya@studio.example' }] }]);
    expect(body.content).toEqual([
      { type: 'text/plain', value: mail.text },
      { type: 'text/html', value: mail.html },
    ]);
    expect(body.headers).toEqual(mail.headers);
    expect(body.custom_args).toEqual(mail.customArgs);
    expect(body.categories).toEqual(['commerce', 'auction.outbid']);
  });

  it("a 429 is the account's rate with its Retry-After; a 500 is transient; a 400 permanent with SendGrid's message", async () => {
    server.script.push({
      status: 429,
      headers: { 'retry-after': '2' },
      body: { errors: [{ message: 'too many requests' }] },
    });
    expect(await rejection(provider.email.send(mail))).toMatchObject({
      provider: 'sendgrid',
      transient: true,
      code: '429',
      throttle: 'provider',
      retryAfterMs: 2_000,
    });
    server.script.push({ status: 500, body: { errors: [{ message: 'oops' }] } });
    expect(await rejection(provider.email.send(mail))).toMatchObject({
      transient: true,
      code: '500',
      throttle: undefined,
    });
    server.script.push({
      status: 400,
      body: { errors: [{ message: 'Does not contain a valid address.', field: 'personalizations.0.to.0.email' }] },
    });
    expect(await rejection(provider.email.send(mail))).toMatchObject({
      transient: false,
      code: '400',
      message: 'Does not contain a valid address.',
      throttle: undefined,
    });
  });
});

describe('SendGrid Event Webhook', () => {
  const NOW = new Date('2026-11-21T12:00:00Z');
  const nowS = NOW.getTime() / 1000;
  const post = (events: unknown, options: { timestamp?: number; body?: string } = {}): WebhookRequest => {
    const body = options.body ?? JSON.stringify(events);
    const timestamp = String(options.timestamp ?? nowS);
    return {
      method: 'POST',
      url: 'https://fn.example/sendgridEvents',
      headers: {
        'x-twilio-email-event-webhook-signature': sign(
          'sha256',
          Buffer.from(timestamp + body),
          keys.privateKey,
        ).toString('base64'),
        'x-twilio-email-event-webhook-timestamp': timestamp,
      },
      rawBody: Buffer.from(body),
    };
  };
  const event = (name: string, extra: Partial<SendgridEvent> = {}): SendgridEvent => ({
    event: name,
    email: 'maya@studio.example',
    timestamp: nowS - 10,
    sg_event_id: `${name}-1`,
    deliveryId: deliveryId('evt1', 'u1', 'email'),
    uid: 'u1',
    notificationCategory: 'commerce',
    ...extra,
  });

  it('maps SendGrid events to delivery statuses (engagement moves it on, deferral and spam reports move nothing)', () => {
    const table = Object.fromEntries(
      ['processed', 'delivered', 'open', 'click', 'bounce', 'dropped', 'deferred', 'spamreport', 'unsubscribe'].map(
        (e) => [e, statusFromSendgrid(e)],
      ),
    );
    expect(table).toEqual({
      processed: 'sent',
      delivered: 'delivered',
      open: 'opened',
      click: 'clicked',
      bounce: 'failed',
      dropped: 'failed',
      deferred: undefined,
      spamreport: undefined,
      unsubscribe: undefined,
    });
  });

  it("a bounce suppresses the address and fails the delivery with SendGrid's reason, keyed by its event id", async () => {
    const parsed = await provider.webhooks.sendgridEvents.parse(
      post([event('bounce', { reason: '550 5.1.1 no such user' })]),
      NOW,
    );
    expect(parsed).toEqual({
      ok: true,
      events: [
        {
          kind: 'email-suppressed',
          email: 'maya@studio.example',
          reason: 'bounce',
          deliveryId: deliveryId('evt1', 'u1', 'email'),
        },
        {
          kind: 'delivery',
          provider: 'sendgrid',
          deliveryId: deliveryId('evt1', 'u1', 'email'),
          status: 'failed',
          at: new Date((nowS - 10) * 1000),
          failure: { code: 'bounce', message: '550 5.1.1 no such user', transient: false, providerEventId: 'bounce-1' },
          fields: { lastProviderEvent: 'bounce', reason: 'sendgrid-bounce: 550 5.1.1 no such user' },
        },
      ],
    });
  });

  it('a deferral is a transient failure; a spam report suppresses and is stamped; an unsubscribe names its category', () => {
    expect(deliveryEvents(event('deferred'))).toEqual([
      expect.objectContaining({
        kind: 'delivery',
        failure: expect.objectContaining({ code: 'deferred', transient: true }),
      }),
    ]);
    expect(deliveryEvents(event('spamreport'))).toEqual([
      expect.objectContaining({ kind: 'email-suppressed', reason: 'spamreport' }),
      expect.objectContaining({ kind: 'delivery', timestampField: 'spamReportedAt' }),
    ]);
    expect(deliveryEvents(event('unsubscribe'))[0]).toEqual({ kind: 'unsubscribed', uid: 'u1', category: 'commerce' });
    expect(deliveryEvents(event('unsubscribe', { notificationCategory: undefined }))[0]).toEqual({
      kind: 'unsubscribed',
      uid: 'u1',
      category: 'all',
    });
  });

  it('refuses a tampered body, a missing signature and a replayed (old) post (403); not JSON or a bad event (400 naming it)', async () => {
    const parse = (request: WebhookRequest) => provider.webhooks.sendgridEvents.parse(request, NOW);
    const forbidden = { ok: false, status: 403, message: 'forbidden' };
    const signed = post([event('delivered')]);
    expect(
      await parse({ ...signed, rawBody: Buffer.from(signed.rawBody.toString().replace('delivered', 'bounce')) }),
    ).toEqual(forbidden);
    expect(await parse({ ...signed, headers: {} })).toEqual(forbidden);
    expect(await parse(post([event('delivered')], { timestamp: nowS - 600 }))).toEqual(forbidden);
    expect(await parse(post(undefined, { body: '[{' }))).toEqual({ ok: false, status: 400, message: 'body: not JSON' });
    expect(await parse(post([{ event: 'delivered', timestamp: nowS }]))).toMatchObject({
      ok: false,
      status: 400,
      message: expect.stringMatching(/body\[0\]\.email/),
    });
  });

  it('answers with how many events moved a delivery', () => {
    expect(
      provider.webhooks.sendgridEvents.respond({ deliveries: ['updated', 'missing', 'ignored', 'updated'] }),
    ).toEqual({ contentType: 'application/json', body: '{"applied":2,"ignored":2}' });
  });
});
