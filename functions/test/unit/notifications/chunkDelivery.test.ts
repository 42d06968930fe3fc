import { describe, expect, it } from 'vitest';
import {
  COMMIT_BATCH_OPS,
  COMMIT_CONCURRENCY,
  MAX_BATCH_OPS,
  packBatches,
  unpublishedReceipts,
} from '../../../src/app/notifications/chunkDelivery.js';
import { audiencePaths } from '../../../src/app/notifications/audience.js';
import { eventIdFor } from '../../../src/app/notifications/eventPipeline.js';
import { recipientPaths } from '../../../src/app/notifications/recipientDelivery.js';
import { TOPICS } from '../../../src/domain/channels.js';
import { paths } from '../../../src/domain/paths.js';
import type { StoredJob } from '../../../src/domain/notifications/recipientPlan.js';
import type { WriteOp } from '../../../src/ports.js';
import { rateCounter, rateCounters, seedRateCount } from '../../support/rateCounters.js';
import { envelope, notificationFixture } from './fixture.js';
import type { NotificationFixture } from './fixture.js';
import { deliveryId } from '../../../src/domain/delivery.js';

const NOW = '2026-06-10T14:00:00Z';
const DAY = '2026-06-10';

const communityEvent = (eventRef = 'w1', key?: string) => ({
  ...envelope(
    'community.event',
    {
      eventRef,
      eventTitle: 'Raku night',
      kind: 'workshop',
      startsAt: '2026-06-20T18:00:00Z',
      location: 'Studio 4',
      hostId: 'kai',
    },
    { audience: { kind: 'followers', creatorId: 'kai' } },
  ),
  ...(key ? { idempotencyKey: key } : {}),
});

/** `n` followers of kai with default profiles (verified email, UTC), plus kai. */
async function world(n: number, settings: Parameters<typeof notificationFixture>[1] = {}) {
  const f = notificationFixture(NOW, settings);
  const followers = Array.from({ length: n }, (_, i) => `f${String(i).padStart(4, '0')}`);
  for (const uid of followers) await f.user(uid, { phoneVerified: false });
  await f.followers('kai', followers);
  await f.user('kai');
  return { f, followers };
}

/** Records the event and runs its fan-out through the bus; returns the event id and the chunk messages. */
async function fanOut(f: NotificationFixture, event = communityEvent()) {
  await f.publisher.publish(TOPICS.domainEvents, event);
  await f.publisher.drain();
  const chunks = f.publisher.on(TOPICS.fanout).filter((m) => (m.data as { kind: string }).kind === 'chunk');
  return { eventId: eventIdFor(event.idempotencyKey), chunks };
}

/** Notifications per user, push jobs per delivery id, receipts: what "notified once" means. */
async function tally(f: NotificationFixture, eventId: string) {
  const notifications = await f.store.queryGroup('notifications');
  const pushIds = f.jobs('push').map((j) => j.deliveryId);
  return {
    notifications: notifications.length,
    users: new Set(notifications.map((s) => s.path.split('/')[1])).size,
    pushJobs: pushIds.length,
    pushIds: new Set(pushIds).size,
    receipts: (await f.store.query(`events/${eventId}/recipients`)).length,
    unpublished: (await unpublishedReceipts(f.store, eventId, await f.store.query(`events/${eventId}/recipients`)))
      .length,
  };
}

/** Records each store.commit's ops. */
function recordCommits(f: NotificationFixture) {
  const batches: WriteOp[][] = [];
  const commit = f.store.commit.bind(f.store);
  f.store.commit = async (ops) => {
    batches.push([...ops]);
    return commit(ops);
  };
  return batches;
}

describe('fan-out chunk: a chunk is handled as a whole', () => {
  it('a replayed chunk (another attempt) notifies nobody twice and counts no rate limit twice', async () => {
    const { f, followers } = await world(30);
    const { eventId, chunks } = await fanOut(f);
    expect(chunks).toHaveLength(1);
    const first = await tally(f, eventId);
    expect(first).toMatchObject({ notifications: 30, users: 30, pushJobs: 30, pushIds: 30, receipts: 30 });
    expect(first.unpublished).toBe(0);

    await f.n.pipeline.onFanout(chunks[0]!.data, 'another-attempt');
    await f.n.pipeline.onFanout(chunks[0]!.data, 'yet-another-attempt');
    expect(await tally(f, eventId)).toEqual(first);
    const counters = await rateCounters(f.store, followers, 'inApp', DAY);
    expect(counters.map((c) => c?.count)).toEqual(followers.map(() => 1));
    expect(f.jobs('email')).toHaveLength(30);
  });

  it('two runs of one chunk racing: each follower once, each job once', async () => {
    const { f } = await world(40);
    const { eventId, chunks } = await fanOut(f, communityEvent('w1'));
    // A second event of another group, its chunk run twice at the same time.
    const { eventId: second } = await fanOut(f, communityEvent('w2'));
    const secondChunk = f.publisher
      .on(TOPICS.fanout)
      .filter((m) => (m.data as { kind: string; eventId: string }).eventId === second && m.data !== chunks[0]!.data)
      .find((m) => (m.data as { kind: string }).kind === 'chunk')!;
    const pushBefore = f.jobs('push').length;
    await Promise.all([
      f.n.pipeline.onFanout(secondChunk.data, 'run-a'),
      f.n.pipeline.onFanout(secondChunk.data, 'run-b'),
    ]);
    expect(f.jobs('push').length).toBe(pushBefore);
    expect((await tally(f, second)).receipts).toBe(40);
    expect((await tally(f, eventId)).receipts).toBe(40);
  });

  it('a batch that loses a race on its receipts is re-read and retried with only the recipients still unhandled', async () => {
    const { f, followers } = await world(120);
    // Record the event without running its chunks.
    const event = communityEvent();
    const eventId = eventIdFor(event.idempotencyKey);
    await f.n.pipeline.submit(event, 'pubsub', 'submit');
    const half = followers.filter((_, i) => i % 2 === 0);
    // Run B handles the whole chunk; just before its first batch commits, run A handles every other follower.
    const commit = f.store.commit.bind(f.store);
    let raced = false;
    let lostBatches = 0;
    f.store.commit = async (ops) => {
      const holdsReceipts = ops.some((op) => op.kind === 'create' && op.path.includes('/recipients/'));
      if (holdsReceipts && !raced) {
        raced = true;
        await f.n.pipeline.onFanout({ kind: 'chunk', eventId, uids: half }, 'run-a');
      }
      try {
        return await commit(ops);
      } catch (error) {
        if (holdsReceipts) lostBatches++;
        throw error;
      }
    };
    await f.n.pipeline.onFanout({ kind: 'chunk', eventId, uids: followers }, 'run-b');
    expect(lostBatches).toBeGreaterThan(0);
    const t = await tally(f, eventId);
    expect(t).toMatchObject({ notifications: 120, users: 120, receipts: 120, unpublished: 0 });
    expect(t.pushJobs).toBe(120); // each run published only the recipients it committed
    const owners = (await f.store.getAll(followers.map((uid) => recipientPaths.receipt(eventId, uid)))).map(
      (r) => r.data!.owner,
    );
    expect(owners.filter((o) => o === 'run-a').length).toBeGreaterThan(0);
    expect(owners.filter((o) => o === 'run-b').length).toBeGreaterThan(0);
  });

  it('receipts keep compact jobs (no rendered HTML); one publication marker per run, no update per receipt', async () => {
    const { f } = await world(20);
    const batches = recordCommits(f);
    const { eventId } = await fanOut(f);
    const receipts = await f.store.query(`events/${eventId}/recipients`);
    expect(receipts).toHaveLength(20);
    const kept = receipts.flatMap((r) => r.data!.jobs as StoredJob[]);
    const emailJobs = kept.filter((j) => j.channel === 'email');
    expect(emailJobs).toHaveLength(20);
    expect(JSON.stringify(receipts.map((r) => r.data))).not.toMatch(/<html|<!doctype/i);
    expect(emailJobs[0]!.content.email).toMatchObject({ template: { count: 1 } });
    // Per job only what cannot be derived again: no deliveryId, eventId, type, data (rebuilt on takeover).
    expect(kept).toHaveLength(40);
    for (const job of kept) expect(Object.keys(job).sort()).toEqual(['channel', 'content', 'fallback']);
    expect(receipts[0]!.data).toMatchObject({ locale: 'en', createdAt: '2026-06-10T14:00:00.000Z' });
    // Against what the receipt used to hold (the published jobs themselves): 1,692 bytes of JSON then, 720 now.
    const published = f.jobs('push').filter((j) => j.uid === receipts[0]!.id);
    const full = [...published, ...f.jobs('email').filter((j) => j.uid === receipts[0]!.id)];
    expect(full).toHaveLength(2);
    const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));
    expect(bytes(receipts[0]!.data)).toBeLessThan(bytes({ ...receipts[0]!.data, jobs: full }) / 2);
    // No batch updates a receipt after publishing: the run's marker says it for all of them.
    expect(batches.flat().filter((op) => op.kind === 'update' && op.path.includes('/recipients/'))).toEqual([]);
    const runs = new Set(receipts.map((r) => r.data!.batch));
    expect(runs.size).toBe(1);
    const markers = await f.store.query(`events/${eventId}/publications`);
    expect(markers.map((m) => m.id)).toEqual([...runs]);
    expect(markers[0]!.data).toMatchObject({ receipts: 20 });
    expect(await unpublishedReceipts(f.store, eventId, receipts)).toEqual([]);
  });

  it('a retried attempt takes over receipts whose run left no marker and vouches for them with its own', async () => {
    const { f, followers } = await world(6);
    const event = communityEvent();
    const eventId = eventIdFor(event.idempotencyKey);
    await f.n.pipeline.submit(event, 'pubsub', 'submit');
    await f.n.pipeline.onFanout({ kind: 'chunk', eventId, uids: followers }, 'attempt-1');
    // Two receipts of the same attempt, committed by an invocation that is still publishing (or died): no marker yet.
    for (const uid of ['f0001', 'f0004'])
      await f.store.update(recipientPaths.receipt(eventId, uid), { batch: 'an-invocation-still-publishing' });
    const receiptsOf = () => f.store.query(`events/${eventId}/recipients`);
    expect((await unpublishedReceipts(f.store, eventId, await receiptsOf())).map((r) => r.id)).toEqual([
      'f0001',
      'f0004',
    ]);
    const pushBefore = f.jobs('push').length;
    // The same Pub/Sub message again (same attempt id): only those two are published again.
    await f.n.pipeline.onFanout({ kind: 'chunk', eventId, uids: followers }, 'attempt-1');
    expect(
      f
        .jobs('push')
        .slice(pushBefore)
        .map((j) => j.uid),
    ).toEqual(['f0001', 'f0004']);
    const after = await receiptsOf();
    expect(await unpublishedReceipts(f.store, eventId, after)).toEqual([]);
    const moved = after.filter((r) => ['f0001', 'f0004'].includes(r.id)).map((r) => r.data!.batch);
    expect(moved[0]).toBe(moved[1]);
    expect(moved[0]).not.toBe('an-invocation-still-publishing');
    // A third delivery finds everything published: nothing goes out again.
    const pushAfter = f.jobs('push').length;
    await f.n.pipeline.onFanout({ kind: 'chunk', eventId, uids: followers }, 'attempt-1');
    expect(f.jobs('push').length).toBe(pushAfter);
    expect((await f.notifications('f0001')).length).toBe(1);
  });

  it('mixed receipts: handled recipients are skipped, an unpublished one of a dead run is taken over, the rest written', async () => {
    const { f, followers } = await world(10);
    const event = communityEvent();
    const eventId = eventIdFor(event.idempotencyKey);
    await f.n.pipeline.submit(event, 'pubsub', 'submit');
    await f.n.pipeline.onFanout({ kind: 'chunk', eventId, uids: followers.slice(0, 4) }, 'run-1');
    // f0003's run "died" after committing, before publishing (long ago): its receipt names a run that left no marker.
    await f.store.update(recipientPaths.receipt(eventId, 'f0003'), {
      published: false,
      batch: 'a-run-that-died',
      claimedAt: new Date('2026-06-10T13:00:00Z'),
    });
    const pushBefore = f.jobs('push').length;
    await f.n.pipeline.onFanout({ kind: 'chunk', eventId, uids: followers }, 'run-2');
    const t = await tally(f, eventId);
    expect(t).toMatchObject({ notifications: 10, users: 10, receipts: 10, unpublished: 0 });
    // 6 new recipients and the taken-over one; the other 3 were done.
    expect(f.jobs('push').length - pushBefore).toBe(7);
    expect((await f.store.get(recipientPaths.receipt(eventId, 'f0003'))).data!.owner).toBe('run-2');
  });

  it('a run that dies after publishing, before its marker: each takeover publishes the very same jobs, rebuilt from the receipts', async () => {
    const { f, followers } = await world(12);
    // Variety the rebuild must get right: German, push only (no verified email), and (below) a burst's id and count.
    await f.user('f0001', { locale: 'de', phoneVerified: false });
    await f.user('f0002', { emailVerified: false, phoneVerified: false });
    for (const uid of followers) await f.store.set(audiencePaths.watcher('a1', uid), { uid });
    // auction.ending_soon is time-critical: the second one, a minute later, pushes at once inside the first's burst.
    const ending = (minutesLeft: number) =>
      envelope(
        'auction.ending_soon',
        { auctionId: 'a1', auctionTitle: 'Walnut bowl', endsAt: '2026-06-10T14:10:00Z', minutesLeft },
        { audience: { kind: 'auctionWatchers', auctionId: 'a1' } },
      );
    const { eventId: firstId } = await fanOut(f, ending(10));
    f.clock.advance(60_000);
    const event = ending(9);
    const eventId = eventIdFor(event.idempotencyKey);
    await f.n.pipeline.submit(event, 'pubsub', 'submit');
    const jobsOf = () =>
      (['push', 'sms', 'email'] as const).flatMap((topic) => f.jobs(topic).filter((j) => j.eventId === eventId));
    const set = f.store.set.bind(f.store);
    let dies = true;
    f.store.set = async (path, data, options) => {
      if (dies && path.includes('/publications/')) throw new Error('instance died');
      return set(path, data, options);
    };
    await expect(f.n.pipeline.onFanout({ kind: 'chunk', eventId, uids: followers }, 'attempt-1')).rejects.toThrow(
      /instance died/,
    );
    const first = jobsOf();
    expect(first.filter((j) => j.channel === 'push')).toHaveLength(12);
    const receiptsOf = () => f.store.query(`events/${eventId}/recipients`);
    expect(await unpublishedReceipts(f.store, eventId, await receiptsOf())).toHaveLength(12);
    // Taken over, and that run dies the same way; then taken over again. Each takeover rewrites the receipts'
    // claimedAt: the jobs keep their createdAt all the same.
    f.clock.advance(1_000);
    await expect(f.n.pipeline.onFanout({ kind: 'chunk', eventId, uids: followers }, 'attempt-1')).rejects.toThrow(
      /instance died/,
    );
    expect(jobsOf().slice(first.length)).toEqual(first);
    dies = false;
    f.clock.advance(1_000);
    await f.n.pipeline.onFanout({ kind: 'chunk', eventId, uids: followers }, 'attempt-1');
    const again = jobsOf().slice(2 * first.length);
    expect(again).toEqual(first);
    expect(again.find((j) => j.uid === 'f0001')).toMatchObject({ locale: 'de' });
    expect(again.filter((j) => j.uid === 'f0002').map((j) => j.channel)).toEqual(['push']);
    const burstId = `${firstId}_auction.ending_soon`;
    expect(again[0]).toMatchObject({
      notificationId: burstId,
      data: { auctionId: 'a1', notificationId: burstId, type: 'auction.ending_soon' },
      createdAt: '2026-06-10T14:01:00.000Z',
    });
    expect(await unpublishedReceipts(f.store, eventId, await receiptsOf())).toEqual([]);
  });

  it('a receipt in the former form (whole jobs) is taken over and its jobs published as they are', async () => {
    const { f, followers } = await world(3);
    const event = communityEvent();
    const eventId = eventIdFor(event.idempotencyKey);
    await f.n.pipeline.submit(event, 'pubsub', 'submit');
    await f.n.pipeline.onFanout({ kind: 'chunk', eventId, uids: followers }, 'run-1');
    const whole = [...f.jobs('push'), ...f.jobs('email')].filter((j) => j.uid === 'f0001');
    expect(whole).toHaveLength(2);
    // As a release before the compact receipts wrote it, by a run that died before publishing (long ago).
    const path = recipientPaths.receipt(eventId, 'f0001');
    const { locale: _l, createdAt: _c, ...rest } = (await f.store.get(path)).data!;
    await f.store.set(path, {
      ...rest,
      jobs: whole.map((j) => ({ ...j, content: { ...j.content, push: { title: 'as stored', body: 'then' } } })),
      batch: 'a-run-that-died',
      claimedAt: new Date('2026-06-10T13:00:00Z'),
    });
    const before = f.jobs('push').length;
    await f.n.pipeline.onFanout({ kind: 'chunk', eventId, uids: followers }, 'run-2');
    expect(f.jobs('push').slice(before)).toEqual([
      { ...whole.find((j) => j.channel === 'push')!, content: { push: { title: 'as stored', body: 'then' } } },
    ]);
  });

  it('writes in batches of at most 500, each recipient whole; one rate-limit transaction for the chunk', async () => {
    const { f, followers } = await world(500);
    const batches = recordCommits(f);
    let transactions = 0;
    const transaction = f.store.transaction.bind(f.store);
    f.store.transaction = (fn) => {
      transactions++;
      return transaction(fn);
    };
    const { eventId } = await fanOut(f);
    const recipientBatches = batches.filter((b) => b.some((op) => op.path.includes('/recipients/')));
    expect(recipientBatches.length).toBeGreaterThan(1);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(MAX_BATCH_OPS);
    // Every document of a recipient (their user subtree, their deliveries, their receipt) in exactly one batch.
    const writers = batches.filter((b) => b.some((op) => op.kind === 'create' && op.path.includes('/recipients/')));
    for (const uid of followers) {
      const holding = writers.filter((b) =>
        b.some((op) => op.path.includes(`/${uid}/`) || op.path.startsWith(`deliveries/${uid}_`)),
      );
      expect(holding).toHaveLength(1);
    }
    // The event's key claim, then one reservation transaction for the single chunk.
    expect(transactions).toBe(2);
    expect((await tally(f, eventId)).notifications).toBe(500);
  });

  it("rate limits stay exact: a follower at the day's in-app and email limits gets neither, the rest do", async () => {
    const { f } = await world(3, { inAppDailyLimit: 2, emailDailyLimit: 1 });
    await seedRateCount(f.store, 'f0001', 'inApp', DAY, 2);
    await seedRateCount(f.store, 'f0001', 'email', DAY, 1);
    const { eventId } = await fanOut(f);
    expect(await f.notifications('f0001')).toEqual([]);
    expect(await f.notifications('f0000')).toHaveLength(1);
    const email = await f.store.get(paths.delivery(deliveryId(eventId, 'f0001', 'email')));
    expect(email.data).toMatchObject({ status: 'suppressed', reason: 'rate_limited' });
    expect(f.jobs('email').map((j) => j.uid)).toEqual(['f0000', 'f0002']);
    expect((await rateCounter(f.store, 'f0000', 'email', DAY))?.count).toBe(1);
    expect((await rateCounter(f.store, 'f0001', 'email', DAY))?.count).toBe(1);
    expect((await rateCounter(f.store, 'f0001', 'inApp', DAY))?.count).toBe(2);
  });

  it('quiet hours hold the outbound channels in the digest; a second event of the same group collapses into it', async () => {
    const { f } = await world(2);
    // 14:00 UTC is 23:00 in Tokyo: quiet hours (22:00–07:00).
    await f.user('f0001', { timeZone: 'Asia/Tokyo', phoneVerified: false });
    const first = await fanOut(f, communityEvent('w1'));
    f.clock.advance(60_000);
    const second = await fanOut(f, communityEvent('w1'));
    const tokyo = await f.notifications('f0001');
    expect(tokyo).toHaveLength(1);
    expect(tokyo[0]).toMatchObject({ count: 2 });
    expect(f.jobs('push').filter((j) => j.uid === 'f0001')).toEqual([]);
    const digests = (await f.store.query('digests')).filter((d) => d.data!.uid === 'f0001');
    expect(digests).toHaveLength(1);
    const items = Object.values(digests[0]!.data!.items as Record<string, { count: number; deliveryIds: string[] }>);
    const push = items.find((i) => i.deliveryIds.some((id) => id.endsWith('_push')))!;
    expect(push.count).toBe(2);
    expect(push.deliveryIds).toEqual([
      deliveryId(first.eventId, 'f0001', 'push'),
      deliveryId(second.eventId, 'f0001', 'push'),
    ]);
    expect(digests[0]!.data).toMatchObject({ status: 'pending', releaseAt: new Date('2026-06-10T22:00:00Z') });
    // The UTC follower got two pushes (no quiet hours), grouped into one notification as well.
    expect(await f.notifications('f0000')).toEqual([expect.objectContaining({ count: 2 })]);
  });

  it('a page message with a cursor (from the former page-by-page walk) publishes the rest of the audience at once', async () => {
    const { f, followers } = await world(12, { fanoutChunkSize: 5 });
    const event = communityEvent();
    const eventId = eventIdFor(event.idempotencyKey);
    await f.n.pipeline.submit(event, 'pubsub', 'submit');
    const before = f.publisher.on(TOPICS.fanout).length;
    await f.n.pipeline.onFanout({ kind: 'page', eventId, cursor: followers[4] }, 'old-page');
    const published = f.publisher.on(TOPICS.fanout).slice(before);
    // The submit's own page is among them; the old page's chunks cover f0005.. in chunks of 5.
    const chunks = published.filter((m) => (m.data as { kind: string }).kind === 'chunk');
    expect(chunks.map((c) => (c.data as { uids: string[] }).uids)).toEqual([
      followers.slice(5, 10),
      followers.slice(10),
    ]);
  });
});

describe('fan-out chunk: commits', () => {
  /** Wraps the store's commit: how many are in flight at most, and each batch's writes. */
  function watchCommits(f: NotificationFixture, fail?: (ops: readonly WriteOp[]) => Error | undefined) {
    const seen = { calls: 0, inFlight: 0, maxInFlight: 0, sizes: [] as number[] };
    const commit = f.store.commit.bind(f.store);
    f.store.commit = async (ops) => {
      seen.calls++;
      seen.inFlight++;
      seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
      try {
        await new Promise((r) => setTimeout(r, 1));
        const error = fail?.(ops);
        if (error) throw error;
        if (ops.some((op) => op.path.includes('/recipients/'))) seen.sizes.push(ops.length);
        return await commit(ops);
      } finally {
        seen.inFlight--;
      }
    };
    return seen;
  }

  it('a chunk commits in batches of about COMMIT_BATCH_OPS writes, several but at most COMMIT_CONCURRENCY at once', async () => {
    const { f, followers } = await world(300);
    const seen = watchCommits(f);
    const { eventId } = await fanOut(f);
    expect((await tally(f, eventId)).notifications).toBe(followers.length);
    expect(seen.sizes.length).toBeGreaterThan(COMMIT_CONCURRENCY);
    expect(Math.max(...seen.sizes)).toBeLessThanOrEqual(COMMIT_BATCH_OPS);
    expect(seen.maxInFlight).toBeGreaterThan(1);
    expect(seen.maxInFlight).toBeLessThanOrEqual(COMMIT_CONCURRENCY);
  });

  it('a batch failing for another reason than a race stops the chunk from starting more, and the chunk fails', async () => {
    const { f, followers } = await world(300);
    const event = communityEvent();
    const eventId = eventIdFor(event.idempotencyKey);
    await f.n.pipeline.submit(event, 'pubsub', 'submit');
    const seen = watchCommits(f, (ops) =>
      ops.some((op) => op.path.includes('/recipients/')) ? new Error('14 UNAVAILABLE') : undefined,
    );
    await expect(f.n.pipeline.onFanout({ kind: 'chunk', eventId, uids: followers }, 'run-1')).rejects.toThrow(
      /UNAVAILABLE/,
    );
    // The batches already in flight settle; no further one starts after the first failure.
    expect(seen.calls).toBeLessThanOrEqual(COMMIT_CONCURRENCY);
    expect((await tally(f, eventId)).notifications).toBe(0);
  });
});

describe('packBatches', () => {
  const r = (id: number, ops: number) => ({ id, ops: Array.from({ length: ops }, () => 0) });

  it('fills batches up to 500 writes and never splits a recipient', () => {
    const batches = packBatches(Array.from({ length: 150 }, (_, i) => r(i, 7)));
    expect(batches.map((b) => b.length)).toEqual([71, 71, 8]);
    expect(batches.every((b) => b.reduce((n, x) => n + x.ops.length, 0) <= MAX_BATCH_OPS)).toBe(true);
    expect(packBatches([r(1, 250), r(2, 250), r(3, 1)]).map((b) => b.map((x) => x.id))).toEqual([[1, 2], [3]]);
    expect(packBatches([r(1, 499), r(2, 2)]).map((b) => b.map((x) => x.id))).toEqual([[1], [2]]);
  });

  it('refuses a recipient that alone needs more than a batch', () => {
    expect(() => packBatches([r(1, 501)])).toThrow(/501 writes/);
    expect(() => packBatches([r(1, 501)], 100)).toThrow(/501 writes/);
  });

  it('fills to a smaller target; a recipient over it gets a batch of its own, never an empty one', () => {
    expect(
      packBatches(
        Array.from({ length: 150 }, (_, i) => r(i, 7)),
        100,
      ).map((b) => b.length),
    ).toEqual([...Array<number>(10).fill(14), 10]);
    expect(packBatches([r(1, 3), r(2, 150), r(3, 3), r(4, 3)], 100).map((b) => b.map((x) => x.id))).toEqual([
      [1],
      [2],
      [3, 4],
    ]);
    // A target above Firestore's cap is the cap.
    expect(packBatches([r(1, 400), r(2, 200)], 1_000).map((b) => b.map((x) => x.id))).toEqual([[1], [2]]);
  });
});
