import type { IncomingMessage, ServerResponse } from 'node:http';
import twilio from 'twilio';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createGroup, editMessage, sendMessage, updateGroup, reportMessage } from '../../../src/functions/messaging.js';
import { registerDevice, startPhoneVerification, unregisterDevice } from '../../../src/functions/delivery.js';
import { exportConversation, exportNotifications } from '../../../src/functions/compliance.js';
import { markNotificationsRead, publishEvent, updatePreferences } from '../../../src/functions/notifications.js';
import { searchMessages } from '../../../src/functions/search.js';
import { twilioStatus } from '../../../src/functions/webhooks.js';
import { useServices } from '../../../src/functions/runtime.js';
import { renderNotification } from '../../../src/domain/notifications/templates.js';
import { paths } from '../../../src/domain/paths.js';
import type { World } from './support.js';
import { expectRefused, invoke, world } from './support.js';

/** Input hygiene: bad input is INVALID_ARGUMENT naming the field, changes nothing, and never answers INTERNAL. */

let w: World;
let cid: string;
beforeEach(async () => {
  w = await world(['alice', 'bob', 'carol', 'dave']);
  ({ conversationId: cid } = await invoke<{ conversationId: string }>(
    createGroup,
    { title: 'Dyers', memberIds: ['bob'] },
    { uid: 'alice' },
  ));
});
afterAll(() => useServices(undefined));

const alice = { uid: 'alice' };
const workshop = (start: unknown, end: unknown) => ({
  conversationId: cid,
  type: 'workshop',
  clientMessageId: 'w1',
  workshop: { title: 'Indigo vat', start, end, place: 'Studio 4', capacity: 8 },
});

describe('dates are real and in range', () => {
  it('workshop dates: null, true, numbers and 2026-02-30 are refused, not coerced', async () => {
    for (const [start, field] of [
      [null, 'data.workshop.start'],
      [true, 'data.workshop.start'],
      [0, 'data.workshop.start'],
      ['2026-02-30T10:00:00Z', 'data.workshop.start'],
    ] as const) {
      await expectRefused(
        w,
        () => invoke(sendMessage, workshop(start, '2026-03-01T12:00:00Z'), alice),
        'invalid-argument',
        field,
      );
    }
    await expect(
      invoke(sendMessage, workshop('2026-03-01T10:00:00Z', '2026-03-01T12:00:00Z'), alice),
    ).resolves.toMatchObject({ duplicate: false });
  });

  it('search: a date outside the range is refused instead of dropping the filter', async () => {
    for (const from of [9e15, -1, 1.5, '2026-02-30T00:00:00Z', null, true]) {
      await expectRefused(
        w,
        () => invoke(searchMessages, { query: 'x', from }, alice),
        'invalid-argument',
        'data.from',
      );
    }
  });

  it('exports: a date outside JavaScript range is refused before any job or audit entry exists', async () => {
    await expectRefused(
      w,
      () => invoke(exportConversation, { conversationId: cid, format: 'pdf', to: 8.64e15 + 1 }, alice),
      'invalid-argument',
      'data.to',
    );
    await expectRefused(
      w,
      () => invoke(exportNotifications, { format: 'csv', from: '+275760-09-13T00:00:00Z' }, alice),
      'invalid-argument',
      'data.from',
    );
  });
});

describe('one visible line where one line belongs', () => {
  it('group titles: CR/LF, control characters, bidi overrides and invisible-only titles are refused', async () => {
    for (const title of [
      'Dyers\r\nBcc: all@example.com',
      'tab\there',
      'nul\u0000',
      '\u202egnp.exe',
      '\u200b\u200b\u2060',
      '\u3164',
    ]) {
      await expectRefused(
        w,
        () => invoke(createGroup, { title, memberIds: ['bob'] }, alice),
        'invalid-argument',
        'data.title',
      );
      await expectRefused(
        w,
        () => invoke(updateGroup, { conversationId: cid, title }, alice),
        'invalid-argument',
        'data.title',
      );
    }
    await expect(invoke(updateGroup, { conversationId: cid, title: 'Färber ☕ 染め' }, alice)).resolves.toMatchObject({
      conversationId: cid,
    });
  });

  it('event fields with line breaks are rejected at the door, naming the field', async () => {
    const error = await invoke(
      publishEvent,
      {
        type: 'auction.won',
        idempotencyKey: 'won-1',
        occurredAt: '2026-11-21T10:00:00Z',
        payload: {
          auctionId: 'a1',
          auctionTitle: 'Bowl\r\nBcc: everyone@example.com',
          winnerId: 'bob',
          sellerId: 'alice',
          amount: 10,
          currency: 'USD',
        },
      },
      { uid: 'svc', roles: ['service'] },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'invalid-argument' });
    expect((error as Error).message).toMatch(/auctionTitle/);
  });

  it('whatever was stored before, a rendered email subject is one line without bidi overrides', () => {
    const rendered = renderNotification(
      'messaging.new_message',
      { senderName: 'Eve\r\nBcc: x@example.com', conversationTitle: 'T\u202e', preview: 'hi\u0000', count: '1' },
      { locale: 'en' },
    );
    // eslint-disable-next-line no-control-regex -- looking for control characters is the point
    expect(rendered.email.subject).not.toMatch(/[\r\n\u0000\u202e]/u);
    expect(rendered.push.title).not.toMatch(/[\r\n]/u);
  });
});

describe('empty changes', () => {
  it('updateGroup with empty settings is refused naming data.settings, and writes nothing', async () => {
    await expectRefused(
      w,
      () => invoke(updateGroup, { conversationId: cid, settings: {} }, alice),
      'invalid-argument',
      'data.settings',
    );
  });
});

describe('links are https', () => {
  it('group photos: javascript:, data: and http: are refused', async () => {
    for (const photo of [
      'javascript:alert(1)',
      'data:image/png;base64,AAAA',
      'http://photos.example/p.png',
      'https://bank.example@evil.example/p.png',
    ]) {
      await expectRefused(
        w,
        () => invoke(createGroup, { title: 'G', memberIds: ['bob'], photo }, alice),
        'invalid-argument',
        'data.photo',
      );
      await expectRefused(
        w,
        () => invoke(updateGroup, { conversationId: cid, photo }, alice),
        'invalid-argument',
        'data.photo',
      );
    }
  });
});

describe('locales are BCP 47', () => {
  it('refuses what is not a language tag and stores the canonical form', async () => {
    const device = { token: 'fcm-token-locale-test-0123456789', platform: 'web', appVersion: '1.0.0' };
    for (const locale of ['english', 'en_US', 'en-', '12', 'en-US-x-'])
      await expectRefused(
        w,
        () => invoke(registerDevice, { ...device, locale }, alice),
        'invalid-argument',
        'data.locale',
      );
    const { deviceId } = await invoke<{ deviceId: string }>(registerDevice, { ...device, locale: 'en-gb' }, alice);
    expect((await w.infra.store.get(paths.device('alice', deviceId))).data?.locale).toBe('en-GB');
  });
});

describe('ids are ids', () => {
  const bad = ['a/b', '..', '.', ' ', 'x y', 'users/bob', ''];
  it('refuses a/b, .., whitespace with a field-named error that leaks no path', async () => {
    for (const id of bad) {
      await expectRefused(
        w,
        () => invoke(unregisterDevice, { deviceId: id }, alice),
        'invalid-argument',
        'data.deviceId',
      );
      await expectRefused(
        w,
        () => invoke(markNotificationsRead, { ids: [id] }, alice),
        'invalid-argument',
        'data.ids[0]',
      );
      await expectRefused(
        w,
        () => invoke(exportConversation, { conversationId: id, format: 'json' }, alice),
        'invalid-argument',
        'data.conversationId',
      );
      await expectRefused(
        w,
        () => invoke(searchMessages, { query: 'x', conversationId: id }, alice),
        'invalid-argument',
        'data.conversationId',
      );
      await expectRefused(
        w,
        () => invoke(reportMessage, { conversationId: cid, messageId: id, reason: 'spam' }, alice),
        'invalid-argument',
        'data.messageId',
      );
    }
  });

  it('a signed Twilio status callback with deliveryId=a/b answers 400, not 500', async () => {
    const token = 'twilio-auth-token-for-hygiene';
    w.infra.delivery.webhookSecrets.twilioAuthToken = token;
    w.infra.delivery.settings.publicBaseUrl = () => 'https://functions.example';
    for (const id of ['a/b', '..', 'a%2Fb']) {
      const query = `?deliveryId=${encodeURIComponent(id)}`;
      const params = { MessageSid: 'SM1', MessageStatus: 'delivered' };
      const body = new URLSearchParams(params).toString();
      const signature = twilio.getExpectedTwilioSignature(
        token,
        `https://functions.example/twilioStatus${query}`,
        params,
      );
      const res = {
        statusCode: 0,
        headersSent: false,
        body: '',
        setHeader() {},
        end(text: string) {
          this.body = text;
          this.headersSent = true;
        },
      };
      const req = {
        method: 'POST',
        url: `/${query}`,
        headers: { 'x-twilio-signature': signature },
        rawBody: Buffer.from(body),
      };
      await (twilioStatus as unknown as (q: IncomingMessage, s: ServerResponse) => Promise<void>)(
        req as never,
        res as never,
      );
      expect(res.statusCode, id).toBe(400);
      expect(res.body).toMatch(/query\.deliveryId/);
    }
  });
});

describe('strict schemas', () => {
  it('unknown fields are errors naming them, not silently dropped', async () => {
    await expectRefused(
      w,
      () => invoke(createGroup, { title: 'G', memberIds: ['bob'], owner: 'mallory' }, alice),
      'invalid-argument',
      'data.owner',
    );
    await expectRefused(
      w,
      () => invoke(editMessage, { conversationId: cid, messageId: 'x', text: 'y', senderId: 'bob' }, alice),
      'invalid-argument',
      'data.senderId',
    );
    await expectRefused(
      w,
      () => invoke(searchMessages, { query: 'x', visibleTo: 'bob' }, alice),
      'invalid-argument',
      'data.visibleTo',
    );
  });

  it('__proto__, constructor and prototype keys are refused at any depth', async () => {
    const smuggled = JSON.parse('{"title":"G","memberIds":["bob"],"__proto__":{"isAdmin":true}}') as unknown;
    await expectRefused(w, () => invoke(createGroup, smuggled, alice), 'invalid-argument', 'data.__proto__');
    const nested = JSON.parse('{"quietHours":{"__proto__":{"enabled":false}}}') as unknown;
    await expectRefused(
      w,
      () => invoke(updatePreferences, nested, alice),
      'invalid-argument',
      'data.quietHours.__proto__',
    );
    await expectRefused(
      w,
      () =>
        invoke(createGroup, { title: 'G', memberIds: ['bob'], settings: { constructor: { prototype: {} } } }, alice),
      'invalid-argument',
      'data.settings.constructor',
    );
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });
});

describe('server-side bounds', () => {
  it('edit history: the 21st edit is refused and the message stays as it was', async () => {
    const { messageId } = await invoke<{ messageId: string }>(
      sendMessage,
      { conversationId: cid, type: 'text', text: 'v0', clientMessageId: 'e1' },
      alice,
    );
    for (let i = 1; i <= 20; i++)
      await invoke(editMessage, { conversationId: cid, messageId, text: `v${i} ${'x'.repeat(3900)}` }, alice);
    await expectRefused(
      w,
      () => invoke(editMessage, { conversationId: cid, messageId, text: 'v21' }, alice),
      'failed-precondition',
      'at most 20',
    );
  });

  it('startPhoneVerification: 20 simultaneous calls send one code; per-number limits hold across users, with a retry hint', async () => {
    const start = vi.spyOn(w.infra.delivery.smsVerifier, 'start');
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => invoke(startPhoneVerification, { phone: '+12125550101' }, alice)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results
      .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
      .map((r) => r.reason as { code: string; details?: { retryAfterSeconds?: number } });
    expect(refused.every((e) => e.code === 'resource-exhausted' && (e.details?.retryAfterSeconds ?? 0) > 0)).toBe(true);
    expect(start).toHaveBeenCalledTimes(1);

    // The same number from other accounts, each after the cooldown: five a day for the number, then refused.
    for (const [i, uid] of ['bob', 'carol', 'dave', 'bob'].entries()) {
      w.infra.clock.advance(61_000);
      await expect(
        invoke(startPhoneVerification, { phone: '+12125550101' }, { uid }),
        `start ${i + 2}`,
      ).resolves.toMatchObject({ status: 'pending' });
    }
    w.infra.clock.advance(61_000);
    const error = await expectRefused(
      w,
      () => invoke(startPhoneVerification, { phone: '+12125550101' }, { uid: 'carol' }),
      'resource-exhausted',
      'try again in',
    );
    expect((error as Error & { details?: { retryAfterSeconds: number } }).details?.retryAfterSeconds).toBeGreaterThan(
      3600,
    );
    expect(start).toHaveBeenCalledTimes(5);
  });
});
