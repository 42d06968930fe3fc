import { describe, expect, it, vi } from 'vitest';
import { paths } from '../../../src/domain/paths.js';
import type { DeliveryDoc } from '../../../src/app/delivery/deliveryRepo.js';
import { DeliveryBatchRetryError } from '../../../src/app/delivery/channelDelivery.js';
import { publishJobs } from '../../../src/app/notifications/jobs.js';
import { TOPICS } from '../../../src/domain/channels.js';
import type { DeliveryJob } from '../../../src/domain/delivery.js';
import { jobsInMessage, jsonBytesAtMost, splitIntoMessages } from '../../../src/domain/delivery/batch.js';
import { ProviderError } from '../../../src/domain/delivery/providerError.js';
import { MemoryPublisher } from '../../../src/adapters/memory/memoryPublisher.js';
import { seedUser } from '../../support/world.js';
import { device, deliveryWorld, job, queued } from '../../support/delivery.js';
import { deliveryId } from '../../../src/domain/delivery.js';

/**
 * Batch messages on deliver-push|sms|email (issue 14): one message per channel per publish, each job of a batch run
 * as a lone job would be, retried alone, recorded alone.
 */

const doc = async (store: { get(p: string): Promise<{ data: unknown }> }, id: string) =>
  (await store.get(paths.delivery(id))).data as DeliveryDoc;

const USERS = ['b1', 'b2', 'b3'];

async function batchWorld() {
  const world = await deliveryWorld();
  for (const [i, uid] of USERS.entries()) {
    await seedUser(world.store, {
      uid,
      email: `${uid}@studio.example`,
      emailVerified: true,
      phone: `+1212555020${i}`,
      phoneVerified: true,
    });
  }
  const jobsFor = async (channel: 'push' | 'sms' | 'email', eventId = 'evtB') => {
    const jobs = USERS.map((uid) => job(channel, { uid, eventId }));
    for (const j of jobs) await queued(world.store, j);
    return jobs;
  };
  return { ...world, jobsFor };
}

describe('publishJobs', () => {
  it('publishes one message per channel: a lone job bare, several in one message, with attributes to follow the event', async () => {
    const publisher = new MemoryPublisher();
    const jobs = [
      ...USERS.map((uid) => job('push', { uid, eventId: 'e1' })),
      job('email', { uid: 'b1', eventId: 'e1' }),
    ];
    await publishJobs(publisher, jobs);

    expect(publisher.published.map((m) => m.topic)).toEqual([TOPICS.push, TOPICS.email]);
    const [push, email] = publisher.published;
    // Compact (test/unit/delivery/compactBatch.test.ts): what the three jobs have in common is written once.
    expect(push!.data).toEqual({
      shared: expect.objectContaining({ eventId: 'e1', channel: 'push', data: jobs[0]!.data }),
      jobs: jobs.slice(0, 3).map((j) => ({ deliveryId: j.deliveryId, uid: j.uid, content: j.content })),
    });
    expect(push!.attributes).toEqual({
      eventId: 'e1',
      channel: 'push',
      jobCount: '3',
      firstDeliveryId: deliveryId('e1', 'b1', 'push'),
    });
    // A lone job is the format every consumer version reads (safe during a rolling deploy).
    expect(email!.data).toEqual(jobs[3]);
    expect(email!.attributes).toEqual({
      eventId: 'e1',
      channel: 'email',
      jobCount: '1',
      deliveryId: deliveryId('e1', 'b1', 'email'),
    });
    expect(jobsInMessage(push!.data)).toEqual(jobs.slice(0, 3));
  });

  it('splits at 500 jobs and before a message would pass the byte limit; several events are listed', async () => {
    const publisher = new MemoryPublisher();
    const jobs = Array.from({ length: 1_001 }, (_, i) => job('push', { uid: `u${i}`, eventId: `e${i % 2}` }));
    await publishJobs(publisher, jobs);
    expect(publisher.published.map((m) => (m.data as { jobs: unknown[] }).jobs?.length ?? 1)).toEqual([500, 500, 1]);
    expect(publisher.published[0]!.attributes).toMatchObject({ eventId: 'e0', eventIds: 'e0,e1', jobCount: '500' });

    const size = JSON.stringify(jobs[0]).length + 1;
    const parts = splitIntoMessages(jobs.slice(0, 10), { maxJobs: 500, maxBytes: size * 4 });
    expect(parts.map((p) => p.length)).toEqual([4, 4, 2]);
    // One job over the limit still goes (alone): Pub/Sub refuses it visibly rather than it vanishing here.
    expect(splitIntoMessages(jobs.slice(0, 2), { maxJobs: 500, maxBytes: 10 }).map((p) => p.length)).toEqual([1, 1]);
  });

  it('counts bytes, not characters: jobs that fit in characters but not in UTF-8 bytes are split', () => {
    // Each job is 1,000 characters of JSON and 2,000 UTF-8 bytes or so (ü is two bytes).
    const wide = (i: number) => ({ id: i, text: 'ü'.repeat(980) });
    const jobs = [wide(1), wide(2), wide(3)];
    const chars = JSON.stringify(jobs).length;
    const parts = splitIntoMessages(jobs, { maxJobs: 500, maxBytes: chars + 100 });
    expect(parts.map((p) => p.length)).toEqual([1, 1, 1]);
    expect(splitIntoMessages(jobs, { maxJobs: 500, maxBytes: 3 * chars }).map((p) => p.length)).toEqual([3]);
    expect(splitIntoMessages(jobs, { maxJobs: 2, maxBytes: 3 * chars }).map((p) => p.length)).toEqual([2, 1]);
  });

  it("bounds a value's JSON bytes from above, whatever it holds", () => {
    const values: unknown[] = [
      '',
      'plain',
      '"quoted" \\ back',
      '\u0000\u0001\u001f control',
      'ü€😀 wide',
      '\ud800 lone surrogate \udfff',
      -0.0000012345678901234567,
      -1.2345678901234567e308,
      123456789012345680000,
      Number.NaN,
      Number.NEGATIVE_INFINITY,
      true,
      false,
      null,
      undefined,
      new Date('2026-06-10T14:00:00Z'),
      new Date(8.64e15),
      new Date(-8.64e15),
      new Date(Number.NaN),
      [undefined, () => 1, Symbol('s'), [[]], {}],
      { a: undefined, 'ü"\n': { b: [1, 'x', null] }, c: new Date(0) },
      { toJSON: () => ({ long: 'x'.repeat(100) }) },
      new Uint8Array([1, 2, 255]),
    ];
    for (const value of values) {
      const json = JSON.stringify(value);
      const bytes = json === undefined ? 0 : Buffer.byteLength(json);
      expect(jsonBytesAtMost(value), String(json)).toBeGreaterThanOrEqual(bytes);
      expect(jsonBytesAtMost([value]), String(json)).toBeGreaterThanOrEqual(Buffer.byteLength(JSON.stringify([value])));
    }
  });

  it('splits exactly as measuring every job would', () => {
    // The split by exact sizes, as it was before bounds.
    const reference = <T>(list: readonly T[], maxJobs: number, maxBytes: number): T[][] => {
      if (list.length <= 1) return list.length === 1 ? [[list[0]!]] : [];
      const out: T[][] = [];
      let current: T[] = [];
      let bytes = 0;
      for (const job of list) {
        const size = Buffer.byteLength(JSON.stringify(job)) + 1;
        if (current.length > 0 && (current.length >= maxJobs || bytes + size > maxBytes)) {
          out.push(current);
          current = [];
          bytes = 0;
        }
        current.push(job);
        bytes += size;
      }
      if (current.length > 0) out.push(current);
      return out;
    };
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let round = 0; round < 200; round++) {
      const list = Array.from({ length: 1 + Math.floor(random() * 40) }, (_, i) => ({
        i,
        html: '<p class="x">ü</p>'.repeat(Math.floor(random() * 60)),
        at: new Date(1_780_000_000_000 + i),
      }));
      const maxJobs = 1 + Math.floor(random() * 30);
      const maxBytes = 50 + Math.floor(random() * 20_000);
      expect(splitIntoMessages(list, { maxJobs, maxBytes })).toEqual(reference(list, maxJobs, maxBytes));
    }
  });
});

describe('a batch message on a channel topic', () => {
  it('sends every job once, pushes of the whole batch in one provider call, each recorded on its own delivery', async () => {
    const { services, store, providers, jobsFor } = await batchWorld();
    for (const uid of USERS) {
      await device(store, uid, 'phone');
      await device(store, uid, 'tablet', 'android');
    }
    const jobs = await jobsFor('push');
    const send = vi.spyOn(providers.push, 'send');
    await services.delivery.channels.handle('push', { jobs });

    expect(send).toHaveBeenCalledTimes(1);
    expect(send.mock.calls[0]![0]).toHaveLength(6);
    for (const j of jobs) {
      expect(await doc(store, j.deliveryId)).toMatchObject({
        status: 'sent',
        provider: 'fcm',
        attempts: 1,
        devices: 2,
      });
    }
    // Each job's messages carry its own delivery id.
    expect(providers.push.sent.map((m) => m.data.deliveryId).sort()).toEqual(
      jobs.flatMap((j) => [j.deliveryId, j.deliveryId]).sort(),
    );
  });

  it('a redelivered batch calls no provider again', async () => {
    const { services, providers, jobsFor } = await batchWorld();
    const jobs = await jobsFor('email');
    await services.delivery.channels.handle('email', { jobs });
    await services.delivery.channels.handle('email', { jobs });
    expect(providers.email.sent.map((m) => m.customArgs.deliveryId)).toEqual(jobs.map((j) => j.deliveryId));
    expect(new Set(providers.email.sent.map((m) => m.headers['List-Unsubscribe'])).size).toBe(3);
  });

  it('a transient failure of one job: the others finish, the handler throws, the redelivery sends only that job', async () => {
    const { services, store, providers, jobsFor } = await batchWorld();
    const jobs = await jobsFor('sms');
    let twilioDown = true;
    providers.sms.fail = (m) =>
      twilioDown && m.to === '+12125550201' ? new ProviderError('twilio', true, '503', 'unavailable') : undefined;

    const first = services.delivery.channels.handle('sms', { jobs });
    await expect(first).rejects.toBeInstanceOf(DeliveryBatchRetryError);
    await expect(first).rejects.toMatchObject({ retrying: [deliveryId('evtB', 'b2', 'sms')], jobs: 3 });
    expect(providers.sms.sent.map((m) => m.to)).toEqual(['+12125550200', '+12125550202']);
    expect(await doc(store, deliveryId('evtB', 'b2', 'sms'))).toMatchObject({ status: 'sending', attempts: 3 });

    twilioDown = false;
    await services.delivery.channels.handle('sms', { jobs });
    expect(providers.sms.sent.map((m) => m.to)).toEqual(['+12125550200', '+12125550202', '+12125550201']);
    for (const j of jobs) expect(await doc(store, j.deliveryId)).toMatchObject({ status: 'sent' });
    expect(await doc(store, deliveryId('evtB', 'b2', 'sms'))).toMatchObject({ attempts: 4 });
  });

  it('a permanent failure of one job is recorded and acknowledged with the rest', async () => {
    const { services, store, providers, jobsFor } = await batchWorld();
    const jobs = await jobsFor('email');
    providers.email.fail = (m) =>
      m.to === 'b3@studio.example' ? new ProviderError('sendgrid', false, '400', 'invalid address') : undefined;
    await services.delivery.channels.handle('email', { jobs });
    expect(providers.email.sent).toHaveLength(2);
    expect(await doc(store, deliveryId('evtB', 'b3', 'email'))).toMatchObject({
      status: 'failed',
      reason: 'sendgrid-400',
    });
  });

  it('a bad job (or one of another channel) is recorded failed, naming its field; the others are sent', async () => {
    const { services, store, providers, jobsFor, infra } = await batchWorld();
    const [a, b, c] = (await jobsFor('email')) as [DeliveryJob, DeliveryJob, DeliveryJob];
    const broken = { ...b, uid: '' };
    const wrongChannel = job('sms', { uid: 'b3', eventId: 'evtX' });
    await services.delivery.channels.handle('email', { jobs: [a, broken, c, wrongChannel] });

    expect(providers.email.sent.map((m) => m.to)).toEqual(['b1@studio.example', 'b3@studio.example']);
    expect(await doc(store, b.deliveryId)).toMatchObject({
      status: 'failed',
      reason: 'invalid-job',
      errors: [expect.objectContaining({ code: 'invalid-job', message: expect.stringContaining('jobs[1].uid') })],
    });
    expect(await doc(store, wrongChannel.deliveryId)).toMatchObject({
      status: 'failed',
      errors: [expect.objectContaining({ message: 'jobs[3].channel: sms published to the email topic' })],
    });
    expect(infra.logger.lines.filter((e) => e.severity === 'ERROR').map((e) => e.message)).toEqual([
      'unparseable delivery job dropped',
      'unparseable delivery job dropped',
    ]);
  });

  it('a malformed batch is logged with the field at fault and acknowledged; nothing is written', async () => {
    const { services, store, infra } = await batchWorld();
    await services.delivery.channels.handle('email', { jobs: deliveryId('e1', 'b1', 'email') });
    await services.delivery.channels.handle('email', { jobs: [] });
    expect(await store.listIds(paths.deliveries())).toEqual([]);
    const errors = infra.logger.lines.filter((e) => e.severity === 'ERROR');
    expect(errors.map((e) => e.reason)).toEqual([
      expect.stringMatching(/^message\.jobs: /),
      'message.jobs: must hold at least one job',
    ]);
  });

  it('the old single-job message (in flight during a deploy) is still delivered, through the Pub/Sub bus too', async () => {
    const { infra, store, providers, jobsFor } = await batchWorld();
    const [one, ...rest] = await jobsFor('push');
    for (const uid of USERS) await device(store, uid, 'phone');
    await infra.publisher.publish(TOPICS.push, one);
    await publishJobs(infra.publisher, rest);
    await infra.publisher.drain();
    expect(providers.push.sent).toHaveLength(3);
    for (const j of [one!, ...rest]) expect(await doc(store, j.deliveryId)).toMatchObject({ status: 'sent' });
  });
});
