import { describe, expect, it } from 'vitest';
import { memoryInfra } from '../../../src/composition/memory.js';
import { buildServices } from '../../../src/composition/services.js';
import { paths } from '../../../src/domain/paths.js';
import { seedConversation, seedMessage, seedUser } from '../search/fixtures.js';

describe('retention sweep', () => {
  it('deletes notifications and deliveries after a year and messages after seven, keeps analytics, and is idempotent', async () => {
    const infra = memoryInfra({ now: '2025-06-01T00:00:00Z' });
    const services = buildServices(infra);
    const { store } = infra;
    await seedUser(store, 'alice');
    await seedConversation(store, 'c1', ['alice', 'bob']);
    await store.set(paths.notification('alice', 'old'), { title: 'x', createdAt: new Date('2024-05-01T00:00:00Z') });
    await store.set(paths.notification('alice', 'new'), { title: 'y', createdAt: new Date('2024-07-01T00:00:00Z') });
    await store.set(paths.delivery('d-old'), { uid: 'alice', createdAt: new Date('2024-05-31T00:00:00Z') });
    await store.set(paths.delivery('d-old-iso'), { uid: 'alice', createdAt: '2024-05-30T00:00:00.000Z' });
    await store.set(paths.delivery('d-new'), { uid: 'alice', createdAt: new Date('2024-06-02T00:00:00Z') });
    await seedMessage(store, 'c1', 'ancient', { senderId: 'alice', text: 'old deal', createdAt: new Date('2018-05-01T00:00:00Z') });
    await seedMessage(store, 'c1', 'recent', { senderId: 'alice', text: 'newer deal', createdAt: new Date('2019-06-01T00:00:00Z') });
    await store.set('analytics/daily-2017-01-01', { sent: 10, createdAt: new Date('2017-01-01T00:00:00Z') });
    await services.search.indexer.reindexConversation('c1');
    expect(infra.messageIndex.records.has('c1/ancient')).toBe(true);

    expect(await services.compliance.retention.sweep()).toEqual({ notifications: 1, deliveries: 2, messages: 1 });
    const dump = infra.store.dump();
    expect(Object.keys(dump).filter((p) => /notifications|deliveries|messages|analytics/.test(p)).sort()).toEqual([
      'analytics/daily-2017-01-01',
      'conversations/c1/messages/recent',
      'deliveries/d-new',
      'users/alice/notifications/new',
    ]);
    expect(infra.messageIndex.records.has('c1/ancient')).toBe(false);
    expect(infra.messageIndex.records.has('c1/recent')).toBe(true);
    expect(await services.compliance.retention.sweep()).toEqual({ notifications: 0, deliveries: 0, messages: 0 });
  });
});
