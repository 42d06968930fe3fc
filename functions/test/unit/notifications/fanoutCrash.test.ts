import { describe, expect, it } from 'vitest';
import type { PublishedMessage } from '../../../src/adapters/memory/memoryPublisher.js';
import { unpublishedReceipts } from '../../../src/app/notifications/chunkDelivery.js';
import { recipientPaths } from '../../../src/app/notifications/recipientDelivery.js';
import { eventIdFor } from '../../../src/app/notifications/eventPipeline.js';
import { TOPICS } from '../../../src/domain/channels.js';
import { paths } from '../../../src/domain/paths.js';
import type { DocumentStore, WriteOp } from '../../../src/ports.js';
import { rateCounters } from '../../support/rateCounters.js';
import { notificationFixture, followersWorkshop } from './fixture.js';
import type { NotificationFixture } from './fixture.js';

const FOLLOWERS = 2_000;

class Crash extends Error {
  constructor(where: string) {
    super(`instance crashed (${where})`);
  }
}

type CrashPoint =
  /** The Nth write batch holding receipts fails. */
  | 'batch'
  /** The Nth write batch holding receipts commits; the instance dies right after (before publishing its jobs). */
  | 'batchThenDie'
  /** The Nth rate-limit transaction commits; the instance dies right after (before any recipient is written). */
  | 'reservedThenDie'
  /** The Nth job publish fails. */
  | 'publish'
  /** The Nth write that marks receipts published (a run's publication marker) fails (the jobs are out). */
  | 'markPublished'
  /** The Nth chunk message a page publishes fails (the page published some of its chunks). */
  | 'pageChunk';

const holdsReceipts = (ops: unknown) =>
  (ops as WriteOp[]).some((op) => op.kind === 'create' && op.path.includes('/recipients/'));
const marksPublished = (path: unknown) => typeof path === 'string' && path.includes('/publications/');

/**
 * Kills the "instance" at one write: that write and every store write or publish after it fail, as they would on a
 * dead instance (batches of the same chunk still in flight fail too), until `revive`. Reads stay allowed: nothing is
 * written by them.
 */
function crashable(f: NotificationFixture) {
  let dead = false;
  let countdown: { kind: CrashPoint; n: number } | undefined;
  const due = (kind: CrashPoint) => countdown?.kind === kind && --countdown.n === 0;
  const store = f.store as unknown as Record<keyof DocumentStore, (...args: unknown[]) => Promise<unknown>>;
  const guard = (name: keyof DocumentStore) => {
    const real = store[name].bind(f.store);
    store[name] = async (...args: unknown[]) => {
      if (dead) throw new Crash(`${name} on a dead instance`);
      if (name === 'commit' && holdsReceipts(args[0])) {
        if (due('batch')) {
          dead = true;
          throw new Crash('recipient batch');
        }
        if (countdown?.kind === 'batchThenDie' && due('batchThenDie')) {
          const result = await real(...args); // committed; the instance dies before it publishes the jobs
          dead = true;
          return result;
        }
      }
      if (name === 'set' && marksPublished(args[0]) && due('markPublished')) {
        dead = true;
        throw new Crash('marking receipts published');
      }
      if (name === 'transaction' && due('reservedThenDie')) {
        const result = await real(...args);
        dead = true;
        return result;
      }
      return real(...args);
    };
  };
  for (const name of ['transaction', 'commit', 'create', 'set', 'update', 'delete'] as const) guard(name);

  const publish = f.publisher.publish.bind(f.publisher);
  f.publisher.publish = async (topic, data, attributes) => {
    if (dead) throw new Crash('publish on a dead instance');
    if (topic !== TOPICS.fanout && due('publish')) {
      dead = true;
      throw new Crash('publishing jobs');
    }
    if (topic === TOPICS.fanout && (data as { kind: string }).kind === 'chunk' && due('pageChunk')) {
      dead = true;
      throw new Crash('publishing a chunk');
    }
    return publish(topic, data, attributes);
  };
  // Which message the bus was handling when the instance died (Pub/Sub redelivers it, same message id).
  let current: PublishedMessage | undefined;
  const redeliver = f.publisher.redeliver.bind(f.publisher);
  f.publisher.redeliver = async (message) => {
    current = message;
    return redeliver(message);
  };

  return {
    at(kind: CrashPoint, n: number) {
      countdown = { kind, n };
    },
    get dead() {
      return dead;
    },
    /** The instance restarts; Pub/Sub redelivers the message that was being handled, then the backlog drains. */
    async restartAndRedeliver() {
      dead = false;
      countdown = undefined;
      const crashed = current!;
      await f.publisher.redeliver(crashed);
      await f.publisher.drain();
      return crashed;
    },
  };
}

async function world() {
  const f = notificationFixture('2026-06-10T14:00:00Z');
  const followers = Array.from({ length: FOLLOWERS }, (_, i) => `f${String(i).padStart(5, '0')}`);
  for (let i = 0; i < followers.length; i += 500) {
    await f.store.commit(
      followers.slice(i, i + 500).map((uid) => ({
        kind: 'set' as const,
        path: paths.user(uid),
        data: { displayName: uid, timeZone: 'UTC', locale: 'en', emailVerified: false, phoneVerified: false },
      })),
    );
  }
  await f.followers('kai', followers);
  await f.user('kai');
  const event = followersWorkshop();
  return { f, followers, event, eventId: eventIdFor(event.idempotencyKey), crash: crashable(f) };
}

/** Every follower: one notification, one receipt published (its run's marker), one delivery record, one push delivery id. */
async function expectEveryFollowerNotifiedOnce(w: Awaited<ReturnType<typeof world>>) {
  const { f, followers, eventId } = w;
  const notifications = await f.store.queryGroup('notifications');
  const perUser = new Map<string, number>();
  for (const n of notifications) perUser.set(n.path.split('/')[1]!, (perUser.get(n.path.split('/')[1]!) ?? 0) + 1);
  expect(notifications).toHaveLength(FOLLOWERS);
  expect(followers.every((uid) => perUser.get(uid) === 1)).toBe(true);

  const receipts = await f.store.query(`events/${eventId}/recipients`);
  expect(receipts).toHaveLength(FOLLOWERS);
  expect(await unpublishedReceipts(f.store, eventId, receipts)).toEqual([]);

  const deliveries = (await f.deliveries()).filter((d) => d.eventId === eventId);
  const perChannel = new Map<string, number>();
  for (const d of deliveries) perChannel.set(String(d.channel), (perChannel.get(String(d.channel)) ?? 0) + 1);
  // One record per follower and channel (push queued, the others suppressed or held), never two.
  for (const count of perChannel.values()) expect(count).toBe(FOLLOWERS);
  expect(perChannel.get('push')).toBe(FOLLOWERS);

  // Job messages may repeat (published, then the instance died before it could say so); the delivery id is the same,
  // and channel delivery claims each delivery id once (the ledger), so every follower gets one push.
  const jobs = f.jobs('push').filter((j) => j.eventId === eventId);
  const ids = new Set(jobs.map((j) => j.deliveryId));
  expect(ids.size).toBe(FOLLOWERS);
  expect(new Set(jobs.map((j) => j.uid))).toEqual(new Set(followers));
  return { jobMessages: jobs.length };
}

describe('a fan-out to 2,000 followers that crashes midway, then redelivered: every follower notified exactly once', () => {
  // 2,000 followers in 4 chunks of 500; each chunk writes its recipients in several batches of ≤ 500 writes.
  it("crash on a recipient batch (the 5th batch fails; the chunk's other batches in flight fail with it)", async () => {
    const w = await world();
    w.crash.at('batch', 5);
    await w.f.publisher.publish(TOPICS.domainEvents, w.event);
    await expect(w.f.publisher.drain()).rejects.toThrow(/instance crashed/);
    const before = (await w.f.store.queryGroup('notifications')).length;
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(FOLLOWERS);
    const crashed = await w.crash.restartAndRedeliver();
    expect(crashed.topic).toBe(TOPICS.fanout);
    const { jobMessages } = await expectEveryFollowerNotifiedOnce(w);
    expect(jobMessages).toBe(FOLLOWERS);
  }, 120_000);

  it('crash after a batch committed, before its jobs were published (redelivery publishes them)', async () => {
    const w = await world();
    w.crash.at('batchThenDie', 5);
    await w.f.publisher.publish(TOPICS.domainEvents, w.event);
    await expect(w.f.publisher.drain()).rejects.toThrow(/instance crashed/);
    await w.crash.restartAndRedeliver();
    const { jobMessages } = await expectEveryFollowerNotifiedOnce(w);
    expect(jobMessages).toBe(FOLLOWERS);
  }, 120_000);

  it('crash after the rate limits were reserved, before any recipient was written: the replay counts nothing twice', async () => {
    const w = await world();
    w.crash.at('reservedThenDie', 2);
    await w.f.publisher.publish(TOPICS.domainEvents, w.event);
    await expect(w.f.publisher.drain()).rejects.toThrow(/instance crashed/);
    await w.crash.restartAndRedeliver();
    await expectEveryFollowerNotifiedOnce(w);
    // Every follower's in-app counter says 1: the replayed reservation found its own hold.
    const counters = await rateCounters(w.f.store, w.followers, 'inApp', '2026-06-10');
    expect(counters.filter((c) => c?.count !== 1)).toEqual([]);
  }, 120_000);

  it("crash while publishing a chunk's jobs", async () => {
    const w = await world();
    w.crash.at('publish', 2);
    await w.f.publisher.publish(TOPICS.domainEvents, w.event);
    await expect(w.f.publisher.drain()).rejects.toThrow(/instance crashed/);
    await w.crash.restartAndRedeliver();
    const { jobMessages } = await expectEveryFollowerNotifiedOnce(w);
    expect(jobMessages).toBeGreaterThanOrEqual(FOLLOWERS);
  }, 120_000);

  it('crash after the jobs were published, before the receipts said so: the same jobs again, no second notification', async () => {
    const w = await world();
    w.crash.at('markPublished', 2);
    await w.f.publisher.publish(TOPICS.domainEvents, w.event);
    await expect(w.f.publisher.drain()).rejects.toThrow(/instance crashed/);
    await w.crash.restartAndRedeliver();
    const { jobMessages } = await expectEveryFollowerNotifiedOnce(w);
    // Only that chunk's jobs go out twice (same delivery ids: channel delivery claims each once).
    expect(jobMessages - FOLLOWERS).toBeGreaterThan(0);
    expect(jobMessages - FOLLOWERS).toBeLessThanOrEqual(500);
  }, 120_000);

  it('crash in the page while it publishes its chunks: the redelivered page publishes them all again', async () => {
    const w = await world();
    w.crash.at('pageChunk', 3);
    await w.f.publisher.publish(TOPICS.domainEvents, w.event);
    await expect(w.f.publisher.drain()).rejects.toThrow(/instance crashed/);
    const crashed = await w.crash.restartAndRedeliver();
    expect(crashed.data).toMatchObject({ kind: 'page' });
    await expectEveryFollowerNotifiedOnce(w);
    const chunks = w.f.publisher.on(TOPICS.fanout).filter((m) => (m.data as { kind: string }).kind === 'chunk');
    expect(chunks).toHaveLength(FOLLOWERS / 500 + 2); // the first two chunks twice
    const receipt = await w.f.store.get(recipientPaths.receipt(w.eventId, w.followers[0]!));
    expect(receipt.exists).toBe(true);
  }, 120_000);
});
