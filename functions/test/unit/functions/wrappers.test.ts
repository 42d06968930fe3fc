import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import functionsTest from 'firebase-functions-test';
import { Timestamp } from 'firebase-admin/firestore';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CallableFunction } from 'firebase-functions/v2/https';
import type { Services } from '../../../src/composition/services.js';
import { useServices } from '../../../src/functions/runtime.js';
import { docCreated, docUpdated } from '../../../src/functions/triggers.js';
import { onMessageCreated } from '../../../src/functions/messaging.js';
import { deleteMyAccount } from '../../../src/functions/compliance.js';
import { paths } from '../../../src/domain/paths.js';
import { call } from '../../support/callables.js';
import type { TestWorld } from '../../support/world.js';
import { bareWorld, testWorld } from '../../support/world.js';

const fft = functionsTest({ projectId: 'demo-wrappers' });

describe('every wrapper is a few lines', () => {
  // The helpers see the adapters; no wrapper does, and no wrapper builds a function itself: each goes through a
  // helper, which applies the shared options.
  const HELPERS = new Set([
    'callable.ts',
    'triggers.ts',
    'events.ts',
    'eventRetry.ts',
    'runtime.ts',
    'options.ts',
    'targets.ts',
  ]);
  const dir = resolve('src/functions');
  const wrappers = readdirSync(dir).filter((f) => f.endsWith('.ts') && !HELPERS.has(f));

  it.each(wrappers)('%s reaches no adapter and builds its functions through the helpers', (file) => {
    const source = readFileSync(resolve(dir, file), 'utf8');
    expect(source).not.toMatch(/\.infra\b/);
    expect(source).not.toMatch(/from 'firebase-functions/);
    expect(source).not.toMatch(/from '\.\.\/(adapters|composition)\//);
  });
});

describe('Firestore trigger helpers', () => {
  beforeEach(() => {
    bareWorld({ now: '2026-06-10T14:00:00Z', install: true });
  });
  afterAll(() => useServices(undefined));

  it('docCreated hands the use case plain data (Timestamps as Dates), the path params and the event id', async () => {
    const seen = vi.fn(async (_event: unknown) => undefined);
    const fn = docCreated('things/{thingId}/parts/{partId}', async (event) => seen(event));
    const at = new Date('2026-06-01T10:00:00Z');
    const snapshot = fft.firestore.makeDocumentSnapshot(
      { name: 'bowl', at: Timestamp.fromDate(at), nested: { at: Timestamp.fromDate(at) } },
      'things/t1/parts/p1',
    );
    await fft.wrap(fn)({ data: snapshot, params: { thingId: 't1', partId: 'p1' }, id: 'event-1' } as never);
    expect(seen).toHaveBeenCalledWith({
      params: { thingId: 't1', partId: 'p1' },
      data: { name: 'bowl', at, nested: { at } },
      eventId: 'event-1',
    });
  });

  it('docUpdated hands both versions', async () => {
    const seen = vi.fn(async (_event: unknown) => undefined);
    const fn = docUpdated('users/{uid}', async (event) => seen(event));
    const before = fft.firestore.makeDocumentSnapshot({ displayName: 'Ana' }, 'users/u1');
    const after = fft.firestore.makeDocumentSnapshot({ displayName: 'Ana B' }, 'users/u1');
    await fft.wrap(fn)({ data: fft.makeChange(before, after), params: { uid: 'u1' }, id: 'event-2' } as never);
    expect(seen).toHaveBeenCalledWith({
      params: { uid: 'u1' },
      before: { displayName: 'Ana' },
      after: { displayName: 'Ana B' },
      eventId: 'event-2',
    });
  });
});

describe('wrappers hand over; the use case decides', () => {
  let s: Services;
  let infra: TestWorld['infra'];
  beforeEach(async () => {
    ({ infra, services: s } = await testWorld({ now: '2026-06-10T14:00:00Z', users: ['alice', 'bob'], install: true }));
  });
  afterAll(() => useServices(undefined));

  const runCreated = (cid: string, mid: string, data: Record<string, unknown>) =>
    fft.wrap(onMessageCreated)({
      data: fft.firestore.makeDocumentSnapshot(data, paths.message(cid, mid)),
      params: { cid, mid },
      id: `created-${mid}`,
    } as never);

  it('onMessageCreated works on the message as it is now, not as the (late) event carried it', async () => {
    const { conversationId: cid } = await s.messaging.conversations.createGroup(
      { uid: 'alice', roles: new Set() },
      { title: 'Weavers', memberIds: ['bob'], settings: {} },
    );
    const sent = {
      senderId: 'bob',
      type: 'text',
      text: 'first draft',
      clientMessageId: 'c1',
      createdAt: new Date('2026-06-10T14:00:01Z'),
    };
    // The sender edited it before the trigger ran: the summary must not show the old text.
    const editedAt = new Date('2026-06-10T14:00:30Z');
    await s.infra.store.set(paths.message(cid, 'm1'), {
      ...sent,
      text: 'final',
      editedAt,
      editHistory: [{ text: 'first draft', editedAt: sent.createdAt }],
    });
    await runCreated(cid, 'm1', sent);
    expect((await s.infra.store.get(paths.conversation(cid))).data?.lastMessage).toMatchObject({
      messageId: 'm1',
      preview: 'final',
    });
    // Gone before the trigger ran: nothing is counted, summarised or audited.
    const before = infra.store.dump();
    await runCreated(cid, 'm2', { ...sent, clientMessageId: 'c2' });
    expect(infra.store.dump()).toEqual(before);
  });

  it('deleteMyAccount: erasure, then the Auth account; a failure between the two is finished by the retry', async () => {
    const deleteUser = vi.spyOn(infra.accounts, 'deleteUser').mockRejectedValueOnce(new Error('auth unavailable'));
    const fn = deleteMyAccount as CallableFunction<unknown, unknown>;
    await expect(call(fn, { confirm: true }, { uid: 'alice' })).rejects.toMatchObject({ code: 'internal' });
    expect((await s.infra.store.get(paths.user('alice'))).exists).toBe(false);
    await expect(call(fn, { confirm: true }, { uid: 'alice' })).resolves.toMatchObject({ uid: 'alice' });
    expect(deleteUser.mock.calls).toEqual([['alice'], ['alice']]);
    // Erasure is audited once however often it ran.
    expect((await s.infra.store.query('auditLog')).filter((d) => d.data?.action === 'user.erase')).toHaveLength(1);
  });
});
