import functionsTest from 'firebase-functions-test';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CallableFunction } from 'firebase-functions/v2/https';
import { useServices } from '../../../src/functions/runtime.js';
import {
  deleteMyAccount,
  exportConversation,
  exportMyData,
  onAuthUserDeleted,
} from '../../../src/functions/compliance.js';
import { paths } from '../../../src/domain/paths.js';
import { call } from '../../support/callables.js';
import { algoliaIndexOn, FakeAlgolia } from '../../support/fakes/algoliaServer.js';
import { bareWorld, seedConversation, seedMessage, seedUser } from '../../support/world.js';
import { deliveryId } from '../../../src/domain/delivery.js';

const fft = functionsTest();
const NAME = 'Alice Weaverly';
const EMAIL = 'alice.weaverly@example.com';
const PHONE = '+4915112345678';

/** The test world installed for the callables, with the real Algolia client against the loopback server. */
const aliceWorld = (fake: FakeAlgolia) =>
  bareWorld({ now: '2024-06-01T00:00:00Z', adapters: { messageIndex: algoliaIndexOn(fake) }, install: true });
type AliceWorld = ReturnType<typeof aliceWorld>;

async function seedAlice(infra: Pick<AliceWorld['infra'], 'store'>) {
  const { store } = infra;
  await seedUser(store, {
    uid: 'alice',
    displayName: NAME,
    email: EMAIL,
    emailVerified: true,
    phone: PHONE,
    phoneVerified: true,
  });
  await seedUser(store, { uid: 'bob', displayName: 'Bob Potter' });
  await store.set(paths.preferences('alice'), {
    channels: { sms: true },
    quietHours: { start: '22:00', end: '07:00' },
  });
  await store.set(paths.device('alice', 'd1'), { token: 'fcm-token-alice', platform: 'android' });
  await store.set(paths.key('alice', 'd1'), { publicKey: 'BASE64KEY', alg: 'X25519' });
  await store.set(paths.notification('alice', 'n1'), {
    title: 'Outbid',
    body: `Hi ${NAME}, you were outbid`,
    createdAt: new Date('2024-05-01T00:00:00Z'),
  });
  await store.set(paths.counter('alice', 'notifications'), { unread: 1 });
  await store.set(paths.delivery(deliveryId('e1', 'alice', 'sms')), {
    uid: 'alice',
    channel: 'sms',
    to: PHONE,
    createdAt: new Date('2024-05-01T00:00:00Z'),
  });
  await store.set(paths.delivery(deliveryId('e1', 'bob', 'push')), {
    uid: 'bob',
    channel: 'push',
    createdAt: new Date('2024-05-01T00:00:00Z'),
  });
  // A conversation with Bob, whose title and summary name her, and Bob's notification about her message.
  await seedConversation(store, 'c1', ['alice', 'bob'], {
    title: `${NAME} & Bob Potter`,
    lastMessage: { senderName: NAME, text: 'Call me' },
  });
  await store.update(paths.member('c1', 'alice'), { displayName: NAME });
  await seedMessage(store, 'c1', 'm1', {
    senderId: 'alice',
    text: `Call me on ${PHONE} or mail ${EMAIL}`,
    createdAt: new Date('2024-05-02T00:00:00Z'),
  });
  await seedMessage(store, 'c1', 'm2', {
    senderId: 'alice',
    text: 'Invoice 42 is paid',
    createdAt: new Date('2024-05-03T00:00:00Z'),
  });
  await seedMessage(store, 'c1', 'm3', {
    senderId: 'bob',
    text: 'Thanks, received',
    createdAt: new Date('2024-05-04T00:00:00Z'),
  });
  await store.set(paths.notification('bob', 'n2'), {
    title: `New message from ${NAME}`,
    body: 'Invoice 42 is paid',
    createdAt: new Date('2024-05-03T00:00:00Z'),
  });
}

describe('erasure (deleteMyAccount and the Auth user-deleted trigger)', () => {
  let fake: FakeAlgolia;
  let infra: AliceWorld['infra'];
  let services: AliceWorld['services'];

  beforeEach(async () => {
    fake = await new FakeAlgolia().start();
    // The real Algolia client against the loopback server, so "the search fake holds nothing" is checked at the wire.
    ({ infra, services } = aliceWorld(fake));
    await seedAlice(infra);
    await services.search.indexer.reindexConversation('c1');
  });

  afterEach(async () => {
    useServices(undefined);
    await fake.stop();
  });

  const everything = () => JSON.stringify(infra.store.dump()) + fake.allText() + infra.exportStorage.allText();

  it('leaves no trace of her email, phone or name in any store, and keeps her messages pseudonymised', async () => {
    await call(exportMyData as CallableFunction<unknown, unknown>, {}, { uid: 'alice' });
    await call(
      exportConversation as CallableFunction<unknown, unknown>,
      { conversationId: 'c1', format: 'csv' },
      { uid: 'alice' },
    );
    expect(infra.exportStorage.allText()).toContain(NAME);
    expect(everything()).toContain(EMAIL); // the check below can fail
    expect(everything()).toContain(NAME);

    const report = await call<{ pseudonymisedMessages: number }>(
      deleteMyAccount as CallableFunction<unknown, unknown>,
      { confirm: true },
      { uid: 'alice' },
    );
    expect(report.pseudonymisedMessages).toBe(2);

    const after = everything();
    for (const secret of [EMAIL, PHONE, NAME, 'Weaverly', 'fcm-token-alice', 'BASE64KEY'])
      expect(after).not.toContain(secret);

    const dump = infra.store.dump();
    expect(dump['users/alice']).toBeUndefined();
    expect(Object.keys(dump).filter((p) => p.startsWith('users/alice/'))).toEqual([]);
    expect(dump[`deliveries/${deliveryId('e1', 'alice', 'sms')}`]).toBeUndefined();
    expect(dump[`deliveries/${deliveryId('e1', 'bob', 'push')}`]).toBeDefined();
    // Her messages stay for disputes, without her contact details, shown as "Deleted user".
    expect(dump['conversations/c1/messages/m2']).toMatchObject({
      senderId: 'alice',
      senderDeleted: true,
      text: 'Invoice 42 is paid',
    });
    expect(dump['conversations/c1/messages/m1']!.text).toBe('Call me on [redacted] or mail [redacted]');
    expect(dump['conversations/c1']!.memberIds).toEqual(['bob']);
    expect(dump['users/bob/notifications/n2']!.title).toBe('New message from Deleted user');
    expect(fake.index('messages').get('c1/m2')).toMatchObject({ senderName: 'Deleted user', visibleTo: ['bob'] });
    // Bob can still export the conversation for a dispute.
    const exported = await call<{ path: string }>(
      exportConversation as CallableFunction<unknown, unknown>,
      { conversationId: 'c1', format: 'json' },
      { uid: 'bob' },
    );
    const messages = JSON.parse(infra.exportStorage.objects.get(exported.path)!.bytes.toString()).messages as Array<{
      senderName: string;
    }>;
    expect(messages.map((m) => m.senderName)).toEqual(['Deleted user', 'Deleted user', 'Bob Potter']);

    expect(infra.accounts.deleted).toEqual(['alice']);
  });

  it('is idempotent: the Auth trigger running afterwards (or twice) changes nothing more and audits once', async () => {
    await services.compliance.erasure.eraseUser('alice', { uid: 'alice', reason: 'self' });
    const once = infra.store.dump();
    const records = JSON.stringify([...fake.index('messages').values()]);
    await services.compliance.erasure.eraseUser('alice', { uid: 'system:auth', reason: 'auth-deleted' });
    expect(infra.store.dump()).toEqual(once);
    expect(JSON.stringify([...fake.index('messages').values()])).toBe(records);
    const audits = Object.values(once).filter((d) => d.action === 'user.erase');
    expect(audits).toEqual([
      expect.objectContaining({
        actorUid: 'alice',
        target: { type: 'user', id: 'alice' },
        details: { reason: 'self' },
      }),
    ]);
  });

  it('the Auth user-deleted trigger also scrubs what only the Auth record names (a phone never verified into the profile)', async () => {
    const unverified = '+4917099988877';
    await seedMessage(infra.store, 'c1', 'm4', {
      senderId: 'bob',
      text: `Her other number is ${unverified}`,
      createdAt: new Date('2024-05-05T00:00:00Z'),
    });
    const wrapped = fft.wrap(onAuthUserDeleted as never) as unknown as (user: unknown) => Promise<void>;
    await wrapped(fft.auth.makeUserRecord({ uid: 'alice', email: EMAIL, displayName: NAME, phoneNumber: unverified }));
    expect(infra.store.dump()['conversations/c1/messages/m4']!.text).toBe('Her other number is [redacted]');
    expect(everything()).not.toContain(unverified);
    expect(infra.store.dump()['users/alice']).toBeUndefined();
  });

  it('requires explicit confirmation and authentication', async () => {
    await expect(
      call(deleteMyAccount as CallableFunction<unknown, unknown>, {}, { uid: 'alice' }),
    ).rejects.toMatchObject({ code: 'invalid-argument', message: expect.stringMatching(/data\.confirm/) });
    await expect(call(deleteMyAccount as CallableFunction<unknown, unknown>, { confirm: true })).rejects.toMatchObject({
      code: 'unauthenticated',
    });
    expect(infra.store.dump()['users/alice']).toBeDefined();
  });
});
