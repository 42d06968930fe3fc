import { describe, expect, it } from 'vitest';
import { MemoryPublisher } from '../../../src/adapters/memory/memoryPublisher.js';
import type { DeliveryDoc } from '../../../src/app/delivery/deliveryRepo.js';
import { publishJobs } from '../../../src/app/notifications/jobs.js';
import { TOPICS } from '../../../src/domain/channels.js';
import type { ProviderChannel } from '../../../src/domain/channels.js';
import type { DeliveryJob } from '../../../src/domain/delivery.js';
import { deliveryId } from '../../../src/domain/delivery.js';
import {
  deliveryMessage,
  jobsInMessage,
  readDeliveryMessage,
  splitIntoMessages,
} from '../../../src/domain/delivery/batch.js';
import { planRecipient } from '../../../src/domain/notifications/recipientPlan.js';
import type { PlannedNotification } from '../../../src/domain/notifications/plans.js';
import { paths } from '../../../src/domain/paths.js';
import { seedUser } from '../../support/world.js';
import { NOW, deliveryWorld, device, job, queued } from '../../support/delivery.js';

/**
 * The compact batch (issue 14): `{ shared, jobs }`, the fields every job of a message has written once. Consumers read
 * each entry as `{ ...shared, ...entry }`, so what they get is exactly what was published.
 */

const workshop: PlannedNotification = {
  type: 'community.event',
  category: 'community',
  priority: 'medium',
  critical: false,
  vars: { eventTitle: 'Raku night', location: 'Kai Studio, Portland', kind: 'workshop' },
  data: { eventRef: 'w1', link: '/events/w1' },
  groupKey: 'community.event:w1',
};

/**
 * A fan-out chunk as the pipeline plans it: 250 followers, a push and an email each (500 jobs), in two locales, and
 * one follower (f0007) inside a burst, so their notification id (in `notificationId` and `data`) and count differ.
 */
function fanoutJobs(): DeliveryJob[] {
  return Array.from({ length: 250 }, (_, i) => {
    const uid = `f${String(i).padStart(4, '0')}`;
    return planRecipient({
      eventId: 'evtW',
      uid,
      locale: i % 3 === 0 ? 'de' : 'en',
      notification: workshop,
      decisions: [
        { channel: 'push', action: 'send' },
        { channel: 'email', action: 'send' },
      ],
      inAppAllowed: false,
      contact: { emailVerified: true, phoneVerified: false },
      burst: i === 7 ? { notificationId: 'evtV_community.event', count: 1, windowEndsAt: new Date(NOW) } : undefined,
      webAppUrl: 'https://craft.example',
      now: new Date(NOW),
    }).jobs;
  }).flat();
}

const bytes = (data: unknown) => Buffer.byteLength(JSON.stringify(data));
const ofChannel = (jobs: readonly DeliveryJob[], channel: ProviderChannel) => jobs.filter((j) => j.channel === channel);

describe('publishJobs: compact batches', () => {
  it('a fan-out chunk: what every job shares is written once, and reading the messages gives back exactly the jobs', async () => {
    const jobs = fanoutJobs();
    expect(jobs).toHaveLength(500);
    const publisher = new MemoryPublisher();
    await publishJobs(publisher, jobs);

    expect(publisher.published.map((m) => m.topic)).toEqual([TOPICS.push, TOPICS.email]);
    for (const [i, channel] of (['push', 'email'] as const).entries()) {
      const data = publisher.published[i]!.data as { shared: Record<string, unknown>; jobs: Record<string, unknown>[] };
      expect(Object.keys(data.shared).sort()).toEqual(
        ['category', 'channel', 'createdAt', 'critical', 'eventId', 'fallback', 'groupKey', 'priority', 'type'].sort(),
      );
      // What differs (the recipient, the locale, the burst follower's notification) stays with each job.
      expect(Object.keys(data.jobs[0]!).sort()).toEqual(
        ['content', 'data', 'deliveryId', 'locale', 'notificationId', 'uid'].sort(),
      );
      expect(data.jobs[7]).toMatchObject({
        notificationId: 'evtV_community.event',
        data: expect.objectContaining({ notificationId: 'evtV_community.event' }),
      });
      // Deep-equal, in order, after the wire's JSON round trip; and as channel delivery reads it, entry by entry.
      expect(jobsInMessage(data)).toEqual(ofChannel(jobs, channel));
      const read = readDeliveryMessage(data);
      expect(read).toMatchObject({ ok: true, format: 'batch' });
      expect(read.ok && read.entries).toEqual(ofChannel(jobs, channel));
    }
  });

  it('the fan-out chunk takes far fewer bytes than as { jobs }', () => {
    const jobs = fanoutJobs();
    let before = 0;
    let after = 0;
    for (const channel of ['push', 'email'] as const) {
      for (const message of splitIntoMessages(ofChannel(jobs, channel))) {
        const full = bytes({ jobs: message });
        const compact = bytes(deliveryMessage(message));
        // Each message on its own too: the split measured whole jobs, a bound the compact message stays under.
        expect(compact).toBeLessThan(full);
        before += full;
        after += compact;
      }
    }
    // 286,098 bytes as { jobs }, 184,279 compact (-36%) when this test was written; without the burst follower, whose
    // own notification id keeps `data` and `notificationId` with every job, -62%.
    expect(after).toBeLessThan(0.7 * before);
  });

  it('a field that differs in one job stays with every job; equal records and lists are shared though not the same object', () => {
    const jobs = ['a', 'b', 'c', 'd'].map((uid) => job('push', { uid, data: { deepLink: '/orders/o1' } }));
    jobs[2] = { ...jobs[2]!, priority: 'low', fallback: ['email'], fallbackFrom: 'sms' };
    jobs[3] = { ...jobs[3]!, data: { deepLink: '/orders/o2' } };
    const message = deliveryMessage(jobs) as { shared: Partial<DeliveryJob>; jobs: Partial<DeliveryJob>[] };

    expect(message.shared).toMatchObject({ eventId: 'evt1', type: 'order.shipped', locale: 'en', critical: false });
    for (const field of ['priority', 'fallback', 'data', 'deliveryId', 'uid', 'content'] as const) {
      expect(message.shared, field).not.toHaveProperty(field);
      for (const entry of message.jobs) expect(entry, field).toHaveProperty(field);
    }
    // A field only a later job has stays with it.
    expect(message.shared).not.toHaveProperty('fallbackFrom');
    expect(message.jobs.map((entry) => entry.fallbackFrom)).toEqual([undefined, undefined, 'sms', undefined]);
    expect(jobsInMessage(JSON.parse(JSON.stringify(message)))).toEqual(jobs);

    // Equal element by element (each recipient's jobs have their own copies): shared.
    const alike = ['a', 'b'].map((uid) => job('push', { uid, data: { x: '1', y: '2' }, fallback: ['sms', 'email'] }));
    alike[1]!.data = { y: '2', x: '1' };
    expect(deliveryMessage(alike)).toMatchObject({ shared: { data: { x: '1', y: '2' }, fallback: ['sms', 'email'] } });
    // Same number of keys, one different.
    alike[1]!.data = { x: '1', z: '2' };
    expect((deliveryMessage(alike) as { shared: object }).shared).not.toHaveProperty('data');
    // content: shared only when it is the very same object.
    const content = alike[0]!.content;
    expect((deliveryMessage(alike) as { shared: object }).shared).not.toHaveProperty('content');
    expect(deliveryMessage(alike.map((j) => ({ ...j, content })))).toMatchObject({ shared: { content } });
  });

  it('any mix of equal and differing fields reads back exactly, never more than `"shared":{},` over { jobs }', () => {
    let seed = 11;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const pick = <T>(...values: T[]): T => values[Math.floor(random() * values.length)]!;
    for (let round = 0; round < 300; round++) {
      // Per round, each field either the same for every job or drawn per job.
      const varies = Object.fromEntries(
        ['eventId', 'type', 'locale', 'priority', 'data', 'fallback', 'fallbackFrom'].map((f) => [f, random() < 0.3]),
      );
      const jobs = Array.from({ length: 2 + Math.floor(random() * 12) }, (_, i) => {
        const j = job('email', {
          uid: `r${i}`,
          eventId: varies.eventId ? pick('e1', 'e2') : 'e1',
          type: varies.type ? pick('order.shipped', 'order.delivered') : 'order.shipped',
          locale: varies.locale ? pick('en', 'de', 'pt-BR') : 'en',
          priority: varies.priority ? pick('high', 'low') : 'high',
          data: varies.data
            ? pick<Record<string, string>>({ a: '1' }, { a: '2' }, { a: '1', b: '' }, { b: '', a: '1' })
            : { a: '1', b: '' },
          fallback: varies.fallback ? pick([], ['sms'], ['push', 'sms']) : ['sms'],
        });
        return varies.fallbackFrom && random() < 0.5
          ? { ...j, fallbackFrom: pick('push', 'sms') as ProviderChannel }
          : j;
      });
      const message = deliveryMessage(jobs);
      expect(jobsInMessage(JSON.parse(JSON.stringify(message)))).toEqual(jobs);
      expect(bytes(message)).toBeLessThanOrEqual(bytes({ jobs }) + '"shared":{},'.length);
    }
  });

  it('a lone job stays bare; jobs with nothing in common stay { jobs }', () => {
    const one = job('push');
    expect(deliveryMessage([one])).toBe(one);
    const other: DeliveryJob = {
      ...job('sms', { uid: 'u2', eventId: 'evt2' }),
      type: 'auction.outbid',
      category: 'social',
      priority: 'low',
      critical: true,
      notificationId: 'n2',
      groupKey: 'auction:a1',
      locale: 'de',
      content: { sms: { body: 'Überboten' } },
      data: { auctionId: 'a1' },
      fallback: ['email'],
      createdAt: '2026-11-21T12:01:00.000Z',
    };
    const jobs = [one, other];
    expect(deliveryMessage(jobs)).toEqual({ jobs });
    // All three formats read back to the jobs.
    expect(jobsInMessage(JSON.parse(JSON.stringify(one)))).toEqual([one]);
    expect(jobsInMessage(JSON.parse(JSON.stringify({ jobs })))).toEqual(jobs);
  });

  it("a job's own field wins over shared; a message whose shared is not an object is refused, naming it", () => {
    const own = job('push', { locale: 'de' });
    expect(jobsInMessage({ shared: { locale: 'en', type: 'x.y' }, jobs: [own] })).toEqual([own]);

    for (const shared of ['evt1', ['evt1'], null, 3]) {
      const read = readDeliveryMessage({ shared, jobs: [own, own] });
      expect(read.ok, JSON.stringify(shared)).toBe(false);
      expect(!read.ok && read.reason).toMatch(/^message\.shared: /);
    }
    expect(() => jobsInMessage({ shared: 'evt1', jobs: [own] })).toThrow(/message\.shared/);
  });
});

const doc = async (store: { get(p: string): Promise<{ data: unknown }> }, id: string) =>
  (await store.get(paths.delivery(id))).data as DeliveryDoc;

async function compactWorld(uids: readonly string[]) {
  const world = await deliveryWorld();
  for (const [i, uid] of uids.entries()) {
    await seedUser(world.store, { uid, email: `${uid}@studio.example`, emailVerified: true });
    await device(world.store, uid, `phone${i}`);
  }
  const jobs = uids.map((uid) => job('push', { uid, eventId: 'evtC' }));
  for (const j of jobs) await queued(world.store, j);
  return { ...world, jobs };
}

describe('channel delivery of a compact batch', () => {
  it('every job of a compact message published over the bus is sent and recorded as itself', async () => {
    const { infra, store, providers, jobs } = await compactWorld(['c1', 'c2', 'c3']);
    await publishJobs(infra.publisher, jobs);
    expect(infra.publisher.published[0]!.data).toHaveProperty('shared');
    await infra.publisher.drain();
    expect(providers.push.sent.map((m) => m.data.deliveryId).sort()).toEqual(jobs.map((j) => j.deliveryId).sort());
    for (const j of jobs) {
      expect(await doc(store, j.deliveryId)).toMatchObject({ status: 'sent', eventId: 'evtC', uid: j.uid });
    }
  });

  it('a bad shared costs the message: logged with the field, and each delivery it names recorded failed', async () => {
    const { services, store, providers, jobs, infra } = await compactWorld(['c1', 'c2', 'c3']);
    const message = deliveryMessage(jobs) as { shared: Partial<DeliveryJob>; jobs: Partial<DeliveryJob>[] };

    // An entry naming no delivery, or a path instead of an id, is only logged: it must not make the handler throw
    // (Pub/Sub would redeliver a message that can never succeed).
    const entries = [...message.jobs, { deliveryId: 'deliveries/x' }, { deliveryId: 3 }];
    await services.delivery.channels.handle('push', { shared: 'evtC', jobs: entries });
    expect(providers.push.sent).toEqual([]);
    expect(infra.logger.lines.filter((e) => e.severity === 'ERROR')).toEqual([
      expect.objectContaining({
        message: 'unparseable delivery message dropped',
        reason: expect.stringMatching(/^message\.shared: /),
      }),
    ]);
    for (const j of jobs) {
      expect(await doc(store, j.deliveryId), j.deliveryId).toMatchObject({
        status: 'failed',
        reason: 'invalid-job',
        errors: [expect.objectContaining({ message: expect.stringMatching(/^message\.shared: /) })],
      });
    }
    expect((await store.get('deliveries/x')).exists).toBe(false);
    // Recorded once: the same message again (a redelivery) leaves one error per delivery.
    await services.delivery.channels.handle('push', { shared: 'evtC', jobs: entries });
    for (const j of jobs) expect((await doc(store, j.deliveryId)).errors, j.deliveryId).toHaveLength(1);
  });

  it('a bad job naming a path instead of a delivery id is logged and acknowledged, never used as a path', async () => {
    const { services, store, infra } = await compactWorld(['c1']);
    await expect(services.delivery.channels.handle('push', { deliveryId: 'x/y', channel: 'push' })).resolves.toBe(
      undefined,
    );
    expect(infra.logger.lines).toContainEqual(expect.objectContaining({ message: 'unparseable delivery job dropped' }));
    expect((await store.get('deliveries/x')).exists).toBe(false);
  });

  it('a bad entry costs only itself', async () => {
    const { services, store, providers, jobs, infra } = await compactWorld(['c1', 'c2', 'c3']);
    const message = deliveryMessage(jobs) as { shared: Partial<DeliveryJob>; jobs: Partial<DeliveryJob>[] };

    const broken = { ...message.jobs[1], uid: '' };
    await services.delivery.channels.handle('push', {
      shared: message.shared,
      jobs: [message.jobs[0], broken, message.jobs[2], 'not a job'],
    });
    expect(providers.push.sent.map((m) => m.data.deliveryId)).toEqual([jobs[0]!.deliveryId, jobs[2]!.deliveryId]);
    expect(await doc(store, deliveryId('evtC', 'c2', 'push'))).toMatchObject({
      status: 'failed',
      reason: 'invalid-job',
      errors: [expect.objectContaining({ message: expect.stringContaining('jobs[1].uid') })],
    });
    expect(infra.logger.lines.filter((e) => e.message === 'unparseable delivery job dropped')).toEqual([
      expect.objectContaining({ deliveryId: jobs[1]!.deliveryId }),
      expect.objectContaining({ reason: expect.stringMatching(/^jobs\[3\]: /) }),
    ]);
  });
});
