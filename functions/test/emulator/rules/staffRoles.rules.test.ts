import type { RulesTestEnvironment } from '@firebase/rules-unit-testing';
import { assertFails, assertSucceeds } from '@firebase/rules-unit-testing';
import { deleteField, doc, getDoc, setDoc, updateDoc } from 'firebase/firestore';
import { describe, expect, it } from 'vitest';
import { seededRules } from './rulesEnv.js';

/**
 * The profile's server-owned role fields (issue 18) in firestore.rules: `staffRoles` (the mirror of the Auth role
 * claims, written by setStaffRoles) and `sells` (set from order and listing events) raise a user's notification limits,
 * so no client may create, change or remove them: not the user, not an admin through the client SDK. The user reads
 * them on their own profile and keeps editing the fields that are theirs.
 */
let env: RulesTestEnvironment;

const SEED: Record<string, Record<string, unknown>> = {
  'users/sr_ada': { displayName: 'Ada', kind: 'collector', staffRoles: ['admin'], sells: true },
  'users/sr_ben': { displayName: 'Ben', kind: 'collector' },
};

seededRules(SEED, (ready) => (env = ready), ['users/sr_new', 'users/sr_new2']);

const as = (uid: string, claims: Record<string, unknown> = {}) =>
  env.authenticatedContext(uid, { email: `${uid}@example.com`, email_verified: true, ...claims }).firestore();

describe('staffRoles and sells on users/{uid}', () => {
  it('a client cannot create its profile with either field; without them it can', async () => {
    await assertFails(setDoc(doc(as('sr_new'), 'users/sr_new'), { displayName: 'New', staffRoles: ['admin'] }));
    await assertFails(setDoc(doc(as('sr_new'), 'users/sr_new'), { displayName: 'New', sells: true }));
    // An admin token changes nothing: the mirror follows the claims through setStaffRoles only.
    await assertFails(
      setDoc(doc(as('sr_new2', { admin: true }), 'users/sr_new2'), { displayName: 'New', staffRoles: ['admin'] }),
    );
    await assertSucceeds(setDoc(doc(as('sr_new'), 'users/sr_new'), { displayName: 'New' }));
  });

  it('a user cannot add, change or remove them on their profile', async () => {
    const ben = doc(as('sr_ben'), 'users/sr_ben');
    await assertFails(updateDoc(ben, { staffRoles: ['admin'] }));
    await assertFails(updateDoc(ben, { sells: true }));
    await assertFails(updateDoc(ben, { displayName: 'Benjamin', staffRoles: ['compliance'] }));
    const ada = doc(as('sr_ada', { admin: true }), 'users/sr_ada');
    await assertFails(updateDoc(ada, { staffRoles: ['admin', 'service'] }));
    await assertFails(updateDoc(ada, { staffRoles: deleteField() }));
    await assertFails(updateDoc(ada, { sells: deleteField() }));
    await assertFails(setDoc(ada, { displayName: 'Ada' }));
  });

  it('nobody writes them on another profile, admin token or not', async () => {
    await assertFails(updateDoc(doc(as('sr_ada', { admin: true }), 'users/sr_ben'), { staffRoles: ['admin'] }));
    await assertFails(setDoc(doc(as('sr_ada', { admin: true }), 'users/sr_ben'), { sells: true }, { merge: true }));
  });

  it('the owner reads them and still edits their own fields, which leaves them as the server wrote them', async () => {
    const ada = doc(as('sr_ada', { admin: true }), 'users/sr_ada');
    await assertSucceeds(updateDoc(ada, { displayName: 'Ada L.' }));
    const snap = await assertSucceeds(getDoc(ada));
    expect(snap.data()).toMatchObject({ displayName: 'Ada L.', staffRoles: ['admin'], sells: true });
    await assertFails(getDoc(doc(as('sr_ben'), 'users/sr_ada')));
  });
});
