import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { setAccountDisabled } from '../../../src/functions/accounts.js';
import { deleteMyAccount } from '../../../src/functions/compliance.js';
import { createDirectConversation } from '../../../src/functions/messaging.js';
import { useServices } from '../../../src/functions/runtime.js';
import { AccountAdmin, AUTH_SYNC, RECONCILE_GRACE_MS } from '../../../src/app/accountAdmin.js';
import { MemoryUserAccounts } from '../../../src/adapters/memory/memoryUserAccounts.js';
import type { ManualClock } from '../../../src/adapters/clocks.js';
import { paths } from '../../../src/domain/paths.js';
import type { World, Who } from './support.js';
import { expectRefused, invoke, world } from './support.js';

/**
 * "Nothing writes accountStates.disabled from Firebase Auth's disabled flag": admins disable through a callable that
 * writes both, and a daily reconciliation copies what an operator set in Auth directly. The account guard then
 * refuses the disabled user's still-valid ID token.
 */

let w: World;
const admin: Who = { uid: 'ada', roles: ['admin'] };
const bob: Who = { uid: 'bob' };
const accounts = () => w.infra.accounts as MemoryUserAccounts;
const clock = () => w.infra.clock as ManualClock;
const state = async (uid: string) => (await w.infra.store.get(paths.accountState(uid))).data;
const auditActions = async () =>
  (await w.infra.store.query('auditLog'))
    .map((d) => d.data!)
    .filter((d) => String(d.action).startsWith('account.'))
    .map((d) => `${d.action}:${(d.target as { id: string }).id}:${d.actorUid}`)
    .sort();

beforeEach(async () => {
  w = await world(['ada', 'bob', 'cy']);
  for (const uid of ['ada', 'bob', 'cy']) accounts().add(uid);
});
afterAll(() => useServices(undefined));

describe('setAccountDisabled', () => {
  it('disables in accountStates and Auth (refresh tokens revoked), audited; the user is refused at once, then re-enabled', async () => {
    await expect(invoke(createDirectConversation, { otherUid: 'cy' }, bob)).resolves.toBeDefined();

    await expect(
      invoke(setAccountDisabled, { uid: 'bob', disabled: true, reason: 'chargeback fraud ticket 812' }, admin),
    ).resolves.toEqual({ uid: 'bob', disabled: true, changed: true });
    expect(await state('bob')).toMatchObject({ state: 'disabled', by: 'ada' });
    expect(accounts().accounts.get('bob')).toEqual({ uid: 'bob', disabled: true });
    expect(accounts().revoked).toEqual(['bob']);
    await expectRefused(
      w,
      () => invoke(createDirectConversation, { otherUid: 'ada' }, bob),
      'permission-denied',
      'disabled',
    );

    // idempotent: the second call changes nothing and writes no second audit entry
    await expect(
      invoke(setAccountDisabled, { uid: 'bob', disabled: true, reason: 'again' }, admin),
    ).resolves.toMatchObject({ changed: false });
    expect(await auditActions()).toEqual(['account.disabled:bob:ada']);

    await expect(
      invoke(setAccountDisabled, { uid: 'bob', disabled: false, reason: 'cleared by support' }, admin),
    ).resolves.toMatchObject({ disabled: false, changed: true });
    expect(await state('bob')).toBeUndefined();
    expect(accounts().accounts.get('bob')?.disabled).toBe(false);
    await expect(invoke(createDirectConversation, { otherUid: 'ada' }, bob)).resolves.toBeDefined();
    expect(await auditActions()).toEqual(['account.disabled:bob:ada', 'account.enabled:bob:ada']);
  });

  it('is for admins only, needs a reason, and refuses the admin themself, unknown and deleted accounts without changing anything', async () => {
    await expectRefused(
      w,
      () => invoke(setAccountDisabled, { uid: 'cy', disabled: true, reason: 'x' }),
      'unauthenticated',
    );
    await expectRefused(
      w,
      () => invoke(setAccountDisabled, { uid: 'cy', disabled: true, reason: 'x' }, bob),
      'permission-denied',
    );
    await expectRefused(
      w,
      () =>
        invoke(setAccountDisabled, { uid: 'bob', disabled: true, reason: 'x' }, { uid: 'cy', roles: ['compliance'] }),
      'permission-denied',
    );
    await expectRefused(
      w,
      () => invoke(setAccountDisabled, { uid: 'cy', disabled: true, reason: '' }, admin),
      'invalid-argument',
      'data.reason',
    );
    await expectRefused(
      w,
      () => invoke(setAccountDisabled, { uid: 'cy', disabled: 'yes', reason: 'x' }, admin),
      'invalid-argument',
      'data.disabled',
    );
    await expectRefused(
      w,
      () => invoke(setAccountDisabled, { uid: '../cy', disabled: true, reason: 'x' }, admin),
      'invalid-argument',
      'data.uid',
    );
    await expectRefused(
      w,
      () => invoke(setAccountDisabled, { uid: 'ada', disabled: true, reason: 'x' }, admin),
      'invalid-argument',
      'data.uid',
    );
    await expectRefused(
      w,
      () => invoke(setAccountDisabled, { uid: 'nobody', disabled: true, reason: 'x' }, admin),
      'not-found',
      'data.uid',
    );

    await invoke(deleteMyAccount, { confirm: true }, { uid: 'cy' });
    await expectRefused(
      w,
      () => invoke(setAccountDisabled, { uid: 'cy', disabled: false, reason: 'undo' }, admin),
      'failed-precondition',
      'deleted',
    );
    expect(await state('cy')).toMatchObject({ state: 'deleted' });
    expect(accounts().revoked).toEqual([]);
  });

  it('disables an Auth account that never got a profile', async () => {
    accounts().add('ghost');
    await expect(
      invoke(setAccountDisabled, { uid: 'ghost', disabled: true, reason: 'spam sign-ups' }, admin),
    ).resolves.toMatchObject({ changed: true });
    expect(await state('ghost')).toMatchObject({ state: 'disabled' });
    expect(accounts().accounts.get('ghost')?.disabled).toBe(true);
  });
});

describe('reconcile with Firebase Auth', () => {
  const adminOf = (auth: MemoryUserAccounts) =>
    new AccountAdmin(w.infra.store, w.infra.clock, w.services.audit, auth, w.infra.logger);

  it('copies Auth disabled flags across pages, clears states Auth re-enabled after the grace period, never touches deleted ones, and is idempotent', async () => {
    const auth = new MemoryUserAccounts(3); // small pages, so paging is exercised
    for (let i = 0; i < 10; i++) auth.add(`u${i}`, i % 3 === 0); // u0, u3, u6, u9 disabled in the console
    auth.add('back'); // re-enabled in the console after an admin disabled it
    auth.add('fresh'); // an admin disabled it a minute ago; Auth has not caught up (setDisabled writes the state first)
    auth.add('gone', true);
    await w.infra.store.set(paths.accountState('back'), {
      state: 'disabled',
      by: 'ada',
      at: new Date(clock().now().getTime() - RECONCILE_GRACE_MS - 1),
    });
    await w.infra.store.set(paths.accountState('fresh'), {
      state: 'disabled',
      by: 'ada',
      at: new Date(clock().now().getTime() - 60_000),
    });
    await w.infra.store.set(paths.accountState('gone'), { state: 'deleted', by: 'gone', at: new Date(0) });

    const admin = adminOf(auth);
    await expect(admin.reconcile()).resolves.toEqual({ scanned: 13, disabled: 4, enabled: 1, emailsSynced: 0 });
    for (const uid of ['u0', 'u3', 'u6', 'u9'])
      expect(await state(uid)).toMatchObject({ state: 'disabled', by: AUTH_SYNC });
    for (const uid of ['u1', 'u2', 'u4', 'back']) expect(await state(uid)).toBeUndefined();
    expect(await state('fresh')).toMatchObject({ state: 'disabled', by: 'ada' });
    expect(await state('gone')).toMatchObject({ state: 'deleted' });

    const before = await auditActions();
    expect(before).toHaveLength(5);
    await expect(admin.reconcile()).resolves.toEqual({ scanned: 13, disabled: 0, enabled: 0, emailsSynced: 0 });
    expect(await auditActions()).toEqual(before);
  });
});
