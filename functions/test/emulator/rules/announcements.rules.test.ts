import type { RulesTestEnvironment } from '@firebase/rules-unit-testing';
import { assertFails, assertSucceeds } from '@firebase/rules-unit-testing';
import { collection, deleteDoc, doc, getDoc, getDocs, orderBy, query, setDoc, updateDoc } from 'firebase/firestore';
import { describe, it } from 'vitest';
import { seededRules } from './rulesEnv.js';

/**
 * System announcements (issue 18) in firestore.rules: admins read `announcements/{id}` (the admin app lists and
 * listens); nobody else reads one, and no client writes any, admins included (only the callables and the fan-out).
 * Its fan-out page claims (`pages/`, user ids in flight) are the server's alone: not even admins read them.
 */
let env: RulesTestEnvironment;

const ANNOUNCEMENT = {
  status: 'scheduled',
  segment: { kind: 'role', role: 'creator' },
  title: 'Winter fair',
  body: 'Free shipping this weekend.',
  link: 'https://craft.example/fair',
  sendAt: new Date(),
  createdBy: 'ra_root',
  eventId: 'evt_x',
};
const SEED: Record<string, Record<string, unknown>> = {
  'announcements/ra_a1': ANNOUNCEMENT,
  // A fan-out page claim (src/app/announcements/fanout.ts): the members of a page in flight.
  'announcements/ra_a1/pages/first': { uids: ['ra_cleo'], next: 'ra_cleo', members: 1 },
  'accountStates/ra_gone_admin': { state: 'disabled' },
};

seededRules(SEED, (ready) => (env = ready));

const verified = { email_verified: true };
const user = (uid: string) => env.authenticatedContext(uid, { email: `${uid}@example.com`, ...verified }).firestore();
const admin = (uid = 'ra_root') =>
  env.authenticatedContext(uid, { email: `${uid}@example.com`, ...verified, admin: true }).firestore();
const listedAdmin = () =>
  env.authenticatedContext('ra_ops', { email: 'ra_ops@example.com', ...verified, roles: ['admin'] }).firestore();

describe('announcements rules', () => {
  it('admins read one and list them; by claim or roles list', async () => {
    await assertSucceeds(getDoc(doc(admin(), 'announcements/ra_a1')));
    await assertSucceeds(getDocs(query(collection(admin(), 'announcements'), orderBy('sendAt', 'desc'))));
    await assertSucceeds(getDoc(doc(listedAdmin(), 'announcements/ra_a1')));
  });

  it('nobody else reads: users (the segment included), compliance staff, signed-out, a disabled admin', async () => {
    await assertFails(getDoc(doc(user('ra_cleo'), 'announcements/ra_a1')));
    await assertFails(getDocs(collection(user('ra_cleo'), 'announcements')));
    const compliance = env
      .authenticatedContext('ra_comp', { email: 'ra_comp@example.com', ...verified, compliance: true })
      .firestore();
    await assertFails(getDoc(doc(compliance, 'announcements/ra_a1')));
    await assertFails(getDoc(doc(env.unauthenticatedContext().firestore(), 'announcements/ra_a1')));
    await assertFails(getDoc(doc(admin('ra_gone_admin'), 'announcements/ra_a1')));
  });

  it('no client writes one, admins included: create, cancel by hand, delete', async () => {
    await assertFails(setDoc(doc(admin(), 'announcements/ra_new'), { ...ANNOUNCEMENT, createdBy: 'ra_root' }));
    await assertFails(updateDoc(doc(admin(), 'announcements/ra_a1'), { status: 'cancelled' }));
    await assertFails(deleteDoc(doc(admin(), 'announcements/ra_a1')));
    await assertFails(setDoc(doc(user('ra_cleo'), 'announcements/ra_new'), ANNOUNCEMENT));
  });

  it('page claims: no client reads, lists or writes them, admins and the members named in one included', async () => {
    for (const db of [admin(), user('ra_cleo')]) {
      await assertFails(getDoc(doc(db, 'announcements/ra_a1/pages/first')));
      await assertFails(getDocs(collection(db, 'announcements/ra_a1/pages')));
      await assertFails(setDoc(doc(db, 'announcements/ra_a1/pages/after_x'), { uids: [], next: null, members: 0 }));
      await assertFails(updateDoc(doc(db, 'announcements/ra_a1/pages/first'), { done: true }));
    }
  });
});
