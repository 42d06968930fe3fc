import functionsTest from 'firebase-functions-test';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { onUserProfileWritten, refreshEmailStatus } from '../../../src/functions/identity.js';
import { useServices } from '../../../src/functions/runtime.js';
import type { MemoryUserAccounts } from '../../../src/adapters/memory/memoryUserAccounts.js';
import { authEmailSchema, emailStatusPatch } from '../../../src/domain/users.js';
import { paths } from '../../../src/domain/paths.js';
import { AUTH_SYNC } from '../../../src/app/accountAdmin.js';
import { job, queued } from '../../support/delivery.js';
import type { World, Who } from '../security/support.js';
import { expectRefused, invoke, world } from '../security/support.js';

/**
 * Issue 15, part 1: email delivery trusts `users/{uid}.emailVerified`, and nothing but the seed ever set it. Now the
 * profile's `email` and `emailVerified` are copied from Firebase Auth (read with the Admin SDK, never from the
 * client): when the profile is created or its address edited (trigger), and when the app asks after the user
 * verified or changed the address (refreshEmailStatus).
 */

const fft = functionsTest({ projectId: 'demo-email-status' });
let w: World;
const ann: Who = { uid: 'ann', claims: { email: 'ann@studio.example', email_verified: false } };
const bob: Who = { uid: 'bob' };
const admin: Who = { uid: 'ada', roles: ['admin'] };
const backend: Who = { uid: 'svc-orders', roles: ['service'] };
const auth = () => w.infra.accounts as MemoryUserAccounts;
const profile = async (uid: string) => (await w.infra.store.get(paths.user(uid))).data!;
const audits = async () =>
  (await w.infra.store.query('auditLog'))
    .map((d) => d.data!)
    .filter((d) => d.action === 'user.email_synced')
    .map((d) => ({ actor: d.actorUid, target: (d.target as { id: string }).id, details: d.details }));

beforeEach(async () => {
  // The world's users start with the test default (a verified example.com address); Auth is what counts.
  w = await world(['ann', 'bob', 'ada']);
  auth().add('ann', false, { email: 'ann@studio.example', emailVerified: false });
  auth().add('bob', false, { email: 'bob@example.com', emailVerified: true });
  auth().add('ada', false, { email: 'ada@example.com', emailVerified: true });
});
afterAll(() => useServices(undefined));

describe('emailStatusPatch (pure)', () => {
  const verified = authEmailSchema.parse({ email: 'a@x.example', emailVerified: true });
  it('is nothing when the profile already says what Auth says', () => {
    expect(emailStatusPatch({ email: 'a@x.example', emailVerified: true }, verified)).toBeUndefined();
    expect(emailStatusPatch({}, authEmailSchema.parse({ emailVerified: false }))).toEqual({
      email: undefined,
      emailVerified: false,
    });
    expect(emailStatusPatch({ emailVerified: false }, authEmailSchema.parse({}))).toBeUndefined();
  });

  it("takes Auth's address and flag: a changed address is unverified until Auth has verified it", () => {
    const changed = authEmailSchema.parse({ email: 'new@x.example', emailVerified: false });
    expect(emailStatusPatch({ email: 'a@x.example', emailVerified: true }, changed)).toEqual({
      email: 'new@x.example',
      emailVerified: false,
    });
    // A client-written address Auth does not hold, or garbage in the field, is replaced.
    expect(emailStatusPatch({ email: 'mine@else.example', emailVerified: false }, changed)).toEqual(changed);
    expect(emailStatusPatch({ email: 42, emailVerified: true }, verified)).toEqual(verified);
  });

  it('never calls an address verified that Auth lacks or the profile schema refuses', () => {
    expect(authEmailSchema.parse({ emailVerified: true })).toEqual({ email: undefined, emailVerified: false });
    expect(authEmailSchema.parse({ email: 'not an address', emailVerified: true })).toEqual({
      email: undefined,
      emailVerified: false,
    });
    expect(authEmailSchema.parse({ email: 'a@x.example', emailVerified: 'yes' })).toEqual({
      email: 'a@x.example',
      emailVerified: false,
    });
  });
});

describe('refreshEmailStatus', () => {
  it('follows Auth through verification and a change of address, writing only what changed, audited', async () => {
    // Signed up, not verified: the seeded "verified" profile is corrected, even though the client asked.
    await expect(invoke(refreshEmailStatus, {}, ann)).resolves.toEqual({
      uid: 'ann',
      email: 'ann@studio.example',
      emailVerified: false,
      changed: true,
    });
    expect(await profile('ann')).toMatchObject({ email: 'ann@studio.example', emailVerified: false });

    // Verified in Auth (the link in Firebase's email): the next refresh says so.
    auth().setEmail('ann', 'ann@studio.example', true);
    await expect(invoke(refreshEmailStatus, {}, ann)).resolves.toMatchObject({ emailVerified: true, changed: true });
    expect(await profile('ann')).toMatchObject({ emailVerified: true, emailSyncedAt: expect.any(Date) });

    // Idempotent: nothing differs, nothing is written.
    const before = w.dump();
    await expect(invoke(refreshEmailStatus, {}, ann)).resolves.toMatchObject({ emailVerified: true, changed: false });
    expect(w.dump()).toEqual(before);

    // A new address (updateEmail): unverified, and the old one is gone from the profile.
    auth().setEmail('ann', 'ann@new.example', false);
    await expect(invoke(refreshEmailStatus, {}, ann)).resolves.toMatchObject({
      email: 'ann@new.example',
      emailVerified: false,
    });
    expect(await profile('ann')).toMatchObject({ email: 'ann@new.example', emailVerified: false });

    // Audit ids carry no order under the test clock: compare as a sorted list.
    const entry = (addressChanged: boolean, emailVerified: boolean, wasVerified: boolean) => ({
      actor: 'ann',
      target: 'ann',
      details: { source: 'refresh', addressChanged, emailVerified, wasVerified },
    });
    const sorted = (list: unknown[]) => list.map((e) => JSON.stringify(e)).sort();
    expect(sorted(await audits())).toEqual(
      sorted([entry(true, false, true), entry(false, true, false), entry(true, false, true)]),
    );
    // The audit trail names no address.
    expect(JSON.stringify(await audits())).not.toContain('@');
  });

  it('removes the address of an account that has none in Auth (phone or custom-token sign-in)', async () => {
    auth().setEmail('bob', undefined, false);
    await expect(invoke(refreshEmailStatus, {}, bob)).resolves.toMatchObject({ email: null, emailVerified: false });
    const data = await profile('bob');
    expect(data).not.toHaveProperty('email');
    expect(data.emailVerified).toBe(false);
  });

  it('acts on the caller only; admins and backends may refresh anyone', async () => {
    await expectRefused(w, () => invoke(refreshEmailStatus, { uid: 'ann' }, bob), 'permission-denied');
    await expect(invoke(refreshEmailStatus, { uid: 'bob' }, bob)).resolves.toMatchObject({ uid: 'bob' });
    await expect(invoke(refreshEmailStatus, { uid: 'ann' }, admin)).resolves.toMatchObject({
      uid: 'ann',
      changed: true,
    });
    auth().setEmail('ann', 'ann@studio.example', true);
    await expect(invoke(refreshEmailStatus, { uid: 'ann' }, backend)).resolves.toMatchObject({
      emailVerified: true,
    });
    expect((await audits()).map((a) => a.actor).sort()).toEqual(['ada', 'svc-orders']);
  });

  it('refuses bad input naming the field, the signed-out, and unknown accounts, changing nothing', async () => {
    await expectRefused(w, () => invoke(refreshEmailStatus, {}), 'unauthenticated');
    await expectRefused(w, () => invoke(refreshEmailStatus, { uid: '../bob' }, admin), 'invalid-argument', 'data.uid');
    await expectRefused(w, () => invoke(refreshEmailStatus, { email: 'x@y.z' }, ann), 'invalid-argument', 'data.email');
    await expectRefused(w, () => invoke(refreshEmailStatus, 'ann', ann), 'invalid-argument');
    await expectRefused(w, () => invoke(refreshEmailStatus, { uid: 'nobody' }, admin), 'not-found', 'data.uid');
    // A profile without an Auth account (a backend fixture) is not the caller's to invent one for.
    await w.infra.store.set(paths.user('cy'), { displayName: 'Cy', email: 'cy@example.com', emailVerified: true });
    await expectRefused(w, () => invoke(refreshEmailStatus, { uid: 'cy' }, admin), 'not-found');
    // A user without a profile is refused by the account guard.
    auth().add('dee', false, { email: 'dee@example.com', emailVerified: true });
    await expectRefused(w, () => invoke(refreshEmailStatus, {}, { uid: 'dee' }), 'failed-precondition');
  });
});

describe('the daily pass (syncAccountStates)', () => {
  it('copies an address changed or verified in Auth that no app refreshed: mail stops going to the old one; twice = once', async () => {
    // Bob changed his address in Auth; his app never called refreshEmailStatus. His profile still holds the old,
    // verified address, where mail would keep going.
    auth().setEmail('bob', 'bob@new.example', false);
    auth().add('zed', false, { email: 'zed@example.com', emailVerified: true }); // signed up, no profile yet
    await w.infra.store.set(paths.accountState('ada'), { state: 'deleted', by: 'ada', at: new Date(0) });
    auth().setEmail('ada', 'ada@other.example', true); // erased while listed: left alone

    await expect(w.services.accounts.reconcile()).resolves.toEqual({
      scanned: 4,
      disabled: 0,
      enabled: 0,
      emailsSynced: 2, // bob, and ann (whose seeded profile called an unverified address verified)
    });
    expect(await profile('bob')).toMatchObject({ email: 'bob@new.example', emailVerified: false });
    expect(await profile('ann')).toMatchObject({ email: 'ann@studio.example', emailVerified: false });
    expect(await profile('ada')).toMatchObject({ email: 'ada@example.com', emailVerified: true });
    expect((await w.infra.store.get(paths.user('zed'))).exists).toBe(false);
    expect(await audits()).toContainEqual({
      actor: AUTH_SYNC,
      target: 'bob',
      details: { source: 'daily', addressChanged: true, emailVerified: false, wasVerified: true },
    });

    // The next email for bob goes nowhere: the new address is unverified, the old one is no longer his.
    const mail = job('email', { uid: 'bob' });
    await queued(w.infra.store, mail);
    await w.services.delivery.channels.handle('email', mail);
    expect(w.infra.delivery.email.sent).toEqual([]);

    // Verified in Auth later: the next pass says so; a pass with nothing to copy writes nothing.
    auth().setEmail('bob', 'bob@new.example', true);
    await expect(w.services.accounts.reconcile()).resolves.toMatchObject({ emailsSynced: 1 });
    expect(await profile('bob')).toMatchObject({ email: 'bob@new.example', emailVerified: true });
    const dump = w.dump();
    await expect(w.services.accounts.reconcile()).resolves.toMatchObject({ emailsSynced: 0 });
    expect(w.dump()).toEqual(dump);
  });
});

describe('onUserProfileWritten', () => {
  const snap = (data: Record<string, unknown> | undefined) =>
    data ? fft.firestore.makeDocumentSnapshot(data, 'users/ann') : fft.firestore.makeDocumentSnapshot({}, '');
  const written = (before: Record<string, unknown> | undefined, after: Record<string, unknown> | undefined) =>
    fft.wrap(onUserProfileWritten)({
      data: fft.makeChange(snap(before), snap(after)),
      params: { uid: 'ann' },
      id: `event-${Math.random()}`,
    } as never);

  it("replaces a new profile's client-written address and flag with Auth's, and an edited address likewise", async () => {
    const created = { displayName: 'Ann', email: 'anything@else.example', timeZone: 'UTC', locale: 'en' };
    await w.infra.store.set(paths.user('ann'), created);
    await written(undefined, created);
    expect(await profile('ann')).toMatchObject({ email: 'ann@studio.example', emailVerified: false });

    // The rules let an unverified user edit `email`; it does not stick, and nothing is sent there.
    const current = await profile('ann');
    const edited = { ...current, email: 'redirect@evil.example' };
    await w.infra.store.set(paths.user('ann'), edited);
    await written(current, edited);
    expect(await profile('ann')).toMatchObject({ email: 'ann@studio.example', emailVerified: false });

    // Its own write fires the trigger again: that run finds nothing to change (no loop).
    const synced = await profile('ann');
    const dump = w.dump();
    await written(edited, synced);
    expect(w.dump()).toEqual(dump);
  });

  it('ignores edits that do not touch the address, deletions and profiles without an Auth account', async () => {
    const current = await profile('ann'); // the default: verified example.com address, which Auth does not hold
    const dump = w.dump();
    await written(current, { ...current, displayName: 'Ann B' });
    await written(current, undefined);
    expect(w.dump()).toEqual(dump);

    await w.infra.store.set(paths.user('cy'), { displayName: 'Cy', email: 'cy@example.com', emailVerified: true });
    await fft.wrap(onUserProfileWritten)({
      data: fft.makeChange(
        fft.firestore.makeDocumentSnapshot({}, ''),
        fft.firestore.makeDocumentSnapshot({ displayName: 'Cy' }, 'users/cy'),
      ),
      params: { uid: 'cy' },
      id: 'event-cy',
    } as never);
    expect(await profile('cy')).toMatchObject({ email: 'cy@example.com', emailVerified: true });
  });

  it('leaves an erased account alone even if the event arrives after erasure marked it deleted', async () => {
    const current = await profile('ann');
    await w.infra.store.set(paths.accountState('ann'), { state: 'deleted', by: 'ann', at: new Date() });
    const dump = w.dump();
    await written(undefined, current);
    expect(w.dump()).toEqual(dump);
  });
});
