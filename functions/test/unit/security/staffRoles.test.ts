import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { setStaffRoles } from '../../../src/functions/identity.js';
import { useServices } from '../../../src/functions/runtime.js';
import { claimsWithRoles } from '../../../src/app/identity/staffRoles.js';
import type { MemoryUserAccounts } from '../../../src/adapters/memory/memoryUserAccounts.js';
import { paths } from '../../../src/domain/paths.js';
import type { World, Who } from './support.js';
import { expectRefused, invoke, world } from './support.js';

/**
 * setStaffRoles (issue 18): admins set the caller-role claims in Firebase Auth and their mirror on the profile
 * (`users/{uid}.staffRoles`), audited, idempotent, keeping the account's other claims.
 */
let w: World;
const admin: Who = { uid: 'ada', roles: ['admin'] };
const bob: Who = { uid: 'bob' };
const accounts = () => w.infra.accounts as MemoryUserAccounts;
const profile = async (uid: string) => (await w.infra.store.get(paths.user(uid))).data;
const audits = async () =>
  (await w.infra.store.query('auditLog')).map((d) => d.data!).filter((d) => d.action === 'staff.roles_set');

beforeEach(async () => {
  w = await world(['ada', 'bob', 'cy']);
  for (const uid of ['ada', 'bob', 'cy']) accounts().add(uid);
  await accounts().setCustomClaims('ada', { admin: true });
});
afterAll(() => useServices(undefined));

describe('setStaffRoles', () => {
  it('sets the claims in Auth (keeping the others) and the mirror, audited; a repeat changes nothing', async () => {
    await accounts().setCustomClaims('bob', { tier: 'gold', roles: ['compliance', 'beta'] });
    await expect(
      invoke(setStaffRoles, { uid: 'bob', roles: ['service', 'admin'], reason: 'on-call rota ticket 41' }, admin),
    ).resolves.toEqual({ uid: 'bob', roles: ['admin', 'service'], changed: true, mirrored: true });
    // The old list form loses the caller role it held (compliance), keeps its other entry; the new roles are flags.
    expect(accounts().accounts.get('bob')!.customClaims).toEqual({
      tier: 'gold',
      roles: ['beta'],
      admin: true,
      service: true,
    });
    expect(await profile('bob')).toMatchObject({ staffRoles: ['admin', 'service'] });
    expect(await audits()).toEqual([
      expect.objectContaining({
        actorUid: 'ada',
        target: { type: 'user', id: 'bob' },
        details: expect.objectContaining({
          roles: ['admin', 'service'],
          before: ['compliance'],
          reason: 'on-call rota ticket 41',
        }),
      }),
    ]);

    const before = w.dump();
    await expect(
      invoke(setStaffRoles, { uid: 'bob', roles: ['admin', 'service'], reason: 'again' }, admin),
    ).resolves.toMatchObject({ changed: false });
    expect(w.dump()).toEqual(before);

    // An empty list removes every role, and only the roles.
    await expect(invoke(setStaffRoles, { uid: 'bob', roles: [], reason: 'rota ended' }, admin)).resolves.toMatchObject({
      roles: [],
      changed: true,
    });
    expect(accounts().accounts.get('bob')!.customClaims).toEqual({ tier: 'gold', roles: ['beta'] });
    expect(await profile('bob')).toMatchObject({ staffRoles: [] });
  });

  it('writes a mirror that is missing or wrong even when the claims already say it (a retry after a failure)', async () => {
    await accounts().setCustomClaims('bob', { compliance: true });
    await expect(
      invoke(setStaffRoles, { uid: 'bob', roles: ['compliance'], reason: 'mirror it' }, admin),
    ).resolves.toMatchObject({ changed: true });
    expect(await profile('bob')).toMatchObject({ staffRoles: ['compliance'] });
  });

  it('two admins racing: the mirror ends with the claims Auth holds (the last write), not with the slower call’s set', async () => {
    await accounts().setCustomClaims('cy', { admin: true });
    const cyAdmin: Who = { uid: 'cy', roles: ['admin'] };
    // Ada's claims write lands first; Cy's whole call (claims and mirror) runs before Ada's mirror is written.
    const write = accounts().setCustomClaims.bind(accounts());
    let raced: Promise<unknown> | undefined;
    accounts().setCustomClaims = async (uid, claims) => {
      const result = await write(uid, claims);
      if (uid === 'bob' && !raced) {
        raced = invoke(setStaffRoles, { uid: 'bob', roles: ['service'], reason: 'cy: service rota' }, cyAdmin);
        await raced;
      }
      return result;
    };
    const ada = await invoke(setStaffRoles, { uid: 'bob', roles: ['compliance'], reason: 'ada: audit' }, admin);
    await expect(raced).resolves.toMatchObject({ roles: ['service'] });
    expect(accounts().accounts.get('bob')!.customClaims).toEqual({ service: true });
    expect(await profile('bob')).toMatchObject({ staffRoles: ['service'] });
    // Ada is told what the account holds now, and her audit entry says what she asked for.
    expect(ada).toMatchObject({ roles: ['service'] });
    expect(await audits()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          actorUid: 'ada',
          details: expect.objectContaining({ roles: ['service'], asked: ['compliance'] }),
        }),
      ]),
    );
  });

  it('an account without a profile gets the claims, mirrored: false; no profile is created', async () => {
    accounts().add('svc-1');
    await expect(
      invoke(setStaffRoles, { uid: 'svc-1', roles: ['service'], reason: 'order backend' }, admin),
    ).resolves.toEqual({ uid: 'svc-1', roles: ['service'], changed: true, mirrored: false });
    expect(accounts().accounts.get('svc-1')!.customClaims).toEqual({ service: true });
    expect((await w.infra.store.get(paths.user('svc-1'))).exists).toBe(false);
  });

  it('an admin whose role Auth no longer holds is refused, though their token still says admin (up to an hour)', async () => {
    // Another admin removed ada's role; her ID token has not been refreshed yet.
    await accounts().setCustomClaims('ada', {});
    await expectRefused(
      w,
      () => invoke(setStaffRoles, { uid: 'ada', roles: ['admin'], reason: 'taking it back' }, admin),
      'permission-denied',
      'admin role has been removed',
    );
    await expectRefused(
      w,
      () => invoke(setStaffRoles, { uid: 'bob', roles: ['admin'], reason: 'a friend' }, admin),
      'permission-denied',
    );
    expect(accounts().accounts.get('ada')!.customClaims).toBeUndefined();
    expect(accounts().accounts.get('bob')!.customClaims).toBeUndefined();
    expect(await audits()).toEqual([]);
  });

  it('claims set outside the app in another key order are not rewritten: only the mirror is written, once', async () => {
    await accounts().setCustomClaims('bob', { admin: true, tier: 'gold' });
    const first = await invoke(setStaffRoles, { uid: 'bob', roles: ['admin'], reason: 'mirror it' }, admin);
    expect(first).toMatchObject({ changed: true, mirrored: true });
    expect((await audits()).map((a) => (a.details as { claimsChanged: boolean }).claimsChanged)).toEqual([false]);
    expect(accounts().accounts.get('bob')!.customClaims).toEqual({ admin: true, tier: 'gold' });
    await expect(
      invoke(setStaffRoles, { uid: 'bob', roles: ['admin'], reason: 'again' }, admin),
    ).resolves.toMatchObject({ changed: false });
    expect(await audits()).toHaveLength(1);
  });

  it('refuses: signed out, non-admins, removing one’s own admin role, unknown users, bad input (field named)', async () => {
    const input = { uid: 'bob', roles: ['admin'], reason: 'x' };
    await expectRefused(w, () => invoke(setStaffRoles, input), 'unauthenticated');
    await expectRefused(w, () => invoke(setStaffRoles, input, bob), 'permission-denied', 'admin');
    await expectRefused(
      w,
      () => invoke(setStaffRoles, input, { uid: 'cy', roles: ['compliance'] }),
      'permission-denied',
      'admin',
    );
    await expectRefused(
      w,
      () => invoke(setStaffRoles, { uid: 'ada', roles: ['compliance'], reason: 'x' }, admin),
      'invalid-argument',
      'data.roles',
    );
    await expectRefused(
      w,
      () => invoke(setStaffRoles, { uid: 'nobody', roles: [], reason: 'x' }, admin),
      'not-found',
      'data.uid',
    );
    await expectRefused(
      w,
      () => invoke(setStaffRoles, { ...input, roles: ['owner'] }, admin),
      'invalid-argument',
      'data.roles',
    );
    await expectRefused(
      w,
      () => invoke(setStaffRoles, { ...input, roles: ['admin', 'admin'] }, admin),
      'invalid-argument',
      'data.roles',
    );
    await expectRefused(
      w,
      () => invoke(setStaffRoles, { ...input, reason: ' ' }, admin),
      'invalid-argument',
      'data.reason',
    );
    await expectRefused(w, () => invoke(setStaffRoles, { ...input, extra: 1 }, admin), 'invalid-argument');
    await expectRefused(
      w,
      () => invoke(setStaffRoles, { roles: [], reason: 'x' }, admin),
      'invalid-argument',
      'data.uid',
    );
    expect(accounts().accounts.get('bob')!.customClaims).toBeUndefined();
    // An admin may change their own other roles.
    await expect(
      invoke(setStaffRoles, { uid: 'ada', roles: ['admin', 'compliance'], reason: 'audits too' }, admin),
    ).resolves.toMatchObject({ changed: true });
  });

  it('an erased account gets no roles', async () => {
    await w.infra.store.set(paths.accountState('cy'), { state: 'deleted' });
    await expectRefused(
      w,
      () => invoke(setStaffRoles, { uid: 'cy', roles: ['admin'], reason: 'x' }, admin),
      'failed-precondition',
    );
    expect(accounts().accounts.get('cy')!.customClaims).toBeUndefined();
  });
});

describe('claimsWithRoles', () => {
  it('replaces only the caller roles, in both forms', () => {
    expect(claimsWithRoles({ admin: true, roles: ['service'], org: 'x' }, ['compliance'])).toEqual({
      org: 'x',
      compliance: true,
    });
    expect(claimsWithRoles({}, [])).toEqual({});
  });
});

describe('mirrorFromAuth (scripts/mirror-staff-roles.ts)', () => {
  it('copies the claims Auth holds onto profiles that differ, audited; a second pass writes nothing', async () => {
    const store = w.infra.store;
    await accounts().setCustomClaims('bob', { roles: ['compliance'], tier: 'gold' });
    // cy's mirror is stale (the role was removed in Auth by an operator); ada's is missing; svc has no profile.
    await store.update(paths.user('cy'), { staffRoles: ['admin'] });
    accounts().add('svc-2');
    await accounts().setCustomClaims('svc-2', { service: true });
    const roles = w.services.identity.staffRoles;
    await expect(roles.mirrorFromAuth()).resolves.toEqual({ scanned: 4, mirrored: 3 });
    expect(await profile('ada')).toMatchObject({ staffRoles: ['admin'] });
    expect(await profile('bob')).toMatchObject({ staffRoles: ['compliance'] });
    expect(await profile('cy')).toMatchObject({ staffRoles: [] });
    expect((await store.get(paths.user('svc-2'))).exists).toBe(false);
    const mirrored = (await store.query('auditLog')).filter((d) => d.data?.action === 'staff.roles_mirrored');
    expect(mirrored.map((d) => (d.data!.target as { id: string }).id).sort()).toEqual(['ada', 'bob', 'cy']);
    const before = w.dump();
    await expect(roles.mirrorFromAuth()).resolves.toEqual({ scanned: 4, mirrored: 0 });
    expect(w.dump()).toEqual(before);
  });
});
