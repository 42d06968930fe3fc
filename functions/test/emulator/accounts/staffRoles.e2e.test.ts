import { deleteApp, initializeApp } from 'firebase/app';
import type { Auth } from 'firebase/auth';
import { connectAuthEmulator, getAuth, signInWithEmailAndPassword, signOut } from 'firebase/auth';
import { connectFunctionsEmulator, getFunctions, httpsCallable } from 'firebase/functions';
import { getAuth as adminAuth } from 'firebase-admin/auth';
import { getFirestore } from 'firebase-admin/firestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FirestoreDocumentStore } from '../../../src/adapters/firestore/firestoreDocumentStore.js';
import { adminApp } from '../../../src/composition/cloud.js';
import { paths } from '../../../src/domain/paths.js';
import { REGION } from '../../../src/functions/options.js';
import { functionsEmulatorOrigin } from '../../../src/local/sandbox/schedules.js';
import { pauseTriggers } from '../../support/fakes/emulatorChain.js';

/**
 * setStaffRoles through the Functions, Auth and Firestore emulators (issue 18): an admin signed in with the JS SDK
 * calls it; the target's custom claims change in the Auth emulator (their other claims kept, and the role in their
 * refreshed ID token), the profile's `staffRoles` mirror and the audit entry are in Firestore; a repeat changes
 * nothing, a non-admin is refused.
 */
const store = new FirestoreDocumentStore(() => getFirestore(adminApp()));
const run = `${process.pid}${Date.now().toString(36)}`;
const PROJECT = process.env.GCLOUD_PROJECT!;
const PASSWORD = 'walnut-and-linen-42';

let app: ReturnType<typeof initializeApp>;
let auth: Auth;
const admin = { uid: `sr-admin-${run}`, email: `rita-${run}@craft.example` };
const target = { uid: `sr-nora-${run}`, email: `nora-${run}@mail.example` };

/** An Auth account (Admin SDK, as the seed or an operator makes one) with its profile, as the app would create it. */
async function account(who: { uid: string; email: string }, claims: Record<string, unknown>) {
  await adminAuth(adminApp()).createUser({ uid: who.uid, email: who.email, emailVerified: true, password: PASSWORD });
  await adminAuth(adminApp()).setCustomUserClaims(who.uid, claims);
  await store.set(paths.user(who.uid), {
    displayName: who.uid,
    email: who.email,
    emailVerified: true,
    timeZone: 'UTC',
  });
}

beforeAll(async () => {
  // No trigger is part of this chain: background triggers off, so the profiles written below (and other files'
  // backlog) do not queue ahead of the callable on a busy emulator.
  await pauseTriggers();
  app = initializeApp({ projectId: PROJECT, apiKey: 'demo-api-key' }, `staff-roles-${run}`);
  auth = getAuth(app);
  connectAuthEmulator(auth, `http://${process.env.FIREBASE_AUTH_EMULATOR_HOST}`, { disableWarnings: true });
  await account(admin, { admin: true });
  await account(target, { tier: 'gold' });
}, 180_000);
afterAll(async () => {
  await deleteApp(app);
});

async function setStaffRoles(data: unknown) {
  const origin = new URL(await functionsEmulatorOrigin());
  const functions = getFunctions(app, REGION);
  connectFunctionsEmulator(functions, origin.hostname, Number(origin.port));
  // The first call loads the function in a fresh worker: on a loaded machine that alone can take most of a minute.
  return (await httpsCallable(functions, 'setStaffRoles', { timeout: 170_000 })(data)).data as {
    uid: string;
    roles: string[];
    changed: boolean;
    mirrored: boolean;
  };
}

describe('setStaffRoles (auth + functions + firestore emulators)', () => {
  it('sets the claims in Auth and the mirror in Firestore, audited; a repeat changes nothing; non-admins are refused', async () => {
    await signInWithEmailAndPassword(auth, admin.email, PASSWORD);
    const input = { uid: target.uid, roles: ['compliance'], reason: 'joins the audit rota' };
    await expect(setStaffRoles(input)).resolves.toEqual({
      uid: target.uid,
      roles: ['compliance'],
      changed: true,
      mirrored: true,
    });
    expect((await adminAuth(adminApp()).getUser(target.uid)).customClaims).toEqual({
      tier: 'gold',
      compliance: true,
    });
    expect((await store.get(paths.user(target.uid))).data).toMatchObject({ staffRoles: ['compliance'] });
    const audit = (await store.query('auditLog', { where: [['action', '==', 'staff.roles_set']] }))
      .map((d) => d.data!)
      .filter((d) => (d.target as { id: string }).id === target.uid);
    expect(audit).toEqual([
      expect.objectContaining({
        actorUid: admin.uid,
        details: expect.objectContaining({ roles: ['compliance'], before: [], reason: 'joins the audit rota' }),
      }),
    ]);
    await expect(setStaffRoles(input)).resolves.toMatchObject({ changed: false });

    // The target's refreshed ID token carries the role; as a compliance officer (not an admin) they are refused.
    await signOut(auth);
    const { user } = await signInWithEmailAndPassword(auth, target.email, PASSWORD);
    expect((await user.getIdTokenResult(true)).claims).toMatchObject({ compliance: true, tier: 'gold' });
    await expect(setStaffRoles({ uid: target.uid, roles: ['admin'], reason: 'self-service' })).rejects.toMatchObject({
      code: 'functions/permission-denied',
    });
    // Input is checked before the role (the callable wrapper's order): the field is named.
    await expect(setStaffRoles({ uid: target.uid, roles: ['root'], reason: 'x' })).rejects.toMatchObject({
      code: 'functions/invalid-argument',
      message: expect.stringContaining('data.roles'),
    });
    expect((await adminAuth(adminApp()).getUser(target.uid)).customClaims).toEqual({
      tier: 'gold',
      compliance: true,
    });
    await signOut(auth);
  }, 600_000);
});
