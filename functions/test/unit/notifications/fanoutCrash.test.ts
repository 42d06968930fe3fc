import { describe, expect, it } from 'vitest';
import type { PublishedMessage } from '../../../src/adapters/memory/memoryPublisher.js';
import { recipientPaths } from '../../../src/app/notifications/recipientDelivery.js';
import { eventIdFor } from '../../../src/app/notifications/eventPipeline.js';
import { TOPICS } from '../../../src/domain/channels.js';
import { paths } from '../../../src/domain/paths.js';
import type { DocumentStore } from '../../../src/ports.js';
import { envelope, notificationFixture } from './fixture.js';
import type { NotificationFixture } from './fixture.js';

const FOLLOWERS = 2_000;

class Crash extends Error {
  constructor(where: string) {
    super(`instance crashed (${where})`);
  }
}

/**
 * Kills the "instance" at one write: that write and every store write or publish after it fail, as they would on a
 * dead instance (other workers of the same invocation may be mid-way through their own recipients), until `revive`.
 * Reads stay allowed: nothing is written by them.
 */
function crashable(f: NotificationFixture) {
  let dead = false;
  let countdown: { kind: 'transaction' | 'commitThenDie' | 'publish' | 'markPublished'; n: number } | undefined;
  const store = f.store as unknown as Record<keyof DocumentStore, (...args: unknown[]) => Promise<unknown>>;
  const guard = (name: keyof DocumentStore) => {
    const real = store[name].bind(f.store);
    store[name] = async (...args: unknown[]) => {
      if (dead) throw new Crash(`${name} on a dead instance`);
      if (
        name === 'transaction' &&
        countdown &&
        (countdown.kind === 'transaction' || countdown.kind === 'commitThenDie') &&
        --countdown.n === 0
      ) {
        if (countdown.kind === 'transaction') {
          dead = true;
          throw new Crash('recipient transaction');
        }
        const result = await real(...args); // committed; the instance dies before it publishes the jobs
        dead = true;
        return result;
      }
      if (
        name === 'update' &&
        countdown?.kind === 'markPublished' &&
        String(args[0]).includes('/recipients/') &&
        --countdown.n === 0
      ) {
        dead = true;
        throw new Crash('marking the receipt published');
      }
      return real(...args);
    };
  };
  for (const name of ['transaction', 'commit', 'create', 'set', 'update', 'delete'] as const) guard(name);

  const publish = f.publisher.publish.bind(f.publisher);
  let pageCrash: number | undefined;
  f.publisher.publish = async (topic, data, attributes) => {
    if (dead) throw new Crash('publish on a dead instance');
    if (countdown?.kind === 'publish' && topic !== TOPICS.fanout && --countdown.n === 0) {
      dead = true;
      throw new Crash('publishing jobs');
    }
    const id = await publish(topic, data, attributes);
    // A page that published its chunk dies before publishing the next page.
    if (
      pageCrash !== undefined &&
      topic === TOPICS.fanout &&
      (data as { kind: string }).kind === 'chunk' &&
      --pageCrash === 0
    )
      dead = true;
    return id;
  };
  // Which message the bus was handling when the instance died (Pub/Sub redelivers it, same message id).
  let current: PublishedMessage | undefined;
  const redeliver = f.publisher.redeliver.bind(f.publisher);
  f.publisher.redeliver = async (message) => {
    current = message;
    return redeliver(message);
  };

  return {
    at(kind: NonNullable<typeof countdown>['kind'], n: number) {
      countdown = { kind, n };
    },
    pageDiesAfterChunk(n: number) {
      pageCrash = n;
    },
    get dead() {
      return dead;
    },
    /** The instance restarts; Pub/Sub redelivers the message that was being handled, then the backlog drains. */
    async restartAndRedeliver() {
      dead = false;
      countdown = undefined;
      pageCrash = undefined;
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
  const event = envelope(
    'community.event',
    {
      eventRef: 'w1',
      eventTitle: 'Raku night',
      kind: 'workshop',
      startsAt: '2026-06-20T18:00:00Z',
      location: 'Studio 4',
      hostId: 'kai',
    },
    { audience: { kind: 'followers', creatorId: 'kai' } },
  );
  return { f, followers, event, eventId: eventIdFor(event.idempotencyKey), crash: crashable(f) };
}

/** Every follower: one notification, one receipt marked published, one delivery record, one push delivery id. */
async function expectEveryFollowerNotifiedOnce(w: Awaited<ReturnType<typeof world>>) {
  const { f, followers, eventId } = w;
  const notifications = await f.store.queryGroup('notifications');
  const perUser = new Map<string, number>();
  for (const n of notifications) perUser.set(n.path.split('/')[1]!, (perUser.get(n.path.split('/')[1]!) ?? 0) + 1);
  expect(notifications).toHaveLength(FOLLOWERS);
  expect(followers.every((uid) => perUser.get(uid) === 1)).toBe(true);

  const receipts = await f.store.query(`events/${eventId}/recipients`);
  expect(receipts).toHaveLength(FOLLOWERS);
  expect(receipts.filter((r) => r.data!.published !== true)).toEqual([]);

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
  it('crash on a recipient write (the 1,000th transaction fails; the instance is dead for the rest of the chunk)', async () => {
    const w = await world();
    w.crash.at('transaction', 1_000);
    await w.f.publisher.publish(TOPICS.domainEvents, w.event);
    await expect(w.f.publisher.drain()).rejects.toThrow(/instance crashed/);
    expect((await w.f.store.queryGroup('notifications')).length).toBeLessThan(FOLLOWERS);
    const crashed = await w.crash.restartAndRedeliver();
    expect(crashed.topic).toBe(TOPICS.fanout);
    const { jobMessages } = await expectEveryFollowerNotifiedOnce(w);
    expect(jobMessages).toBe(FOLLOWERS);
  }, 120_000);

  it('crash after a recipient committed, before its jobs were published (redelivery publishes them)', async () => {
    const w = await world();
    w.crash.at('commitThenDie', 1_000);
    await w.f.publisher.publish(TOPICS.domainEvents, w.event);
    await expect(w.f.publisher.drain()).rejects.toThrow(/instance crashed/);
    await w.crash.restartAndRedeliver();
    const { jobMessages } = await expectEveryFollowerNotifiedOnce(w);
    expect(jobMessages).toBe(FOLLOWERS);
  }, 120_000);

  it("crash while publishing a recipient's jobs", async () => {
    const w = await world();
    w.crash.at('publish', 1_000);
    await w.f.publisher.publish(TOPICS.domainEvents, w.event);
    await expect(w.f.publisher.drain()).rejects.toThrow(/instance crashed/);
    await w.crash.restartAndRedeliver();
    const { jobMessages } = await expectEveryFollowerNotifiedOnce(w);
    expect(jobMessages).toBe(FOLLOWERS);
  }, 120_000);

  it('crash after the jobs were published, before the receipt said so: the same jobs again, no second notification', async () => {
    const w = await world();
    w.crash.at('markPublished', 1_000);
    await w.f.publisher.publish(TOPICS.domainEvents, w.event);
    await expect(w.f.publisher.drain()).rejects.toThrow(/instance crashed/);
    await w.crash.restartAndRedeliver();
    const { jobMessages } = await expectEveryFollowerNotifiedOnce(w);
    // Only the recipients whose jobs were out when the instance died are published twice (at most one per worker).
    expect(jobMessages - FOLLOWERS).toBeGreaterThan(0);
    expect(jobMessages - FOLLOWERS).toBeLessThanOrEqual(16);
  }, 120_000);

  it('crash in a page after it published its chunk, before the next page: the redelivered page repeats the chunk', async () => {
    const w = await world();
    w.crash.pageDiesAfterChunk(2);
    await w.f.publisher.publish(TOPICS.domainEvents, w.event);
    await expect(w.f.publisher.drain()).rejects.toThrow(/instance crashed/);
    const crashed = await w.crash.restartAndRedeliver();
    expect(crashed.data).toMatchObject({ kind: 'page' });
    await expectEveryFollowerNotifiedOnce(w);
    const chunks = w.f.publisher.on(TOPICS.fanout).filter((m) => (m.data as { kind: string }).kind === 'chunk');
    expect(chunks).toHaveLength(FOLLOWERS / 500 + 1); // the second chunk twice
    const receipt = await w.f.store.get(recipientPaths.receipt(w.eventId, w.followers[0]!));
    expect(receipt.exists).toBe(true);
  }, 120_000);
});
