import { describe, expect, it } from 'vitest';
import type { DocumentStore } from '../../src/ports.js';
import { paths } from '../../src/domain/paths.js';
import { TOPICS } from '../../src/domain/channels.js';
import { ProviderError } from '../../src/domain/delivery/providerError.js';
import type { DeliveryDoc } from '../../src/app/delivery/deliveryRepo.js';
import { LEASE_MS } from '../../src/app/delivery/deliveryRepo.js';
import { DeliveryBusyError } from '../../src/app/delivery/channelDelivery.js';
import { statusEvent } from '../../src/adapters/twilio/statusCallback.js';
import { NOW, device, deliveryWorld, job, queued } from '../support/delivery.js';
import { rateCounter } from '../support/rateCounters.js';
import { deliveryId } from '../../src/domain/delivery.js';

type Services = Awaited<ReturnType<typeof deliveryWorld>>['services'];
/** A Twilio status callback, read by Twilio's folder and applied by delivery policy (as the twilioStatus webhook does). */
const twilioStatus = async (services: Services, deliveryId: string, body: Parameters<typeof statusEvent>[1]) =>
  (await services.delivery.events.apply([statusEvent(deliveryId, body)])).deliveries[0];

/**
 * Channel delivery's check-and-set on deliveries/{id}, on any DocumentStore: the in-memory store in the unit tier
 * (test/unit/delivery/deliveryLedger.test.ts), Firestore in the emulator tier (test/emulator/delivery/). Providers are
 * the in-memory sandboxes either way; what differs is whose transactions decide who claims a job and which status
 * wins. `run` makes ids unique, since an emulator's data outlives one test.
 */
export function deliveryLedgerContract(name: string, makeStore: () => Promise<{ store: DocumentStore; run: string }>) {
  describe(`delivery ledger check-and-set (${name})`, () => {
    async function world() {
      const { store, run } = await makeStore();
      const uid = `u-${run}`;
      const w = await deliveryWorld({ store, uid });
      const read = async (id: string) => (await store.get(paths.delivery(id))).data as DeliveryDoc;
      return { ...w, uid, eventId: `evt-${run}`, read };
    }

    it('calls the provider once when the same job is delivered twice, sequentially or concurrently', async () => {
      const { infra, services, store, providers, uid, eventId, read } = await world();
      await device(store, uid, 'iphone');
      const j = job('push', { uid, eventId });
      await queued(store, j);
      await infra.publisher.publish(TOPICS.push, j);
      await infra.publisher.publish(TOPICS.push, j);
      await infra.publisher.drain();
      await Promise.all([services.delivery.channels.handle('push', j), services.delivery.channels.handle('push', j)]);
      expect(providers.push.sent).toHaveLength(1);
      const d = await read(j.deliveryId);
      expect(d.attempts).toBe(1);
      expect(d).toMatchObject({ status: 'sent', provider: 'fcm', errors: [] });
      expect(d.providerMessageId).toMatch(/^projects\/demo\/messages\//);
      expect(d.timestamps).toEqual({ queuedAt: new Date(NOW), sendingAt: new Date(NOW), sentAt: new Date(NOW) });
    });

    it('a job with no routing document yet (a fallback), delivered three times at once: one document, one provider call', async () => {
      const { services, providers, uid, eventId, read } = await world();
      const j = job('sms', { uid, eventId, critical: true, fallbackFrom: 'push' });
      const results = await Promise.allSettled([1, 2, 3].map(() => services.delivery.channels.handle('sms', j)));
      // The ones that met the live lease went back to Pub/Sub (not acknowledged): their redelivery finds it sent.
      const busy = results.filter((r) => r.status === 'rejected');
      for (const r of busy) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(DeliveryBusyError);
      for (const _ of busy) await services.delivery.channels.handle('sms', j);
      expect(providers.sms.sent).toHaveLength(1);
      expect(await read(j.deliveryId)).toMatchObject({
        status: 'sent',
        provider: 'twilio',
        attempts: 1,
        fallbackFrom: 'push',
        providerMessageId: providers.sms.sent[0]!.sid,
      });
    });

    it('a claim whose holder died before calling the provider: redelivered inside the lease it goes back to Pub/Sub, after it the job is sent once', async () => {
      const { infra, services, store, providers, uid, eventId, read } = await world();
      await device(store, uid, 'iphone');
      const j = job('push', { uid, eventId });
      await queued(store, j);
      expect(await services.delivery.repo.claim(j)).toMatchObject({ kind: 'claimed' }); // ... and the instance died here
      infra.clock.advance(10_000);
      await expect(services.delivery.channels.handle('push', j)).rejects.toBeInstanceOf(DeliveryBusyError);
      expect(await read(j.deliveryId)).toMatchObject({ status: 'sending' });
      infra.clock.advance(LEASE_MS);
      await services.delivery.channels.handle('push', j);
      await services.delivery.channels.handle('push', j);
      expect(providers.push.sent).toHaveLength(1);
      const d = await read(j.deliveryId);
      expect(d).toMatchObject({ status: 'sent', attempts: 1, errors: [] });
      expect(d.job).toBeUndefined(); // the job payload is kept only while the delivery is in flight
      expect(d.providerCallStartedAt).toBeUndefined();
    });

    it('a takeover after a call that may have reached Twilio: no second SMS (outcome-unknown, a critical one falls back); a callback that came settles it', async () => {
      const { infra, services, store, providers, uid, eventId, read } = await world();
      const critical = { uid, eventId, critical: true, fallback: ['email' as const] };
      const j = job('sms', critical);
      await queued(store, j);
      await services.delivery.repo.claim(j);
      await services.delivery.repo.markProviderCall(j.deliveryId); // intent written, then the instance died mid-call
      infra.clock.advance(LEASE_MS + 1);
      await services.delivery.channels.handle('sms', j);
      expect(providers.sms.sent).toHaveLength(0);
      const d = await read(j.deliveryId);
      expect(d).toMatchObject({
        status: 'failed',
        reason: 'outcome-unknown',
        attempts: 1,
        fallbackTo: 'email',
        fallbackPublished: true,
      });
      expect(d.errors).toEqual([
        expect.objectContaining({ code: 'outcome-unknown', provider: 'twilio', transient: false }),
      ]);
      expect(infra.publisher.on(TOPICS.email).map((m) => (m.data as { deliveryId: string }).deliveryId)).toEqual([
        deliveryId(eventId, uid, 'email'),
      ]);
      // Twilio had in fact accepted it: its late callback still records the truth.
      await twilioStatus(services, j.deliveryId, { MessageSid: 'SM1', MessageStatus: 'delivered' });
      expect(await read(j.deliveryId)).toMatchObject({ status: 'delivered' });

      // Same crash, but Twilio's status callback reached the ledger before the lease ran out: nothing to resend.
      const k = job('sms', { uid, eventId: `${eventId}-b` });
      await queued(store, k);
      await services.delivery.repo.claim(k);
      await services.delivery.repo.markProviderCall(k.deliveryId);
      await twilioStatus(services, k.deliveryId, { MessageSid: 'SM2', MessageStatus: 'sent' });
      infra.clock.advance(LEASE_MS + 1);
      await services.delivery.channels.handle('sms', k);
      expect(providers.sms.sent).toHaveLength(0);
      expect(await read(k.deliveryId)).toMatchObject({ status: 'sent', providerStatus: 'sent' });
    });

    it('a takeover after a push call that may have reached FCM sends again, recorded as outcome-unknown', async () => {
      const { infra, services, store, providers, uid, eventId, read } = await world();
      await device(store, uid, 'iphone');
      const j = job('push', { uid, eventId });
      await queued(store, j);
      await services.delivery.repo.claim(j);
      await services.delivery.repo.markProviderCall(j.deliveryId);
      infra.clock.advance(LEASE_MS + 1);
      await services.delivery.channels.handle('push', j);
      expect(providers.push.sent).toHaveLength(1);
      const d = await read(j.deliveryId);
      expect(d).toMatchObject({ status: 'sent', attempts: 2 });
      expect(d.errors).toEqual([
        expect.objectContaining({ code: 'outcome-unknown', provider: 'fcm', transient: true }),
      ]);
    });

    it('a fallback SMS takes one unit of the daily limit however often it is delivered', async () => {
      const { infra, services, providers, store, uid, eventId, read } = await world();
      providers.settings.resilience.breakerThreshold = 100;
      let calls = 0;
      providers.sms.fail = () =>
        ++calls <= 3 ? new ProviderError('twilio', true, '503', 'Service Unavailable') : undefined;
      const j = job('sms', { uid, eventId, critical: true, fallbackFrom: 'push' });
      // First delivery: three 503s, back to Pub/Sub; redelivered (also once more after it was sent, and once at the same time).
      await expect(services.delivery.channels.handle('sms', j)).rejects.toThrow('Service Unavailable');
      infra.clock.advance(10_000);
      await Promise.allSettled([
        services.delivery.channels.handle('sms', j),
        services.delivery.channels.handle('sms', j),
      ]);
      infra.clock.advance(LEASE_MS);
      await services.delivery.channels.handle('sms', j);
      expect(providers.sms.sent).toHaveLength(1);
      expect(await read(j.deliveryId)).toMatchObject({ status: 'sent', rateUnit: { count: 1 } });
      expect(await rateCounter(store, uid, 'sms', NOW.slice(0, 10))).toMatchObject({ count: 1 });
    });

    it('a late "sent" after "delivered" does not move the status back; each status keeps its first time', async () => {
      const { infra, services, store, providers, uid, eventId, read } = await world();
      const j = job('sms', { uid, eventId });
      await queued(store, j);
      await services.delivery.channels.handle('sms', j);
      const sid = providers.sms.sent[0]!.sid;
      const sentAt = infra.clock.now();
      infra.clock.advance(5_000);
      const deliveredAt = infra.clock.now();
      expect(
        await twilioStatus(services, j.deliveryId, {
          MessageSid: sid,
          MessageStatus: 'delivered',
          Price: '-0.00790',
          PriceUnit: 'USD',
        }),
      ).toBe('updated');
      infra.clock.advance(5_000);
      // out of order: Twilio's earlier statuses arrive after delivered, and delivered comes again
      for (const status of ['sent', 'queued', 'delivered']) {
        await twilioStatus(services, j.deliveryId, {
          MessageSid: sid,
          MessageStatus: status,
          Price: '-0.00790',
          PriceUnit: 'USD',
        });
        expect((await read(j.deliveryId)).status).toBe('delivered');
      }
      const d = await read(j.deliveryId);
      expect(d).toMatchObject({ status: 'delivered', price: 0.0079, priceUnit: 'USD' });
      expect(d.timestamps).toMatchObject({ sentAt, deliveredAt });
      expect((await store.get(`${paths.user(uid)}/deliveryCosts/${NOW.slice(0, 10)}`)).data).toMatchObject({
        sms: { count: 1, cost: 0.0079 },
      });
    });

    it('concurrent out-of-order callbacks end at the furthest status, with the price counted once', async () => {
      const { services, store, providers, uid, eventId, read } = await world();
      const j = job('sms', { uid, eventId });
      await queued(store, j);
      await services.delivery.channels.handle('sms', j);
      const sid = providers.sms.sent[0]!.sid;
      const callback = (MessageStatus: string) =>
        twilioStatus(services, j.deliveryId, { MessageSid: sid, MessageStatus, Price: '-0.00790', PriceUnit: 'USD' });
      await Promise.all(['delivered', 'sent', 'queued', 'delivered', 'sent'].map(callback));
      expect(await read(j.deliveryId)).toMatchObject({ status: 'delivered', price: 0.0079 });
      expect((await store.get(`${paths.user(uid)}/deliveryCosts/${NOW.slice(0, 10)}`)).data).toMatchObject({
        sms: { count: 1, cost: 0.0079 },
      });
    });
  });
}
