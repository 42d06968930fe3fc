import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import twilio from 'twilio';
import type { Services } from '../../../src/composition/services.js';
import type { MemoryInfra } from '../../../src/composition/memory.js';
import { DEFAULT_SETTINGS } from '../../../src/config.js';
import { sendgridEvents, twilioInbound, twilioStatus, unsubscribe } from '../../../src/functions/webhooks.js';
import { paths } from '../../../src/domain/paths.js';
import { TOPICS } from '../../../src/domain/channels.js';
import { deliveryJobSchema } from '../../../src/domain/delivery.js';
import type { DeliveryDoc } from '../../../src/app/delivery/deliveryRepo.js';
import { createUnsubscribeToken } from '../../../src/domain/delivery/unsubscribeToken.js';
import { PreferencesRepo } from '../../../src/app/notifications/preferencesRepo.js';
import { MAYA, NOW, job, queued } from '../../support/delivery.js';
import { testWorld } from '../../support/world.js';
import { deliveryId } from '../../../src/domain/delivery.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;
const handlers: Record<string, Handler> = {
  twilioStatus: twilioStatus as unknown as Handler,
  twilioInbound: twilioInbound as unknown as Handler,
  sendgridEvents: sendgridEvents as unknown as Handler,
  unsubscribe: unsubscribe as unknown as Handler,
};

/** Serves each HTTPS function at /{name}, with the raw body Cloud Functions would keep, over real HTTP. */
let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const [, name, ...rest] = (req.url ?? '/').split('/');
    const fn = handlers[(name ?? '').split('?')[0]!];
    if (!fn) return void res.writeHead(404).end();
    Object.assign(req, {
      rawBody: Buffer.concat(chunks),
      url: `/${rest.join('/')}${(name ?? '').includes('?') ? `?${name!.split('?')[1]}` : ''}`,
    });
    await fn(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const PUBLIC = 'https://europe-west1-craft.cloudfunctions.net';
const AUTH_TOKEN = 'twilio-token-for-webhooks';
const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const SENDGRID_PUBLIC_KEY = keys.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

let infra: MemoryInfra;
let services: Services;
beforeEach(async () => {
  ({ infra, services } = await testWorld({
    now: NOW,
    settings: { ...DEFAULT_SETTINGS, publicBaseUrl: PUBLIC },
    users: [{ ...MAYA, timeZone: 'UTC' }],
    install: true,
  }));
  infra.delivery.webhookSecrets.twilioAuthToken = AUTH_TOKEN;
  infra.delivery.webhookSecrets.sendgridPublicKey = SENDGRID_PUBLIC_KEY;
});

const form = (params: Record<string, string>) => new URLSearchParams(params).toString();

/** Posts like Twilio: form body, X-Twilio-Signature computed for `signedUrl` (the public URL, unless a test forges it). */
async function postTwilio(
  fn: string,
  query: string,
  params: Record<string, string>,
  options: { signature?: string | null; signedUrl?: string } = {},
) {
  const signedUrl = options.signedUrl ?? `${PUBLIC}/${fn}${query}`;
  const signature =
    options.signature === undefined
      ? twilio.getExpectedTwilioSignature(AUTH_TOKEN, signedUrl, params)
      : options.signature;
  return fetch(`${base}/${fn}${query}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(signature ? { 'x-twilio-signature': signature } : {}),
    },
    body: form(params),
  });
}

const delivery = async (id: string) => (await infra.store.get(paths.delivery(id))).data as DeliveryDoc;

async function sentSms() {
  const j = job('sms');
  await queued(infra.store, j);
  await services.delivery.channels.handle('sms', j);
  const sid = infra.delivery.sms.sent[0]!.sid;
  return { id: j.deliveryId, sid };
}

describe('Twilio status callback over HTTP', () => {
  it('moves the delivery forward, records the price once and the daily cost, ignores late earlier statuses', async () => {
    const { id, sid } = await sentSms();
    const query = `?deliveryId=${id}`;
    infra.clock.advance(5_000);
    let res = await postTwilio('twilioStatus', query, {
      MessageSid: sid,
      MessageStatus: 'delivered',
      Price: '-0.00790',
      PriceUnit: 'USD',
    });
    expect(res.status).toBe(200);
    // out of order: "sent" after "delivered", and the same "delivered" again
    res = await postTwilio('twilioStatus', query, { MessageSid: sid, MessageStatus: 'sent' });
    expect(res.status).toBe(200);
    await postTwilio('twilioStatus', query, {
      MessageSid: sid,
      MessageStatus: 'delivered',
      Price: '-0.00790',
      PriceUnit: 'USD',
    });
    const d = await delivery(id);
    expect(d).toMatchObject({ status: 'delivered', price: 0.0079, priceUnit: 'USD', providerStatus: 'delivered' });
    expect(d.timestamps.deliveredAt).toEqual(new Date(Date.parse(NOW) + 5_000));
    const cost = (await infra.store.get(`users/u1/deliveryCosts/${NOW.slice(0, 10)}`)).data;
    expect(cost).toMatchObject({ sms: { count: 1, cost: 0.0079 }, unit: 'USD' });
  });

  it('records undelivered with the error code', async () => {
    const { id, sid } = await sentSms();
    await postTwilio('twilioStatus', `?deliveryId=${id}`, {
      MessageSid: sid,
      MessageStatus: 'undelivered',
      ErrorCode: '30005',
    });
    expect(await delivery(id)).toMatchObject({ status: 'undelivered', providerErrorCode: '30005' });
  });

  it('answers 403 and changes nothing for a forged, missing or other-URL signature', async () => {
    const { id, sid } = await sentSms();
    const query = `?deliveryId=${id}`;
    const before = await delivery(id);
    const params = { MessageSid: sid, MessageStatus: 'delivered' };
    const forged = twilio.getExpectedTwilioSignature('not-the-token', `${PUBLIC}/twilioStatus${query}`, params);
    expect((await postTwilio('twilioStatus', query, params, { signature: forged })).status).toBe(403);
    expect((await postTwilio('twilioStatus', query, params, { signature: null })).status).toBe(403);
    expect(
      (await postTwilio('twilioStatus', query, params, { signedUrl: `https://evil.example/twilioStatus${query}` }))
        .status,
    ).toBe(403);
    // signed for another delivery id (the query is part of the signed URL)
    expect(
      (await postTwilio('twilioStatus', query, params, { signedUrl: `${PUBLIC}/twilioStatus?deliveryId=other` }))
        .status,
    ).toBe(403);
    expect(await delivery(id)).toEqual(before);
  });

  it('rejects a signed but malformed callback with 400 naming the field', async () => {
    const { id } = await sentSms();
    const res = await postTwilio('twilioStatus', `?deliveryId=${id}`, { MessageStatus: 'delivered' });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/body\.MessageSid/);
  });
});

describe('Twilio inbound STOP / START / HELP over HTTP', () => {
  it('STOP opts the number out at once: the next SMS is suppressed; START opts back in', async () => {
    let res = await postTwilio('twilioInbound', '', { From: '+12125550101', To: '+15005550006', Body: ' stop ' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/xml/);
    await services.delivery.channels.handle('sms', job('sms'));
    expect(infra.delivery.sms.sent).toHaveLength(0);
    expect(await delivery(deliveryId('evt1', 'u1', 'sms'))).toMatchObject({
      status: 'suppressed',
      reason: 'sms-opted-out',
    });

    res = await postTwilio('twilioInbound', '', { From: '+12125550101', To: '+15005550006', Body: 'START' });
    await services.delivery.channels.handle('sms', job('sms', { eventId: 'evt2' }));
    expect(infra.delivery.sms.sent).toHaveLength(1);
  });

  it('answers HELP with TwiML', async () => {
    const res = await postTwilio('twilioInbound', '', { From: '+12125550101', To: '+15005550006', Body: 'HELP' });
    expect(await res.text()).toMatch(/<Response><Message>Craft Market alerts: .*Reply STOP to opt out/);
  });

  it('answers HELP in the language of whoever verified the number; a number nobody holds gets English', async () => {
    const help = async (from: string) =>
      (await postTwilio('twilioInbound', '', { From: from, To: '+15005550006', Body: 'help' })).text();
    await infra.store.update(paths.user('u1'), { locale: 'de-AT' });
    expect(await help('+12125550101')).toMatch(/<Message>Craft Market: Hinweise zu Geboten.*STOP zum Abmelden/);
    await infra.store.update(paths.user('u1'), { locale: 'ar' });
    expect(await help('+12125550101')).toContain('أرسل STOP');
    expect(await help('+12125550199')).toMatch(/<Message>Craft Market alerts: .*Reply STOP/);
    // A number someone typed but never verified says nothing about its holder.
    await infra.store.set(paths.user('u9'), {
      displayName: 'Eve',
      phone: '+12125550199',
      phoneVerified: false,
      locale: 'de',
    });
    expect(await help('+12125550199')).toMatch(/Reply STOP/);
    // Two verified holders who read different languages: no guess between them.
    await infra.store.set(paths.user('u8'), {
      displayName: 'Ben',
      phone: '+12125550101',
      phoneVerified: true,
      locale: 'de',
    });
    expect(await help('+12125550101')).toMatch(/Reply STOP/);
  });

  it('ignores an unsigned STOP (403, number not opted out)', async () => {
    const res = await postTwilio('twilioInbound', '', { From: '+12125550101', Body: 'STOP' }, { signature: 'AAAA' });
    expect(res.status).toBe(403);
    expect(await services.delivery.contacts.isSmsOptedOut('+12125550101')).toBe(false);
  });
});

describe('SendGrid signed event webhook over HTTP', () => {
  const postEvents = (
    events: unknown[],
    options: { timestamp?: number; tamper?: boolean; unsigned?: boolean } = {},
  ) => {
    const body = JSON.stringify(events);
    const timestamp = String(options.timestamp ?? Math.floor(infra.clock.now().getTime() / 1000));
    const signature = sign('sha256', Buffer.from(timestamp + body), keys.privateKey).toString('base64');
    return fetch(`${base}/sendgridEvents`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(options.unsigned
          ? {}
          : {
              'x-twilio-email-event-webhook-signature': signature,
              'x-twilio-email-event-webhook-timestamp': timestamp,
            }),
      },
      body: options.tamper ? body.replace('delivered', 'bounce') : body,
    });
  };

  async function sentEmail() {
    const j = job('email');
    await queued(infra.store, j);
    await services.delivery.channels.handle('email', j);
    return j.deliveryId;
  }

  const at = (offsetS: number) => Math.floor(Date.parse(NOW) / 1000) + offsetS;
  const ev = (event: string, id: string, offsetS: number, extra: Record<string, unknown> = {}) => ({
    email: 'maya@studio.example',
    timestamp: at(offsetS),
    event,
    sg_event_id: `${event}-${offsetS}`,
    sg_message_id: 'sg-1.filter',
    deliveryId: id,
    uid: 'u1',
    notificationCategory: 'commerce',
    category: ['commerce'],
    ...extra,
  });

  it('applies delivered, open and click (in any order) to the delivery', async () => {
    const id = await sentEmail();
    const res = await postEvents([
      ev('click', id, 30, { url: 'https://craft.example/orders/o1' }),
      ev('delivered', id, 10),
      ev('open', id, 20),
    ]);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ applied: 3, ignored: 0 });
    const d = await delivery(id);
    expect(d.status).toBe('clicked');
    expect(d.timestamps).toMatchObject({
      deliveredAt: new Date(at(10) * 1000),
      openedAt: new Date(at(20) * 1000),
      clickedAt: new Date(at(30) * 1000),
    });
  });

  it('walks an email from the pipeline through queued → sent → delivered → opened → clicked, every field and timestamp recorded', async () => {
    const T0 = Date.parse(NOW);
    const iso = (offsetS: number) => new Date(T0 + offsetS * 1000);
    // queued: the notification pipeline routes an order.shipped event and writes deliveries/{id}
    await services.notifications.pipeline.submit(
      {
        type: 'order.shipped',
        idempotencyKey: 'ship-o1',
        occurredAt: NOW,
        payload: { orderId: 'o1', itemTitle: 'Walnut bowl', buyerId: 'u1', carrier: 'DHL', trackingNumber: 'T1' },
      },
      'callable',
      'attempt-1',
    );
    const [emailJob] = infra.publisher.on(TOPICS.email).map((m) => deliveryJobSchema.parse(m.data));
    const id = emailJob!.deliveryId;
    expect(await delivery(id)).toMatchObject({ status: 'queued', timestamps: { queuedAt: iso(0) } });
    // sent: channel delivery picks the job up two seconds later
    infra.clock.set(iso(2));
    await services.delivery.channels.handle('email', emailJob);
    const messageId = infra.delivery.email.sent[0]!.messageId;
    // SendGrid's events, each posted a little after it happened; the last post repeats one (webhooks are retried)
    infra.clock.set(iso(12));
    expect(await (await postEvents([ev('processed', id, 3), ev('delivered', id, 10)])).json()).toEqual({
      applied: 2,
      ignored: 0,
    });
    infra.clock.set(iso(25));
    await postEvents([ev('open', id, 20)]);
    infra.clock.set(iso(40));
    await postEvents([ev('click', id, 30, { url: 'https://craft.example/orders/o1' }), ev('delivered', id, 10)]);

    expect(await delivery(id)).toEqual({
      deliveryId: id,
      eventId: emailJob!.eventId,
      uid: 'u1',
      channel: 'email',
      provider: 'sendgrid',
      providerMessageId: messageId,
      type: 'order.shipped',
      category: 'commerce',
      priority: emailJob!.priority,
      critical: false,
      notificationId: `${emailJob!.eventId}_order.shipped`,
      groupKey: 'order.shipped:o1',
      status: 'clicked',
      attempts: 1,
      errors: [],
      lastProviderEvent: 'delivered',
      leaseUntil: null,
      // each status once, when it happened (provider events at their own time, not when the webhook came)
      timestamps: {
        queuedAt: iso(0),
        sendingAt: iso(2),
        sentAt: iso(2),
        deliveredAt: iso(10),
        openedAt: iso(20),
        clickedAt: iso(30),
      },
      createdAt: iso(0),
      updatedAt: iso(40),
      // a year, for the TTL policy on deliveries.expiresAt
      expiresAt: new Date(T0 + 365 * 24 * 3600_000),
    });
  });

  it('a bounce fails the delivery and suppresses the address: no more email to it', async () => {
    const id = await sentEmail();
    await postEvents([ev('bounce', id, 5, { reason: '550 5.1.1 mailbox does not exist' })]);
    expect(await delivery(id)).toMatchObject({
      status: 'failed',
      reason: 'sendgrid-bounce: 550 5.1.1 mailbox does not exist',
    });
    await services.delivery.channels.handle('email', job('email', { eventId: 'evt2' }));
    expect(infra.delivery.email.sent).toHaveLength(1);
    expect(await delivery(deliveryId('evt2', 'u1', 'email'))).toMatchObject({
      status: 'suppressed',
      reason: 'email-suppressed',
    });
  });

  it('403 and no change for a forged body, a missing signature, or a replayed (old) post', async () => {
    const id = await sentEmail();
    const before = await delivery(id);
    expect((await postEvents([ev('delivered', id, 1)], { tamper: true })).status).toBe(403);
    expect((await postEvents([ev('delivered', id, 1)], { unsigned: true })).status).toBe(403);
    expect((await postEvents([ev('delivered', id, 1)], { timestamp: at(-600) })).status).toBe(403);
    expect(await delivery(id)).toEqual(before);
    expect(await services.delivery.contacts.isEmailSuppressed('maya@studio.example')).toBe(false);
  });
});

describe('unsubscribe endpoint over HTTP', () => {
  const token = (ttlMs?: number) =>
    createUnsubscribeToken({ uid: 'u1', category: 'commerce' }, 'local-unsubscribe-signing-key', new Date(NOW), ttlMs);
  const prefs = () => new PreferencesRepo(infra.store, services.audit, infra.clock).get('u1');

  it('GET shows a confirmation page and changes nothing', async () => {
    const before = await prefs();
    const res = await fetch(`${base}/unsubscribe?token=${token()}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/<form method="post">.*Unsubscribe from orders and auctions emails/s);
    expect(await prefs()).toEqual(before);
  });

  it('one-click POST (RFC 8058) turns email off for that category only', async () => {
    const before = await prefs();
    const res = await fetch(`${base}/unsubscribe?token=${token()}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(res.status).toBe(200);
    const after = await prefs();
    expect(after.types['order.shipped'].channels.email).toBe(false);
    expect(before.types['order.shipped'].channels.email).toBe(true);
    expect(after.types['social.new_follower']).toEqual(before.types['social.new_follower']);
  });

  it('the page form can turn off all email', async () => {
    await fetch(`${base}/unsubscribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ token: token(), scope: 'all' }),
    });
    const after = await prefs();
    for (const type of ['order.shipped', 'social.new_follower', 'community.event'] as const)
      expect(after.types[type].channels.email).toBe(false);
  });

  it("speaks the language of the token's user (German, Arabic right to left), whatever the query or browser says", async () => {
    await infra.store.update(paths.user('u1'), { locale: 'de' });
    const page = await fetch(`${base}/unsubscribe?token=${token()}&locale=ar&uid=u2`, {
      headers: { 'accept-language': 'ar' },
    });
    const de = await page.text();
    expect(de).toContain('<html lang="de" dir="ltr">');
    expect(de).toContain('E-Mails der Kategorie');
    expect(de).not.toContain('Unsubscribe from');

    await infra.store.update(paths.user('u1'), { locale: 'ar-EG' });
    const done = await fetch(`${base}/unsubscribe?token=${token()}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'de' },
      body: 'List-Unsubscribe=One-Click',
    });
    const ar = await done.text();
    expect(done.status).toBe(200);
    expect(ar).toContain('<html lang="ar-EG" dir="rtl">');
    expect(ar).toContain('تم إلغاء الاشتراك');
  });

  it('a refused token names nobody: its page follows Accept-Language, else English', async () => {
    const forged = createUnsubscribeToken({ uid: 'u1', category: 'commerce' }, 'guessed-key', new Date(NOW));
    await infra.store.update(paths.user('u1'), { locale: 'ar' });
    const de = await fetch(`${base}/unsubscribe?token=${forged}`, {
      headers: { 'accept-language': 'fr-CH, fr;q=0.9, de;q=0.8, en;q=0.7' },
    });
    expect(de.status).toBe(403);
    expect(await de.text()).toContain('Dieser Abmeldelink ist ungültig.');
    const en = await fetch(`${base}/unsubscribe?token=${forged}`, { headers: { 'accept-language': 'fr, ja;q=0.5' } });
    expect(await en.text()).toContain('<html lang="en" dir="ltr">');
  });

  it('refuses forged (403) and expired (410) tokens without changing anything', async () => {
    const before = await prefs();
    const forged = createUnsubscribeToken({ uid: 'u1', category: 'commerce' }, 'guessed-key', new Date(NOW));
    expect(
      (await fetch(`${base}/unsubscribe?token=${forged}`, { method: 'POST', body: 'List-Unsubscribe=One-Click' }))
        .status,
    ).toBe(403);
    infra.clock.advance(61 * 24 * 3600_000);
    expect(
      (await fetch(`${base}/unsubscribe?token=${token()}`, { method: 'POST', body: 'List-Unsubscribe=One-Click' }))
        .status,
    ).toBe(410);
    expect(await prefs()).toEqual(before);
  });
});
