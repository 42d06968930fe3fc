import functionsTest from 'firebase-functions-test';
import { z } from 'zod';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/adapters/clocks.js';
import { MemoryDocumentStore } from '../../../src/adapters/memory/memoryDocumentStore.js';
import { MemoryLogger } from '../../../src/adapters/memory/memoryLogger.js';
import { EventRetryPolicy, isPermanent, MAX_EVENT_AGE_MS } from '../../../src/app/retryPolicy.js';
import { AppError, DocNotFoundError } from '../../../src/domain/errors.js';
import { EventRejected } from '../../../src/domain/notifications/events.js';
import { useServices } from '../../../src/functions/runtime.js';
import { onAuthUserDeleted } from '../../../src/functions/compliance.js';
import { notificationsFanout, onNotificationEventCreated } from '../../../src/functions/notifications.js';
import { algoliaIndexOn, FakeAlgolia } from '../../support/fakes/algoliaServer.js';
import { bareWorld, seedConversation, seedMessage, seedUser } from '../../support/world.js';

const fft = functionsTest({ projectId: 'demo-retry' });
const NOW = '2026-06-10T14:00:00Z';
const deadLetters = (dump: Record<string, Record<string, unknown>>) =>
  Object.entries(dump).filter(([path]) => path.startsWith('deadLetters/'));

describe('retry policy: retry only what can succeed later', () => {
  const world = () => {
    const store = new MemoryDocumentStore();
    const logger = new MemoryLogger();
    const policy = new EventRetryPolicy({ store, clock: new ManualClock(new Date(NOW)), logger });
    return { store, logger, policy };
  };
  const event = { trigger: 'pubsub:deliver-sms', eventId: 'e1', time: NOW };

  it.each([
    ['a missing document', new DocNotFoundError('events/gone')],
    ['a validation error', new EventRejected('type', 'unknown event type')],
    ["zod's validation error", z.object({ a: z.string() }).safeParse({}).error],
    ['bad input', new AppError('invalid-argument', 'data.x: required')],
  ])('%s is recorded with its reason and acknowledged, not rethrown', async (_what, error) => {
    const { store, policy } = world();
    await expect(policy.run(event, () => Promise.reject(error))).resolves.toBe('permanent-failure');
    const letters = deadLetters(store.dump());
    expect(letters).toHaveLength(1);
    expect(letters[0]![1]).toMatchObject({
      trigger: 'pubsub:deliver-sms',
      eventId: 'e1',
      reason: 'permanent-failure',
      error: (error as Error).message,
    });
  });

  it.each([
    ['a store or provider error', Object.assign(new Error('14 UNAVAILABLE: connection reset'), { code: 14 })],
    ['an AppError unavailable', new AppError('unavailable', 'provider down')],
    ['a missing secret (a deploy fixes it)', new AppError('failed-precondition', 'secret X is not configured')],
  ])('%s is rethrown for redelivery and nothing is recorded', async (_what, error) => {
    const { store, policy } = world();
    await expect(policy.run(event, () => Promise.reject(error))).rejects.toBe(error);
    expect(deadLetters(store.dump())).toEqual([]);
  });

  it('an event older than the cutoff is dropped and recorded without running', async () => {
    const { store, policy } = world();
    let ran = false;
    const old = { ...event, time: new Date(Date.parse(NOW) - MAX_EVENT_AGE_MS - 1000).toISOString() };
    await expect(policy.run(old, async () => (ran = true))).resolves.toBe('too-old');
    expect(ran).toBe(false);
    expect(deadLetters(store.dump())[0]![1]).toMatchObject({ reason: 'too-old', eventId: 'e1' });
    // Just inside the cutoff: handled.
    const recent = { ...event, time: new Date(Date.parse(NOW) - MAX_EVENT_AGE_MS + 1000).toISOString() };
    await expect(policy.run(recent, async () => (ran = true))).resolves.toBe('handled');
    expect(ran).toBe(true);
  });

  it('a redelivered permanent failure leaves one dead letter', async () => {
    const { store, policy } = world();
    for (let i = 0; i < 2; i++) await policy.run(event, () => Promise.reject(new DocNotFoundError('events/gone')));
    expect(deadLetters(store.dump())).toHaveLength(1);
    expect(isPermanent(new Error('socket hang up'))).toBe(false);
  });
});

describe('the event functions, through their wrappers', () => {
  let store: MemoryDocumentStore;
  beforeEach(() => {
    store = bareWorld({ now: NOW, install: true }).infra.store;
  });
  afterAll(() => useServices(undefined));

  it('a fan-out message for an events/ document that does not exist is dead-lettered, not retried for a day', async () => {
    const message = { json: { kind: 'page', eventId: 'evt_missing' }, messageId: 'm1', attributes: {} };
    const wrapped = fft.wrap(notificationsFanout) as unknown as (event: unknown) => Promise<unknown>;
    await expect(
      wrapped({ data: { message: { ...message, publishTime: NOW } }, id: 'ce-1', time: NOW }),
    ).resolves.not.toThrow();
    const letters = deadLetters(store.dump());
    expect(letters).toHaveLength(1);
    expect(letters[0]![1]).toMatchObject({ trigger: 'pubsub:notification-fanout', reason: 'permanent-failure' });
  });

  it('an events/ document older than the cutoff is recorded, not processed', async () => {
    const wrapped = fft.wrap(onNotificationEventCreated) as unknown as (event: unknown) => Promise<unknown>;
    const data = fft.firestore.makeDocumentSnapshot({ type: 'outbid' }, 'events/e-old');
    const time = new Date(Date.parse(NOW) - MAX_EVENT_AGE_MS - 60_000).toISOString();
    await wrapped({ data, params: { eventId: 'e-old' }, id: 'ce-2', time });
    expect(deadLetters(store.dump())[0]![1]).toMatchObject({ reason: 'too-old', eventId: 'ce-2' });
    expect(store.dump()['events/e-old']).toBeUndefined();
  });

  it('every retried event function declares retry; the Auth delete trigger through failurePolicy', () => {
    expect(notificationsFanout.__endpoint.eventTrigger?.retry).toBe(true);
    expect(onNotificationEventCreated.__endpoint.eventTrigger?.retry).toBe(true);
    expect(onAuthUserDeleted.__endpoint.eventTrigger?.retry).toBe(true);
  });
});

describe('the Auth delete trigger retries an Algolia outage, and erasure is idempotent', () => {
  let fake: FakeAlgolia;
  beforeEach(async () => {
    fake = await new FakeAlgolia().start();
  });
  afterEach(async () => {
    useServices(undefined);
    await fake.stop();
  });

  it('throws while Algolia is down (so Cloud Functions redelivers), then erases; twice in a row equals once', async () => {
    const { infra, services } = bareWorld({
      now: NOW,
      adapters: { messageIndex: algoliaIndexOn(fake) },
      install: true,
    });
    await seedUser(infra.store, { uid: 'alice', displayName: 'Alice Weaverly', email: 'alice@example.com' });
    await seedUser(infra.store, { uid: 'bob', displayName: 'Bob Potter' });
    await seedConversation(infra.store, 'c1', ['alice', 'bob']);
    await seedMessage(infra.store, 'c1', 'm1', { senderId: 'alice', text: 'Mail me: alice@example.com' });
    await services.search.indexer.reindexConversation('c1');
    expect(fake.allText()).toContain('alice@example.com');
    const wrapped = fft.wrap(onAuthUserDeleted as never) as unknown as (user: unknown) => Promise<void>;
    const user = fft.auth.makeUserRecord({ uid: 'alice', email: 'alice@example.com', displayName: 'Alice Weaverly' });

    fake.failWith(503);
    await expect(wrapped(user)).rejects.toThrow();
    expect(deadLetters(infra.store.dump())).toEqual([]);

    fake.failWith(undefined);
    await wrapped(user);
    const once = JSON.stringify(infra.store.dump());
    expect(once + fake.allText()).not.toContain('alice@example.com');
    await wrapped(user);
    expect(JSON.stringify(infra.store.dump())).toBe(once);
  });
});
