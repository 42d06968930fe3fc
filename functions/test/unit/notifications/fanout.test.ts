import { describe, expect, it } from 'vitest';
import { eventIdFor } from '../../../src/app/notifications/eventPipeline.js';
import { TOPICS } from '../../../src/domain/channels.js';
import { paths } from '../../../src/domain/paths.js';
import { notificationFixture, followersWorkshop } from './fixture.js';

describe('audience fan-out', () => {
  it('10,000 followers fan out in chunks through Pub/Sub; every follower gets exactly one notification', async () => {
    const f = notificationFixture('2026-06-10T14:00:00Z');
    const followers = Array.from({ length: 10_000 }, (_, i) => `f${String(i).padStart(5, '0')}`);
    // Profiles for all followers (one batch of 500 at a time).
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
    await f.publisher.publish(TOPICS.domainEvents, event);
    await f.publisher.drain();

    const fanout = f.publisher.on(TOPICS.fanout).map((m) => m.data as { kind: string; uids?: string[] });
    const chunks = fanout.filter((m) => m.kind === 'chunk');
    expect(chunks).toHaveLength(20);
    expect(Math.max(...chunks.map((c) => c.uids!.length))).toBe(500);
    // Every follower in exactly one chunk.
    const inChunks = chunks.flatMap((c) => c.uids!);
    expect(new Set(inChunks).size).toBe(10_000);
    expect(inChunks).toHaveLength(10_000);

    // Exactly one notification each: every user's notifications, counted.
    const all = await f.store.queryGroup('notifications');
    expect(all).toHaveLength(10_000);
    expect(new Set(all.map((s) => s.path.split('/')[1])).size).toBe(10_000);
    expect(await f.notifications('kai')).toEqual([]); // the host is not told about their own event
    expect(f.jobs('push')).toHaveLength(10_000);

    // A redelivered chunk changes nothing.
    const eventId = eventIdFor(event.idempotencyKey);
    const receipts = (await f.store.query(`events/${eventId}/recipients`)).length;
    await f.publisher.redeliver(
      f.publisher.on(TOPICS.fanout).find((m) => (m.data as { kind: string }).kind === 'chunk')!,
    );
    expect(await f.store.queryGroup('notifications')).toHaveLength(10_000);
    expect(f.jobs('push')).toHaveLength(10_000);
    expect((await f.store.query(`events/${eventId}/recipients`)).length).toBe(receipts);
  }, 120_000);
});
