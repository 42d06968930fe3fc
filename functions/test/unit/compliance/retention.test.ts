import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { paths } from '../../../src/domain/paths.js';
import { RETENTION_RULES, TTL_COLLECTIONS } from '../../../src/domain/compliance/retention.js';
import { bareWorld, seedConversation, seedMessage, seedUser } from '../../support/world.js';

describe('retention sweep', () => {
  it('deletes notifications and deliveries after a year and messages after seven, keeps analytics, and is idempotent', async () => {
    const { infra, services } = bareWorld({ now: '2025-06-01T00:00:00Z' });
    const { store } = infra;
    await seedUser(store, 'alice');
    await seedConversation(store, 'c1', ['alice', 'bob']);
    await store.set(paths.notification('alice', 'old'), { title: 'x', createdAt: new Date('2024-05-01T00:00:00Z') });
    await store.set(paths.notification('alice', 'new'), { title: 'y', createdAt: new Date('2024-07-01T00:00:00Z') });
    await store.set(paths.delivery('d-old'), { uid: 'alice', createdAt: new Date('2024-05-31T00:00:00Z') });
    await store.set(paths.delivery('d-old-iso'), { uid: 'alice', createdAt: '2024-05-30T00:00:00.000Z' });
    await store.set(paths.delivery('d-new'), { uid: 'alice', createdAt: new Date('2024-06-02T00:00:00Z') });
    await seedMessage(store, 'c1', 'ancient', {
      senderId: 'alice',
      text: 'old deal',
      createdAt: new Date('2018-05-01T00:00:00Z'),
    });
    await seedMessage(store, 'c1', 'recent', {
      senderId: 'alice',
      text: 'newer deal',
      createdAt: new Date('2019-06-01T00:00:00Z'),
    });
    await store.set('analytics/daily-2017-01-01', { sent: 10, createdAt: new Date('2017-01-01T00:00:00Z') });
    await services.search.indexer.reindexConversation('c1');
    expect(infra.messageIndex.records.has('c1/ancient')).toBe(true);

    expect(await services.compliance.retention.sweep()).toMatchObject({ notifications: 1, deliveries: 2, messages: 1 });
    const dump = infra.store.dump();
    expect(
      Object.keys(dump)
        .filter((p) => /notifications|deliveries|messages|analytics/.test(p))
        .sort(),
    ).toEqual([
      'analytics/daily-2017-01-01',
      'conversations/c1/messages/recent',
      'deliveries/d-new',
      'users/alice/notifications/new',
    ]);
    expect(infra.messageIndex.records.has('c1/ancient')).toBe(false);
    expect(infra.messageIndex.records.has('c1/recent')).toBe(true);
    expect(await services.compliance.retention.sweep()).toMatchObject({ notifications: 0, deliveries: 0, messages: 0 });
  });

  it('deletes the pipeline records (events, receipts, idempotency claims, digests, announcement page claims) after 90 days and moderation items after a year', async () => {
    const { infra, services } = bareWorld({ now: '2025-06-01T00:00:00Z' });
    const { store } = infra;
    const old = new Date('2025-02-01T00:00:00Z'); // 120 days
    const recent = new Date('2025-05-01T00:00:00Z'); // 31 days
    await store.set('events/e-old', {
      type: 'social.new_follower',
      occurredAt: old,
      payload: { followerName: 'Alice' },
    });
    await store.set('events/e-old/recipients/bob', { uid: 'bob', claimedAt: old, jobs: [] });
    await store.set('events/e-rejected', {
      status: 'rejected',
      rejectedAt: old,
      received: { json: '{"name":"Alice"}' },
    });
    await store.set('events/e-new', { type: 'social.new_follower', occurredAt: recent, payload: {} });
    await store.set('events/e-new/recipients/bob', { uid: 'bob', claimedAt: recent, jobs: [] });
    await store.set('eventKeys/k-old', { eventId: 'e-old', at: old });
    await store.set('eventKeys/k-new', { eventId: 'e-new', at: recent });
    await store.set('digests/bob_1', { uid: 'bob', status: 'released', createdAt: old });
    await store.set('digests/bob_2', { uid: 'bob', status: 'pending', createdAt: recent });
    await store.set('moderationQueue/m-old', { excerpt: 'x', createdAt: new Date('2024-05-01T00:00:00Z') });
    await store.set('moderationQueue/m-new', { excerpt: 'y', createdAt: old });
    await store.set('announcements/a1/pages/first', { uids: ['bob'], next: null, members: 1, createdAt: old });
    await store.set('announcements/a1/pages/after_x', { next: null, members: 1, done: true, createdAt: recent });

    expect(await services.compliance.retention.sweep()).toMatchObject({
      events: 2,
      recipients: 1,
      eventKeys: 1,
      digests: 1,
      moderationQueue: 1,
      pages: 1,
    });
    expect(Object.keys(store.dump()).sort()).toEqual([
      'announcements/a1/pages/after_x',
      'digests/bob_2',
      'eventKeys/k-new',
      'events/e-new',
      'events/e-new/recipients/bob',
      'moderationQueue/m-new',
    ]);
    expect(await services.compliance.retention.sweep()).toMatchObject({
      events: 0,
      recipients: 0,
      eventKeys: 0,
      digests: 0,
      moderationQueue: 0,
      pages: 0,
    });
  });

  it('fails an export whose instance died mid-upload (or a PDF never rendered) and deletes its partial object; running and finished jobs stay', async () => {
    const { infra, services } = bareWorld({ now: '2025-06-01T12:00:00Z' });
    const { store, exportStorage } = infra;
    const write = (path: string) =>
      exportStorage.write(path, 'application/json', Readable.from([Buffer.from('{"messages": [')]));
    await store.set('exports/dead', {
      ownerUid: 'alice',
      status: 'running',
      path: 'exports/alice/dead.json',
      createdAt: new Date('2025-06-01T11:40:00Z'),
    });
    await write('exports/alice/dead.json');
    await store.set('exports/busy', {
      ownerUid: 'alice',
      status: 'running',
      path: 'exports/alice/busy.json',
      createdAt: new Date('2025-06-01T11:55:00Z'),
    });
    await write('exports/alice/busy.json');
    await store.set('exports/never-rendered', {
      ownerUid: 'alice',
      status: 'queued',
      format: 'pdf',
      path: 'exports/alice/never-rendered.pdf',
      createdAt: new Date('2025-06-01T11:00:00Z'),
    });
    await store.set('exports/done', {
      ownerUid: 'alice',
      status: 'done',
      path: 'exports/alice/done.json',
      createdAt: new Date('2025-06-01T10:00:00Z'),
    });
    await write('exports/alice/done.json');

    expect(await services.compliance.retention.sweep()).toMatchObject({ staleExports: 2 });
    expect(store.dump()['exports/never-rendered']).toMatchObject({ status: 'failed' });
    expect(store.dump()['exports/dead']).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('did not finish'),
    });
    expect(store.dump()['exports/busy']!.status).toBe('running');
    expect([...exportStorage.objects.keys()].sort()).toEqual(['exports/alice/busy.json', 'exports/alice/done.json']);
    expect((await services.compliance.retention.sweep()).staleExports).toBeUndefined();
  });

  it('deletes the daily rate-limit counters whose day is over (their expiresAt), never the unread or other counters', async () => {
    const { infra, services } = bareWorld({ now: '2026-06-10T14:00:00Z' });
    const { store } = infra;
    const limiter = services.notifications.rateLimiter;
    // Counted on the 6th (expires the 9th) and today (expires the 13th).
    const then = new Date('2026-06-06T14:00:00Z');
    await limiter.tryConsume({ uid: 'bob', channel: 'sms', timeZone: 'Pacific/Kiritimati', now: then });
    await limiter.tryConsume({ uid: 'bob', channel: 'sms', timeZone: 'UTC', now: new Date('2026-06-10T13:00:00Z') });
    await store.set(paths.counter('bob', 'notifications'), { unread: 3, byCategory: { social: 3 } });
    await store.set(paths.counter('bob', 'following'), { count: 2, updatedAt: then });

    expect(await services.compliance.retention.sweep()).toMatchObject({ counters: 1 });
    expect(
      Object.keys(store.dump())
        .filter((p) => p.includes('/counters/'))
        .sort(),
    ).toEqual([
      'users/bob/counters/following',
      'users/bob/counters/notifications',
      'users/bob/counters/rate_2026-06-10',
    ]);
  });

  it('every collection whose writers set expiresAt has a TTL policy in firestore.indexes.json and a sweep rule', () => {
    const file = JSON.parse(readFileSync(resolve('../firestore.indexes.json'), 'utf8')) as {
      fieldOverrides: Array<{ collectionGroup: string; fieldPath: string; ttl?: boolean }>;
    };
    const ttl = new Set(
      file.fieldOverrides.filter((o) => o.ttl && o.fieldPath === 'expiresAt').map((o) => o.collectionGroup),
    );
    for (const collection of TTL_COLLECTIONS) {
      expect(ttl, collection).toContain(collection);
      expect(
        RETENTION_RULES.map((r) => r.collection),
        collection,
      ).toContain(collection);
    }
  });
});
