import { type Message, PubSub, type Subscription } from '@google-cloud/pubsub';
import { getFirestore } from 'firebase-admin/firestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FirestoreDocumentStore } from '../../../src/adapters/firestore/firestoreDocumentStore.js';
import { adminApp } from '../../../src/composition/cloud.js';
import { TOPICS } from '../../../src/domain/channels.js';
import type { ProviderChannel } from '../../../src/domain/channels.js';
import { deliveryId } from '../../../src/domain/delivery.js';
import type { DeliveryJob } from '../../../src/domain/delivery.js';
import { deliveryMessage, jobsInMessage } from '../../../src/domain/delivery/batch.js';
import { paths } from '../../../src/domain/paths.js';
import { socialPaths } from '../../../src/domain/social/follows.js';
import type { Captured } from '../../../src/local/sandbox/outbox.js';
import { job, queued } from '../../support/delivery.js';
import { functionLogEntries } from '../../support/emulatorLog.js';
import { eventually, outbox, useTriggerChains } from '../../support/fakes/emulatorChain.js';

/**
 * Compact delivery messages (`{ shared, jobs }`, src/domain/delivery/batch.ts) through the real Pub/Sub emulator to
 * the deployed deliverPush / deliverEmail consumers in the Functions emulator, delivering to the sandbox FCM and
 * SendGrid. A follower fan-out publishes one compact message per channel, seen on the wire through a subscription of
 * the test's own, and every follower's push and email arrives and is recorded as a lone job's is. A hand-published
 * compact message with one bad entry delivers the others and records the bad one `failed` (invalid-job, the entry's
 * field named); one whose `shared` is not an object is dropped whole, logged naming `message.shared`.
 * Auth, Firestore, Functions and Pub/Sub emulators.
 */
const store = new FirestoreDocumentStore(() => getFirestore(adminApp()));
const run = `${process.pid}${Date.now().toString(36)}`;
const CHAIN_MS = 150_000;
const pubsub = new PubSub({ projectId: process.env.GCLOUD_PROJECT });

interface Published {
  data: unknown;
  attributes: Record<string, string>;
}

/**
 * A subscription of the test's own on a delivery topic, beside the one the Functions emulator pushes from: Pub/Sub
 * gives every subscription its own copy, so this sees exactly what the publisher sent without taking it from the
 * consumer.
 */
class Tap {
  readonly received: Published[] = [];
  private constructor(private readonly subscription: Subscription) {
    subscription.on('message', (m: Message) => {
      m.ack();
      this.received.push({ data: JSON.parse(m.data.toString('utf8')) as unknown, attributes: { ...m.attributes } });
    });
  }
  static async on(topic: string): Promise<Tap> {
    const [subscription] = await pubsub.topic(topic).createSubscription(`tap-${topic}-${run}`);
    return new Tap(subscription);
  }
  of(eventId: string): Published[] {
    return this.received.filter((m) => m.attributes.eventId === eventId);
  }
  async close(): Promise<void> {
    await this.subscription.close();
    await this.subscription.delete();
  }
}

async function seedUser(uid: string, locale = 'en') {
  const now = new Date();
  await store.set(paths.user(uid), {
    displayName: uid,
    timeZone: 'UTC',
    locale,
    email: `${uid}@studio.example`,
    emailVerified: true,
  });
  // No quiet hours: whatever time the suite runs, everything may leave at once.
  await store.set(paths.preferences(uid), { quietHours: { enabled: false } });
  await store.set(paths.device(uid, 'phone'), {
    deviceId: 'phone',
    token: tokenOf(uid),
    platform: 'android',
    appVersion: '1.0.0',
    locale,
    lastSeenAt: now,
    createdAt: now,
  });
}
const tokenOf = (uid: string) => `sandbox-compact-${uid}`;

/** A workshop announced to `host`'s followers: the fan-out path (notification-fanout, deliverChunk, publishJobs). */
async function announceWorkshop(eventId: string, host: string, followers: readonly string[]) {
  for (const uid of followers)
    await store.set(socialPaths.follower(host, uid), { uid, creatorId: host, createdAt: new Date() });
  await store.set(paths.event(eventId), {
    type: 'community.event',
    idempotencyKey: eventId,
    occurredAt: new Date(),
    payload: {
      eventRef: `ref-${eventId}`,
      eventTitle: 'Raku night',
      kind: 'workshop',
      startsAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      location: 'Studio 4',
      hostId: host,
    },
    audience: { kind: 'followers', creatorId: host },
  });
}

/** Each delivery's captures in the sandbox, once every one of them has exactly one. */
async function capturedOnce(kind: 'push' | 'email', ids: readonly string[]): Promise<Map<string, Captured>> {
  const all = await eventually(
    `${ids.length} ${kind} deliveries in the sandbox`,
    () => Promise.all(ids.map((id) => outbox(kind, { deliveryId: id }))),
    (lists) => lists.every((l) => l.length >= 1),
    CHAIN_MS,
  );
  for (const [i, list] of all.entries()) expect(list, `${kind} captures of ${ids[i]}`).toHaveLength(1);
  return new Map(ids.map((id, i) => [id, all[i]![0]!]));
}

async function recordsSent(ids: readonly string[]) {
  const snaps = await eventually(
    `${ids.length} deliveries recorded sent`,
    () => store.getAll(ids.map((id) => paths.delivery(id))),
    (s) => s.every((d) => d.data?.status === 'sent'),
    CHAIN_MS,
  );
  return new Map(ids.map((id, i) => [id, snaps[i]!.data!]));
}

/** What a delivery record must have the same whatever message format brought its job. */
function recordShape(record: Record<string, unknown>) {
  return {
    fields: Object.keys(record).sort(),
    timestamps: Object.keys(record.timestamps as object).sort(),
    ...Object.fromEntries(
      ['status', 'channel', 'provider', 'type', 'category', 'priority', 'critical', 'attempts', 'errors'].map((k) => [
        k,
        record[k],
      ]),
    ),
  };
}

interface FcmRequest {
  message: { token: string; notification: { title: string; body: string }; data: Record<string, string> };
}
const fcmOf = (c: Captured) => (c.request as FcmRequest).message;

describe('compact { shared, jobs } delivery messages through Pub/Sub to the deployed consumers (emulators)', () => {
  useTriggerChains();
  const taps = {} as Record<'push' | 'email', Tap>;
  beforeAll(async () => {
    taps.push = await Tap.on(TOPICS.push);
    taps.email = await Tap.on(TOPICS.email);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(Object.values(taps).map((t) => t.close()));
    await pubsub.close();
  }, 60_000);

  it(
    "a fan-out to five followers publishes one compact message per channel; every push and email reaches the sandbox and is recorded as a lone job's",
    async () => {
      const host = `host-${run}`;
      // One German follower: her jobs' locale and content differ from the others', so they stay in her entry.
      const followers = Array.from({ length: 5 }, (_, i) => `fan${i}-${run}`);
      const german = followers[2]!;
      // A second workshop with a single follower: its jobs go bare, the format the records are compared with.
      const soloHost = `solohost-${run}`;
      const solo = `solo-${run}`;
      for (const uid of followers) await seedUser(uid, uid === german ? 'de' : 'en');
      await seedUser(solo);
      const eventId = `workshop-${run}`;
      const soloEventId = `meetup-${run}`;
      await announceWorkshop(eventId, host, followers);
      await announceWorkshop(soloEventId, soloHost, [solo]);

      const ids = (channel: ProviderChannel, uids: readonly string[], event = eventId) =>
        uids.map((uid) => deliveryId(event, uid, channel));
      const pushes = await capturedOnce('push', [...ids('push', followers), ...ids('push', [solo], soloEventId)]);
      const emails = await capturedOnce('email', [...ids('email', followers), ...ids('email', [solo], soloEventId)]);

      // On the wire: one message per channel for the five, in the compact form, that reads back as their five jobs.
      const published = {} as Record<'push' | 'email', DeliveryJob[]>;
      for (const channel of ['push', 'email'] as const) {
        const [message, ...more] = await eventually(
          `the fan-out's ${channel} message on the test's subscription`,
          async () => taps[channel].of(eventId),
          (m) => m.length >= 1,
        );
        expect(more, `further ${channel} messages of the fan-out`).toEqual([]);
        expect(message!.attributes).toMatchObject({ channel, jobCount: '5' });
        const data = message!.data as { shared?: Record<string, unknown>; jobs?: Array<Record<string, unknown>> };
        expect(data.shared, `${channel}: the message is compact`).toMatchObject({
          eventId,
          channel,
          type: 'community.event',
        });
        expect(data.jobs).toHaveLength(5);
        // Written once in shared, not in any entry; the German follower's entry carries her own locale.
        for (const entry of data.jobs!) expect(entry).not.toHaveProperty('eventId');
        expect(data.shared).not.toHaveProperty('locale');
        expect(data.jobs!.find((e) => e.uid === german)).toMatchObject({ locale: 'de' });
        published[channel] = jobsInMessage(data);
        expect(published[channel].map((j) => j.deliveryId).sort()).toEqual(ids(channel, followers).sort());
        // The lone follower's job went bare: the record comparison below is between the two formats.
        const [bare, ...others] = taps[channel].of(soloEventId);
        expect(others).toEqual([]);
        expect(bare!.data).toMatchObject({ deliveryId: deliveryId(soloEventId, solo, channel), eventId: soloEventId });
        expect(bare!.data).not.toHaveProperty('jobs');
      }

      // Each push carries its own job as merged from the compact message: its recipient's token, text and ids.
      for (const j of published.push) {
        const fcm = fcmOf(pushes.get(j.deliveryId)!);
        expect(pushes.get(j.deliveryId)!.status).toBe(200);
        expect(fcm.token).toBe(tokenOf(j.uid));
        expect(fcm.notification).toMatchObject({ title: j.content.push!.title, body: j.content.push!.body });
        expect(fcm.data).toMatchObject({ deliveryId: j.deliveryId, eventId, type: 'community.event' });
      }
      const titleOf = (uid: string) => fcmOf(pushes.get(deliveryId(eventId, uid, 'push'))!).notification.title;
      expect(titleOf(german)).not.toBe(titleOf(followers[0]!));
      for (const j of published.email) {
        expect(emails.get(j.deliveryId)).toMatchObject({ to: `${j.uid}@studio.example`, status: 202 });
      }

      // The ledger: each sent, by its provider, with the id the sandbox answered, shaped as the lone job's record.
      const batchRecords = await recordsSent([...ids('push', followers), ...ids('email', followers)]);
      const soloRecords = await recordsSent([
        ...ids('push', [solo], soloEventId),
        ...ids('email', [solo], soloEventId),
      ]);
      for (const channel of ['push', 'email'] as const) {
        const lone = recordShape(soloRecords.get(deliveryId(soloEventId, solo, channel))!);
        expect(lone).toMatchObject({ status: 'sent', attempts: 1, errors: [] });
        for (const uid of followers) {
          const id = deliveryId(eventId, uid, channel);
          const record = batchRecords.get(id)!;
          expect(recordShape(record), id).toEqual(lone);
          expect(record).toMatchObject({ deliveryId: id, eventId, uid, notificationId: `${eventId}_community.event` });
          const captured = (channel === 'push' ? pushes : emails).get(id)!;
          expect(record.providerMessageId).toEqual(
            channel === 'push' ? (captured.response as { name: string }).name : expect.stringMatching(/^sgmsg-/),
          );
        }
      }
    },
    CHAIN_MS * 3,
  );

  it(
    'a hand-published compact message with one bad entry: the others are sent once each, the bad one recorded failed naming its field',
    async () => {
      const eventId = `handmade-${run}`;
      const uids = [0, 1, 2].map((i) => `hand${i}-${run}`);
      for (const uid of uids) await seedUser(uid);
      const createdAt = new Date().toISOString();
      const jobs = uids.map((uid) => job('push', { eventId, uid, notificationId: `${eventId}_n`, createdAt }));
      // Routing's side: each delivery queued before its job is published.
      for (const j of jobs) await queued(store, j, new Date());
      const message = deliveryMessage(jobs) as { shared: Partial<DeliveryJob>; jobs: Array<Record<string, unknown>> };
      expect(message.shared).toMatchObject({ eventId, priority: 'high', data: { orderId: 'o1' } });
      // Entry 1 overrides a shared field with a value no job may have; entry 2 overrides one with a valid value of
      // its own (the entry's field wins over shared, at the consumer too).
      message.jobs[1] = { ...message.jobs[1], priority: 'urgent' };
      message.jobs[2] = { ...message.jobs[2], data: { deepLink: '/orders/o2', orderId: 'o2' } };
      const [good0, bad, good2] = jobs.map((j) => j.deliveryId) as [string, string, string];
      await pubsub.topic(TOPICS.push).publishMessage({
        json: message,
        attributes: { eventId, channel: 'push', jobCount: '3', firstDeliveryId: good0 },
      });

      const pushes = await capturedOnce('push', [good0, good2]);
      expect(fcmOf(pushes.get(good0)!)).toMatchObject({ token: tokenOf(uids[0]!), data: { orderId: 'o1' } });
      expect(fcmOf(pushes.get(good2)!)).toMatchObject({ token: tokenOf(uids[2]!), data: { orderId: 'o2' } });
      const sent = await recordsSent([good0, good2]);
      for (const [id, record] of sent) {
        expect(record).toMatchObject({
          provider: 'fcm',
          attempts: 1,
          eventId,
          type: 'order.shipped',
          priority: 'high',
        });
        expect(record.providerMessageId).toBe((pushes.get(id)!.response as { name: string }).name);
      }
      const failed = await eventually(
        'the bad entry recorded failed',
        async () => (await store.get(paths.delivery(bad))).data,
        (d) => d?.status === 'failed',
        CHAIN_MS,
      );
      expect(failed).toMatchObject({ reason: 'invalid-job', attempts: 0 });
      const errors = failed!.errors as Array<Record<string, unknown>>;
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ code: 'invalid-job', provider: 'none', transient: false });
      expect(String(errors[0]!.message)).toMatch(/^jobs\[1\]\.priority: /);

      // Nothing lost: every entry of the message ended somewhere, none left queued; the bad one never reached FCM.
      const ended = await store.getAll(jobs.map((j) => paths.delivery(j.deliveryId)));
      expect(ended.map((d) => d.data?.status)).toEqual(['sent', 'failed', 'sent']);
      expect(await outbox('push', { deliveryId: bad })).toEqual([]);
      // Not checked here: that the message is not redelivered. The emulators cannot show it: firebase-tools' Pub/Sub
      // bridge acknowledges every message once the function returns, whether it succeeded or threw.
    },
    CHAIN_MS * 2,
  );

  it(
    'a compact message whose shared is not an object is dropped whole, logged naming message.shared, and its deliveries recorded failed',
    async () => {
      const eventId = `badshared-${run}`;
      const uids = [0, 1].map((i) => `shared${i}-${run}`);
      for (const uid of uids) await seedUser(uid);
      const createdAt = new Date().toISOString();
      // Whole, valid jobs: only `shared` is wrong, so nothing else could explain the drop.
      const jobs = uids.map((uid) => job('push', { eventId, uid, notificationId: `${eventId}_n`, createdAt }));
      for (const j of jobs) await queued(store, j, new Date());
      const dropped = 'unparseable delivery message dropped';
      const before = functionLogEntries(dropped).length;
      await pubsub.topic(TOPICS.push).publishMessage({
        json: { shared: eventId, jobs },
        attributes: { eventId, channel: 'push', jobCount: '2' },
      });

      const entries = await eventually(
        "the consumer's log line",
        async () => functionLogEntries(dropped).slice(before),
        (e) => e.some((entry) => String(entry.reason).startsWith('message.shared')),
        CHAIN_MS,
      );
      const entry = entries.find((e) => String(e.reason).startsWith('message.shared'))!;
      expect(entry).toMatchObject({ severity: 'ERROR', channel: 'push' });
      expect(String(entry.reason)).toMatch(/^message\.shared: /);
      // Nothing of it ran: no provider call; each delivery the entries name is recorded failed (invalid-job) with the
      // message's reason, instead of staying queued for the sweeper to call never-claimed an hour later. The log line
      // comes before anything a consumer would do with the jobs, so give such work a moment to show before looking.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      for (const j of jobs) {
        expect(await outbox('push', { deliveryId: j.deliveryId })).toEqual([]);
        const record = await eventually(
          `${j.deliveryId} recorded failed`,
          async () => (await store.get(paths.delivery(j.deliveryId))).data,
          (d) => d?.status === 'failed',
          CHAIN_MS,
        );
        expect(record).toMatchObject({ status: 'failed', reason: 'invalid-job', attempts: 0 });
        expect(record!.errors).toEqual([
          expect.objectContaining({ code: 'invalid-job', message: expect.stringMatching(/^message\.shared: /) }),
        ]);
      }
    },
    CHAIN_MS,
  );
});
