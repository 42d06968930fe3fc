import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  addMembers,
  blockUser,
  createDirectConversation,
  createGroup,
  markConversationRead,
  sendMessage,
} from '../../../src/functions/messaging.js';
import { registerDevice, startPhoneVerification } from '../../../src/functions/delivery.js';
import { updatePreferences, listNotifications, getPreferences } from '../../../src/functions/notifications.js';
import { deleteMyAccount, exportConversation, exportMyData } from '../../../src/functions/compliance.js';
import { getSearchKey } from '../../../src/functions/search.js';
import { useServices } from '../../../src/functions/runtime.js';
import { paths } from '../../../src/domain/paths.js';
import type { World, Who } from './support.js';
import { expectRefused, invoke, world } from './support.js';

/**
 * Leaks and bypasses, class "a deleted account keeps acting": the account guard in the callable wrapper refuses
 * deleted, disabled and unprovisioned accounts before any use case runs; anonymous and email-unverified users may
 * use what touches only their own data, nothing that reaches other people or costs money.
 */

let w: World;
const TOKEN = 'fcm-token-of-a-deleted-user-0123456789';
const device = { token: TOKEN, platform: 'ios', appVersion: '3.4.1', locale: 'en' };

beforeEach(async () => {
  w = await world(['alice', 'bob']);
});
afterAll(() => useServices(undefined));

/** The calls a deleted account's still-valid ID token tried, each of which re-created personal data. */
const attempts = (as: Who) => [
  () => invoke(registerDevice, device, as),
  () => invoke(updatePreferences, { quietHours: { enabled: false } }, as),
  () => invoke(createDirectConversation, { otherUid: 'bob' }, as),
  () => invoke(createGroup, { title: 'Back again', memberIds: ['bob'] }, as),
  () => invoke(blockUser, { uid: 'bob' }, as),
  () => invoke(startPhoneVerification, { phone: '+12125550101' }, as),
  () => invoke(exportMyData, {}, as),
  () => invoke(getSearchKey, {}, as),
];

describe('deleted accounts', () => {
  it('after deleteMyAccount the same ID token is refused everywhere, and nothing personal is re-created', async () => {
    await invoke(deleteMyAccount, { confirm: true }, { uid: 'alice' });
    expect(Object.keys(w.dump()).filter((p) => p.startsWith('users/alice'))).toEqual([]);
    for (const attempt of attempts({ uid: 'alice' })) await expectRefused(w, attempt, 'permission-denied', 'deleted');
    expect(w.infra.delivery.smsVerifier.codes.size).toBe(0);
  });

  it('stays refused even when the token re-creates a profile (the rules allow a user to create their own)', async () => {
    await invoke(deleteMyAccount, { confirm: true }, { uid: 'alice' });
    await w.infra.store.set(paths.user('alice'), { displayName: 'Alice again' });
    for (const attempt of attempts({ uid: 'alice' })) await expectRefused(w, attempt, 'permission-denied', 'deleted');
    // and nobody can bring the deleted account into a conversation
    await expectRefused(
      w,
      () => invoke(createDirectConversation, { otherUid: 'alice' }, { uid: 'bob' }),
      'not-found',
      'data.otherUid',
    );
  });

  it('deleteMyAccount itself can be repeated (a half-finished erasure is retried)', async () => {
    await invoke(deleteMyAccount, { confirm: true }, { uid: 'alice' });
    await expect(invoke(deleteMyAccount, { confirm: true }, { uid: 'alice' })).resolves.toMatchObject({ uid: 'alice' });
  });
});

describe('disabled and unprovisioned accounts', () => {
  it('a disabled account is refused', async () => {
    await w.infra.store.set(paths.accountState('alice'), { state: 'disabled', by: 'ops', at: new Date() });
    for (const attempt of attempts({ uid: 'alice' })) await expectRefused(w, attempt, 'permission-denied', 'disabled');
  });

  it('an account without users/{uid} is refused (FAILED_PRECONDITION), whatever it calls', async () => {
    for (const attempt of attempts({ uid: 'nobody' }))
      await expectRefused(w, attempt, 'failed-precondition', 'no profile');
  });

  it('backend identities (service role) need no profile', async () => {
    await expect(invoke(getSearchKey, {}, { uid: 'svc', roles: ['service'] })).resolves.toHaveProperty('apiKey');
  });
});

describe('anonymous and email-unverified users', () => {
  const anonymous: Who = { uid: 'anon', claims: { firebase: { sign_in_provider: 'anonymous' } } };
  const unverified: Who = {
    uid: 'carol',
    claims: { email: 'carol@example.com', email_verified: false, firebase: { sign_in_provider: 'password' } },
  };
  const phoneUser: Who = {
    uid: 'dan',
    claims: { phone_number: '+12125550199', firebase: { sign_in_provider: 'phone' } },
  };

  beforeEach(async () => {
    for (const uid of ['anon', 'carol', 'dan']) await w.infra.store.set(paths.user(uid), { displayName: uid });
  });

  it('may do what touches only their own data', async () => {
    for (const who of [anonymous, unverified]) {
      await expect(invoke(getPreferences, {}, who)).resolves.toHaveProperty('quietHours');
      await expect(invoke(listNotifications, {}, who)).resolves.toHaveProperty('items');
      await expect(invoke(blockUser, { uid: 'bob' }, who)).resolves.toEqual({ blocked: true });
      await expect(invoke(registerDevice, { ...device, token: `${TOKEN}-${who.uid}` }, who)).resolves.toHaveProperty(
        'deviceId',
      );
    }
  });

  it('may not reach other people or spend money', async () => {
    const { conversationId } = await invoke<{ conversationId: string }>(
      createGroup,
      { title: 'Open studio', memberIds: ['bob'] },
      { uid: 'alice' },
    );
    for (const who of [anonymous, unverified]) {
      const why = who === anonymous ? 'permanent account' : 'verify your email';
      await expectRefused(
        w,
        () => invoke(createDirectConversation, { otherUid: 'bob' }, who),
        'permission-denied',
        why,
      );
      await expectRefused(
        w,
        () => invoke(createGroup, { title: 'Spam', memberIds: ['bob'] }, who),
        'permission-denied',
        why,
      );
      await expectRefused(
        w,
        () => invoke(startPhoneVerification, { phone: '+12125550101' }, who),
        'permission-denied',
        why,
      );
      await expectRefused(
        w,
        () => invoke(exportConversation, { conversationId, format: 'json' }, who),
        'permission-denied',
        why,
      );
    }
    // Even once in a group (added by someone else), they read but do not post.
    await invoke(addMembers, { conversationId, memberIds: ['carol'] }, { uid: 'alice' });
    await expectRefused(
      w,
      () => invoke(sendMessage, { conversationId, type: 'text', text: 'hi', clientMessageId: 'c1' }, unverified),
      'permission-denied',
      'verify your email',
    );
    await expect(invoke(markConversationRead, { conversationId }, unverified)).resolves.toMatchObject({
      conversationId,
    });
    expect(w.infra.delivery.smsVerifier.codes.size).toBe(0);
  });

  it('phone sign-ins (no email to verify) and verified emails count as verified', async () => {
    await expect(invoke(createDirectConversation, { otherUid: 'bob' }, phoneUser)).resolves.toMatchObject({
      created: true,
    });
    const verified: Who = {
      uid: 'alice',
      claims: { email: 'alice@example.com', email_verified: true, firebase: { sign_in_provider: 'password' } },
    };
    await expect(invoke(createDirectConversation, { otherUid: 'bob' }, verified)).resolves.toMatchObject({
      created: true,
    });
  });
});
