import { getFirestore } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import { FirestoreDocumentStore } from '../../../src/adapters/firestore/firestoreDocumentStore.js';
import { adminApp } from '../../../src/composition/cloud.js';
import { deliveryId } from '../../../src/domain/delivery.js';
import { paths } from '../../../src/domain/paths.js';
import { eventually, outbox, useTriggerChains } from '../../support/fakes/emulatorChain.js';

/**
 * End to end through the Firestore, Functions and Pub/Sub emulators with the sandbox providers: a backend writes
 * events/{eventId}, the deployed onNotificationEventCreated trigger routes it, the in-app notification and the unread
 * counter appear, and the deliver-push/sms/email consumers, fed over the Pub/Sub emulator, send through firebase-admin,
 * twilio and @sendgrid/mail into the sandbox, where the calls are captured; deliveries/{id} records what happened. A
 * bad event document is marked rejected, naming the field. (`npm run test:emulators`.)
 */
const store = new FirestoreDocumentStore(() => getFirestore(adminApp()));
const run = `${process.pid}${Date.now().toString(36)}`;
const CHAIN_MS = 150_000;

async function seedUser(uid: string, options: { device?: string; phone?: string } = {}) {
  await store.set(paths.user(uid), {
    displayName: uid,
    timeZone: 'UTC',
    locale: 'en',
    email: `${uid}@studio.example`,
    emailVerified: true,
    ...(options.phone ? { phone: options.phone, phoneVerified: true } : {}),
  });
  // No quiet hours: whatever time the suite runs, everything may leave at once.
  await store.set(paths.preferences(uid), { quietHours: { enabled: false } });
  if (options.device) {
    const now = new Date();
    await store.set(paths.device(uid, 'phone'), {
      deviceId: 'phone',
      token: options.device,
      platform: 'ios',
      appVersion: '1.0.0',
      locale: 'en',
      lastSeenAt: now,
      createdAt: now,
    });
  }
}

describe('events/ → notifications → deliver-push/sms/email → sandbox providers (emulators)', () => {
  useTriggerChains();

  it(
    'an outbid event: in-app notification and unread count, then push, SMS and email captured by the sandbox and recorded as sent',
    async () => {
      const bidder = `bidder-${run}`;
      const seller = `seller-${run}`;
      const token = `sandbox-token-${bidder}`;
      const phone = `+1415555${String(Date.now()).slice(-4)}`;
      await seedUser(bidder, { device: token, phone });
      await seedUser(seller);
      const eventId = `e2e-${run}`;
      await store.set(paths.event(eventId), {
        type: 'auction.bid_placed',
        idempotencyKey: `bid-${run}`,
        occurredAt: new Date(),
        payload: {
          auctionId: 'a1',
          auctionTitle: 'Walnut bowl',
          sellerId: seller,
          bidderId: 'b2',
          bidderName: 'Ana',
          amount: 120,
          currency: 'USD',
          previousBidderId: bidder,
        },
      });

      const processed = await eventually(
        'the event processed',
        async () => (await store.get(paths.event(eventId))).data,
        (d) => d?.status === 'processed',
        CHAIN_MS,
      );
      expect(processed!.directRecipients).toBe(2);
      const notifications = await store.query(paths.notifications(bidder));
      expect(notifications.map((n) => n.data?.type)).toEqual(['auction.outbid']);
      expect((await store.get(paths.counter(bidder, 'notifications'))).data?.unread).toBe(1);

      const pushId = deliveryId(eventId, bidder, 'push');
      const [push] = await eventually(
        'the push in the sandbox FCM',
        () => outbox('push', { deliveryId: pushId }),
        (c) => c.length === 1,
        CHAIN_MS,
      );
      expect(push).toMatchObject({ to: token, status: 200 });
      const fcm = (
        push!.request as {
          message: { notification: { title: string; body: string }; data: Record<string, string>; apns: unknown };
        }
      ).message;
      expect(fcm.notification.body).toContain('Walnut bowl');
      expect(fcm.data).toMatchObject({ type: 'auction.outbid', auctionId: 'a1', deliveryId: pushId });

      const smsId = deliveryId(eventId, bidder, 'sms');
      const [sms] = await eventually(
        'the SMS in the sandbox Twilio',
        () => outbox('sms', { deliveryId: smsId }),
        (c) => c.length === 1,
        CHAIN_MS,
      );
      const form = sms!.request as Record<string, string>;
      expect(sms).toMatchObject({ to: phone, status: 201 });
      expect(form.Body).toContain('Walnut bowl');
      expect(form.MessagingServiceSid).toMatch(/^MG/);
      expect(form.StatusCallback).toMatch(new RegExp(`/twilioStatus\\?deliveryId=${smsId}$`));

      const emailId = deliveryId(eventId, bidder, 'email');
      const [email] = await eventually(
        'the email in the sandbox SendGrid',
        () => outbox('email', { deliveryId: emailId }),
        (c) => c.length === 1,
        CHAIN_MS,
      );
      const mail = email!.request as {
        subject: string;
        from: { email: string };
        headers: Record<string, string>;
        content: Array<{ type: string; value: string }>;
      };
      expect(email).toMatchObject({ to: `${bidder}@studio.example`, status: 202 });
      expect(mail.from.email).toBe('notifications@craft.example');
      expect(mail.headers['List-Unsubscribe']).toMatch(/\/unsubscribe\?token=/);
      expect(mail.content.find((c) => c.type === 'text/html')?.value).toContain('Walnut bowl');

      // deliveries/{id}: each sent, by its provider, with the id the sandbox answered.
      const expectations: Array<[string, string, string]> = [
        [pushId, 'fcm', (push!.response as { name: string }).name],
        [smsId, 'twilio', (sms!.response as { sid: string }).sid],
        [emailId, 'sendgrid', expect.stringMatching(/^sgmsg-/) as unknown as string],
      ];
      for (const [id, provider, providerMessageId] of expectations) {
        const record = await eventually(
          `delivery ${id} sent`,
          () => store.get(paths.delivery(id)),
          (s) => ['sent', 'delivered'].includes(String(s.data?.status)),
        );
        expect(record.data).toMatchObject({
          provider,
          providerMessageId,
          critical: true,
          notificationId: `${eventId}_auction.outbid`,
          attempts: 1,
        });
      }
      // The sandbox Twilio calls the SMS's status callback (signed) like Twilio: the twilioStatus webhook records delivery.
      const delivered = await eventually(
        'the SMS delivered (status callback)',
        () => store.get(paths.delivery(smsId)),
        (s) => s.data?.status === 'delivered',
        CHAIN_MS,
      );
      expect((delivered.data?.timestamps as Record<string, unknown>).deliveredAt).toBeInstanceOf(Date);
      // The seller (bid placed: push and in-app only by default) has no device: the push fails, nothing else is sent.
      const sellerPush = await eventually(
        "the seller's push failed",
        () => store.get(paths.delivery(deliveryId(eventId, seller, 'push'))),
        (s) => s.data?.status === 'failed',
      );
      expect(sellerPush.data).toMatchObject({ critical: false });
      expect(await outbox('email', { to: `${seller}@studio.example` })).toEqual([]);
    },
    CHAIN_MS * 2,
  );

  it(
    'a critical alert that push cannot deliver falls back to SMS through the sandbox Twilio',
    async () => {
      const buyer = `buyer-fb-${run}`;
      const phone = `+1415556${String(Date.now()).slice(-4)}`;
      await seedUser(buyer, { phone }); // no device
      const eventId = `e2e-fallback-${run}`;
      await store.set(paths.event(eventId), {
        type: 'order.payment_failed',
        idempotencyKey: `pf-${run}`,
        occurredAt: new Date(),
        payload: { orderId: 'o7', itemTitle: 'Linen runner', buyerId: buyer, amount: 40, currency: 'USD' },
      });
      const smsId = deliveryId(eventId, buyer, 'sms');
      const [sms] = await eventually(
        'the fallback SMS in the sandbox Twilio',
        () => outbox('sms', { deliveryId: smsId }),
        (c) => c.length === 1,
        CHAIN_MS,
      );
      expect(sms).toMatchObject({ to: phone, status: 201 });
      expect((sms!.request as Record<string, string>).Body).toContain('Linen runner');
      const push = await eventually(
        'the push failed with a fallback',
        () => store.get(paths.delivery(deliveryId(eventId, buyer, 'push'))),
        (s) => s.data?.status === 'failed',
      );
      expect(push.data).toMatchObject({ fallbackTo: 'sms' });
      const sent = await eventually(
        'the SMS delivery sent',
        () => store.get(paths.delivery(smsId)),
        (s) => ['sent', 'delivered'].includes(String(s.data?.status)),
      );
      expect(sent.data).toMatchObject({
        provider: 'twilio',
        fallbackFrom: 'push',
        providerMessageId: (sms!.response as { sid: string }).sid,
      });
    },
    CHAIN_MS * 2,
  );

  it(
    'a bad event document is rejected with the field named, and nothing else is written',
    async () => {
      const eventId = `bad-${run}`;
      const buyer = `buyer-${run}`;
      await store.set(paths.event(eventId), {
        type: 'order.shipped',
        idempotencyKey: `bad-${run}`,
        occurredAt: new Date(),
        payload: { orderId: 'o1', itemTitle: 'Vase', buyerId: buyer, carrier: 'DHL' },
      });
      const rejected = await eventually(
        'the event rejected',
        async () => (await store.get(paths.event(eventId))).data,
        (d) => d?.status === 'rejected',
        CHAIN_MS,
      );
      expect(String(rejected!.error)).toMatch(/^payload\.trackingNumber:/);
      expect(await store.query(paths.notifications(buyer))).toEqual([]);
      expect(await store.query(paths.deliveries(), { where: [['eventId', '==', eventId]] })).toEqual([]);
    },
    CHAIN_MS,
  );
});
