import { describe, expect, it } from 'vitest';
import { TOPICS } from '../../../src/domain/channels.js';
import { LOCALES } from '../../../src/domain/notifications/templates.js';
import { NOW } from '../../support/delivery.js';
import { testWorld } from '../../support/world.js';

/**
 * Issue 15: push texts follow the reader's profile locale, end to end: an event through the pipeline, its push job
 * through channel delivery, the FCM message as it leaves. Three readers of one kind of event, three languages.
 */
describe('push texts in the reader’s language', () => {
  it('German (de-AT), Arabic and English readers of the same event get their own push text', async () => {
    const readers = [
      { uid: 'de1', locale: 'de-AT' },
      { uid: 'ar1', locale: 'ar' },
      { uid: 'en1', locale: 'en' },
      { uid: 'xx1', locale: 'fr' }, // not translated: English
    ];
    const w = await testWorld({ now: NOW, users: readers, bus: [TOPICS.domainEvents, TOPICS.fanout, TOPICS.push] });
    for (const { uid } of readers) {
      await w.addDevice(uid, `${uid}-phone`);
      await w.services.notifications.pipeline.submit(
        {
          type: 'order.shipped',
          idempotencyKey: `ship-${uid}`,
          occurredAt: NOW,
          payload: {
            orderId: `o-${uid}`,
            itemTitle: 'Walnut bowl',
            buyerId: uid,
            carrier: 'DHL',
            trackingNumber: 'T1',
          },
        },
        'callable',
        `attempt-${uid}`,
      );
    }
    await w.publisher.drain();
    const byToken = (uid: string) =>
      w.infra.delivery.push.sent.find((m) => m.token.includes(`${uid}-phone`))?.notification;
    expect(w.infra.delivery.push.sent).toHaveLength(4);
    expect(byToken('de1')).toEqual({ title: 'Walnut bowl ist unterwegs', body: 'Versand mit DHL, Sendungsnummer T1.' });
    const ar = LOCALES.ar.types['order.shipped'].title.replace('{itemTitle}', 'Walnut bowl');
    expect(byToken('ar1')?.title).toBe(ar);
    expect(byToken('en1')?.title).toBe(LOCALES.en.types['order.shipped'].title.replace('{itemTitle}', 'Walnut bowl'));
    expect(byToken('xx1')).toEqual(byToken('en1'));
  });
});
