import { describe, expect, it } from 'vitest';
import type { DocumentStore } from '../../src/ports.js';
import { paths } from '../../src/domain/paths.js';
import { TOPICS } from '../../src/domain/channels.js';
import type { DeliveryDoc } from '../../src/app/delivery/deliveryRepo.js';
import { NOW, device, deliveryWorld, job, queued } from '../support/delivery.js';

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
      await Promise.all([1, 2, 3].map(() => services.delivery.channels.handle('sms', j)));
      expect(providers.sms.sent).toHaveLength(1);
      expect(await read(j.deliveryId)).toMatchObject({ status: 'sent', provider: 'twilio', attempts: 1, fallbackFrom: 'push', providerMessageId: providers.sms.sent[0]!.sid });
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
      expect(await services.delivery.events.twilioStatus(j.deliveryId, { MessageSid: sid, MessageStatus: 'delivered', Price: '-0.00790', PriceUnit: 'USD' })).toBe('updated');
      infra.clock.advance(5_000);
      // out of order: Twilio's earlier statuses arrive after delivered, and delivered comes again
      for (const status of ['sent', 'queued', 'delivered']) {
        await services.delivery.events.twilioStatus(j.deliveryId, { MessageSid: sid, MessageStatus: status, Price: '-0.00790', PriceUnit: 'USD' });
        expect((await read(j.deliveryId)).status).toBe('delivered');
      }
      const d = await read(j.deliveryId);
      expect(d).toMatchObject({ status: 'delivered', price: 0.0079, priceUnit: 'USD' });
      expect(d.timestamps).toMatchObject({ sentAt, deliveredAt });
      expect((await store.get(`${paths.user(uid)}/deliveryCosts/${NOW.slice(0, 10)}`)).data).toMatchObject({ sms: { count: 1, cost: 0.0079 } });
    });

    it('concurrent out-of-order callbacks end at the furthest status, with the price counted once', async () => {
      const { services, store, providers, uid, eventId, read } = await world();
      const j = job('sms', { uid, eventId });
      await queued(store, j);
      await services.delivery.channels.handle('sms', j);
      const sid = providers.sms.sent[0]!.sid;
      const callback = (MessageStatus: string) =>
        services.delivery.events.twilioStatus(j.deliveryId, { MessageSid: sid, MessageStatus, Price: '-0.00790', PriceUnit: 'USD' });
      await Promise.all(['delivered', 'sent', 'queued', 'delivered', 'sent'].map(callback));
      expect(await read(j.deliveryId)).toMatchObject({ status: 'delivered', price: 0.0079 });
      expect((await store.get(`${paths.user(uid)}/deliveryCosts/${NOW.slice(0, 10)}`)).data).toMatchObject({ sms: { count: 1, cost: 0.0079 } });
    });
  });
}
