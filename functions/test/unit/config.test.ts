import { afterEach, describe, expect, it, vi } from 'vitest';
import type { App } from 'firebase-admin/app';
import {
  DEFAULT_SETTINGS,
  InvalidConfigurationError,
  MissingSecretError,
  params,
  readSettings,
  requireSecret,
} from '../../src/config.js';
import { firebaseDelivery } from '../../src/composition/cloud.js';
import { buildServices } from '../../src/composition/services.js';
import { memoryInfra } from '../../src/composition/memory.js';
import { webLink } from '../../src/domain/delivery/pushMessage.js';

afterEach(() => vi.unstubAllEnvs());

describe('requireSecret', () => {
  it('returns a configured secret', () => {
    expect(requireSecret('TWILIO_AUTH_TOKEN', () => 'tok')).toBe('tok');
  });

  it.each([undefined, ''])('fails naming the secret when it is %j', (value) => {
    expect(() => requireSecret('SENDGRID_API_KEY', () => value)).toThrowError(MissingSecretError);
    expect(() => requireSecret('SENDGRID_API_KEY', () => value)).toThrowError(/SENDGRID_API_KEY/);
  });

  it('reads through defineSecret at call time, from the environment the runtime fills', () => {
    delete process.env.ALGOLIA_ADMIN_KEY;
    expect(() => requireSecret('ALGOLIA_ADMIN_KEY')).toThrowError(/ALGOLIA_ADMIN_KEY is not configured/);
    process.env.ALGOLIA_ADMIN_KEY = 'admin-key';
    expect(requireSecret('ALGOLIA_ADMIN_KEY')).toBe('admin-key');
    delete process.env.ALGOLIA_ADMIN_KEY;
  });
});

describe('readSettings (every param, one set of defaults)', () => {
  const unset = () => {
    for (const name of Object.keys(params)) vi.stubEnv(name, undefined);
  };

  it('gives the defaults where the environment sets nothing (outside the Functions runtime .value() would give 0 and "")', () => {
    unset();
    expect(readSettings()).toEqual(DEFAULT_SETTINGS);
    expect(DEFAULT_SETTINGS.notifications).toMatchObject({
      criticalCommissionUsd: 2000,
      smsDailyLimit: 10,
      emailDailyLimit: 200,
      inAppDailyLimit: 2000,
    });
  });

  it('reads each set param, ints as numbers', () => {
    unset();
    vi.stubEnv('SMS_DAILY_LIMIT', '3');
    vi.stubEnv('CRITICAL_COMMISSION_USD', '900');
    vi.stubEnv('ALGOLIA_INDEX', 'messages_staging');
    vi.stubEnv('TWILIO_MESSAGING_SERVICE_SID', `MG${'a'.repeat(32)}`);
    const settings = readSettings();
    expect(settings.notifications.smsDailyLimit).toBe(3);
    expect(settings.notifications.criticalCommissionUsd).toBe(900);
    expect(settings.notifications.emailDailyLimit).toBe(200);
    expect(settings.algolia.indexName).toBe('messages_staging');
    expect(settings.twilio.messagingServiceSid).toBe(`MG${'a'.repeat(32)}`);
  });

  it("WEB_APP_URL is one value, without trailing slash, for the pipeline's email links and channel delivery's web push links", () => {
    unset();
    vi.stubEnv('WEB_APP_URL', 'https://shop.example//');
    const settings = readSettings();
    expect(settings.webAppUrl).toBe('https://shop.example');
    expect(settings.notifications.webAppUrl).toBe('https://shop.example');
    expect(firebaseDelivery(() => ({}) as App, undefined, settings).settings.webAppUrl()).toBe('https://shop.example');
  });

  it('in a deployed function (K_SERVICE set) an unset param fails naming it, instead of taking a local value', () => {
    unset();
    vi.stubEnv('K_SERVICE', 'deliversms');
    vi.stubEnv('FUNCTIONS_EMULATOR', undefined);
    expect(() => readSettings()).toThrowError(InvalidConfigurationError);
    expect(() => readSettings()).toThrowError(/PUBLIC_BASE_URL is not set/);
  });

  it('in a deployed function URLs must be https: a loopback PUBLIC_BASE_URL would fail every Twilio signature check', () => {
    unset();
    vi.stubEnv('K_SERVICE', 'twiliostatus');
    vi.stubEnv('FUNCTIONS_EMULATOR', undefined);
    const production = {
      PUBLIC_BASE_URL: 'https://europe-west1-craft-prod.cloudfunctions.net',
      WEB_APP_URL: 'https://shop.example',
      SENDGRID_FROM_EMAIL: 'notifications@shop.example',
    };
    for (const [name, value] of Object.entries(production)) vi.stubEnv(name, value);
    const rest = { ALGOLIA_INDEX: 'messages', CRITICAL_COMMISSION_USD: '2000', SMS_DAILY_LIMIT: '10' };
    const more = { EMAIL_DAILY_LIMIT: '50', IN_APP_DAILY_LIMIT: '500', TWILIO_FROM_NUMBER: '', EXPORTS_BUCKET: '' };
    const sids = { TWILIO_MESSAGING_SERVICE_SID: '', TWILIO_VERIFY_SERVICE_SID: '' };
    for (const [name, value] of Object.entries({ ...rest, ...more, ...sids })) vi.stubEnv(name, value);
    expect(readSettings().publicBaseUrl).toBe(production.PUBLIC_BASE_URL);
    vi.stubEnv('PUBLIC_BASE_URL', 'http://127.0.0.1:5001/demo-craft-comms/europe-west1');
    expect(() => readSettings()).toThrowError(/PUBLIC_BASE_URL must be an https:\/\/ URL/);
    vi.stubEnv('FUNCTIONS_EMULATOR', 'true');
    expect(readSettings().publicBaseUrl).toBe('http://127.0.0.1:5001/demo-craft-comms/europe-west1');
  });

  it('refuses malformed values with every problem named', () => {
    unset();
    vi.stubEnv('SMS_DAILY_LIMIT', 'ten');
    vi.stubEnv('SENDGRID_FROM_EMAIL', 'nobody');
    expect(() => readSettings()).toThrowError(
      /SENDGRID_FROM_EMAIL must be an email address.*SMS_DAILY_LIMIT must be a whole number/,
    );
  });

  it('the in-memory wiring runs on the same defaults', () => {
    expect(buildServices(memoryInfra()).notifications.settings).toEqual(DEFAULT_SETTINGS.notifications);
  });
});

describe('web push links', () => {
  it('joins app routes to the origin; without an https origin no web push link is sent (FCM would reject the message)', () => {
    expect(webLink({ deepLink: '/orders/o1' }, 'https://shop.example/')).toBe('https://shop.example/orders/o1');
    expect(webLink({ deepLink: '/orders/o1' }, '')).toBeUndefined();
    expect(webLink({ deepLink: 'https://elsewhere.example/x' }, '')).toBe('https://elsewhere.example/x');
    expect(webLink({ deepLink: 'craft://orders/o1' }, 'https://shop.example')).toBeUndefined();
  });
});
