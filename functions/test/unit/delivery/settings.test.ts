import { afterEach, describe, expect, it, vi } from 'vitest';
import type { App } from 'firebase-admin/app';
import { firebaseDelivery } from '../../../src/functions/deliveryInfra.js';
import { notificationSettingsFromParams } from '../../../src/functions/notificationSettings.js';
import { webLink } from '../../../src/domain/delivery/pushMessage.js';

afterEach(() => vi.unstubAllEnvs());

describe('WEB_APP_URL (a param, read at call time)', () => {
  it('channel delivery reads it on each call, not when the adapters are built', () => {
    const settings = firebaseDelivery(() => ({}) as App).settings;
    vi.stubEnv('WEB_APP_URL', 'https://shop.example');
    expect(settings.webAppUrl()).toBe('https://shop.example');
    vi.stubEnv('WEB_APP_URL', 'https://makers.example');
    expect(settings.webAppUrl()).toBe('https://makers.example');
  });

  it('is also the pipeline\'s web origin for email links, and leaves its default alone when unset', () => {
    vi.stubEnv('WEB_APP_URL', 'https://shop.example');
    expect(notificationSettingsFromParams()).toMatchObject({ appBaseUrl: 'https://shop.example' });
    vi.stubEnv('WEB_APP_URL', undefined);
    expect(notificationSettingsFromParams()).not.toHaveProperty('appBaseUrl');
  });

  it('joins app routes to it; without an https origin no web push link is sent (FCM would reject the message)', () => {
    expect(webLink({ deepLink: '/orders/o1' }, 'https://shop.example/')).toBe('https://shop.example/orders/o1');
    expect(webLink({ deepLink: '/orders/o1' }, '')).toBeUndefined();
    expect(webLink({ deepLink: 'https://elsewhere.example/x' }, '')).toBe('https://elsewhere.example/x');
    expect(webLink({ deepLink: 'craft://orders/o1' }, 'https://shop.example')).toBeUndefined();
  });
});
