import type { Settings } from '../../src/config.js';
import { readSettings } from '../../src/config.js';
import type { DeliveryJob } from '../../src/domain/delivery.js';
import { deliveryId } from '../../src/domain/delivery.js';
import type { ProviderChannel } from '../../src/domain/channels.js';
import { paths } from '../../src/domain/paths.js';
import { deliveryDoc } from '../../src/app/notifications/jobs.js';
import type { DocumentStore } from '../../src/ports.js';
import { seedDevice, testWorld } from './world.js';

export const NOW = '2026-11-21T12:00:00.000Z';

/** The delivery tests' recipient: every contact point verified, in New York (quiet hours and local days are hers). */
export const MAYA = {
  uid: 'u1',
  displayName: 'Maya',
  email: 'maya@studio.example',
  emailVerified: true,
  phone: '+12125550101',
  phoneVerified: true,
  timeZone: 'America/New_York',
};

/**
 * The test world (test/support/world.ts) at NOW with the Pub/Sub bus connected, and Maya (`u1` unless named).
 * `store` swaps in another DocumentStore (the Firestore emulator in the emulator tier). `settings` defaults to the
 * params as the cloud reads them (config.ts defaults where the environment sets none), so a test can stub a param
 * (`vi.stubEnv('SMS_DAILY_LIMIT', '2')`) and see it reach every feature.
 */
export async function deliveryWorld(options: { store?: DocumentStore; uid?: string; settings?: Settings } = {}) {
  const world = await testWorld({
    now: NOW,
    settings: options.settings ?? readSettings(),
    store: options.store,
    bus: true,
    users: [{ ...MAYA, uid: options.uid ?? MAYA.uid }],
  });
  return { ...world, providers: world.infra.delivery };
}

export function job(channel: ProviderChannel, overrides: Partial<DeliveryJob> = {}): DeliveryJob {
  const eventId = overrides.eventId ?? 'evt1';
  const uid = overrides.uid ?? 'u1';
  return {
    deliveryId: deliveryId(eventId, uid, channel),
    eventId,
    uid,
    channel,
    type: 'order.shipped',
    category: 'commerce',
    priority: 'high',
    critical: false,
    notificationId: 'n1',
    groupKey: 'order:o1',
    locale: 'en',
    content: {
      push: { title: 'Your order shipped', body: 'Walnut bowl is on its way' },
      sms: { body: 'Craft: your Walnut bowl shipped. Reply STOP to opt out.' },
      email: {
        subject: 'Your order shipped',
        html: '<p>Walnut bowl is on its way</p>',
        text: 'Walnut bowl is on its way',
      },
    },
    data: { deepLink: '/orders/o1', orderId: 'o1' },
    fallback: [],
    createdAt: NOW,
    ...overrides,
  };
}

/** Seeds the pipeline's side: the queued delivery document it writes before publishing (written by the pipeline's own code). */
export async function queued(store: DocumentStore, j: DeliveryJob, now = new Date(NOW)) {
  const { deliveryId: id, eventId, uid, channel, type, category, priority, critical, notificationId, groupKey } = j;
  await store.create(
    paths.delivery(id),
    deliveryDoc(
      { deliveryId: id, eventId, uid, channel, type, category, priority, critical, notificationId, groupKey },
      'queued',
      now,
    ),
  );
}

/** A device registered at NOW; returns its token. */
export function device(store: DocumentStore, uid: string, deviceId: string, platform = 'ios') {
  return seedDevice(store, uid, deviceId, new Date(NOW), { platform });
}
