import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/adapters/clocks.js';
import { MemoryDocumentStore } from '../../../src/adapters/memory/memoryDocumentStore.js';
import { audiencePage } from '../../../src/app/notifications/audience.js';
import type { ListQuery } from '../../../src/app/notifications/notificationCenter.js';
import { NotificationCenter } from '../../../src/app/notifications/notificationCenter.js';

/**
 * Queries whose shape depends on their input, driven through every combination, so that the index check that runs
 * after each unit test file (test/support/queryRecorder.ts) sees each shape they can issue in production, not only
 * the ones the feature tests happen to use.
 */
describe('every query shape of inputs that change it', () => {
  it('the notification center list: category or type × read × archived × date range × order × cursor', async () => {
    const center = new NotificationCenter(new MemoryDocumentStore(), new ManualClock('2026-06-10T14:00:00Z'));
    const cursorOf = (values: unknown[]) => Buffer.from(JSON.stringify(values)).toString('base64url');
    let calls = 0;
    for (const filter of [{}, { category: 'social' }, { type: 'social.new_follower' }] as const)
      for (const read of [undefined, true, false])
        for (const archived of [false, true])
          for (const from of [undefined, '2026-06-01T00:00:00Z'])
            for (const to of [undefined, '2026-06-30T00:00:00Z'])
              for (const order of ['newest', 'oldest', 'unreadFirst'] as const)
                for (const withCursor of [false, true]) {
                  const cursor = withCursor
                    ? cursorOf(
                        order === 'unreadFirst'
                          ? [false, '2026-06-09T00:00:00.000Z_n1']
                          : ['2026-06-09T00:00:00.000Z_n1'],
                      )
                    : undefined;
                  const input: ListQuery = {
                    archived,
                    order,
                    ...filter,
                    ...(read !== undefined ? { read } : {}),
                    ...(from ? { from } : {}),
                    ...(to ? { to } : {}),
                    ...(cursor ? { cursor } : {}),
                  };
                  await center.list('u1', input);
                  calls++;
                }
    expect(calls).toBe(432);
  });

  it('the notification center search: archived or not or both, first page and after a cursor', async () => {
    const center = new NotificationCenter(new MemoryDocumentStore(), new ManualClock('2026-06-10T14:00:00Z'));
    const cursor = Buffer.from(JSON.stringify(['2026-06-09T00:00:00.000Z_n1'])).toString('base64url');
    for (const archived of [undefined, false, true])
      for (const after of [undefined, cursor])
        await center.search('u1', {
          query: 'walnut',
          ...(archived !== undefined ? { archived } : {}),
          ...(after ? { cursor: after } : {}),
        });
  });

  it('audience pages: followers and watchers, first page and after a cursor', async () => {
    const store = new MemoryDocumentStore();
    for (const audience of [
      { kind: 'followers' as const, creatorId: 'c1' },
      { kind: 'auctionWatchers' as const, auctionId: 'a1' },
    ]) {
      await audiencePage(store, audience, 100);
      await audiencePage(store, audience, 100, 'u9');
    }
  });
});
