import type { RulesTestEnvironment } from '@firebase/rules-unit-testing';
import { assertFails, assertSucceeds } from '@firebase/rules-unit-testing';
import {
  collection,
  deleteDoc,
  doc,
  getDoc,
  getDocs,
  limit,
  onSnapshot,
  orderBy,
  query,
  setDoc,
  startAfter,
  updateDoc,
  where,
} from 'firebase/firestore';
import type { Firestore } from 'firebase/firestore';
import { describe, expect, it } from 'vitest';
import { seededRules } from './rulesEnv.js';

/**
 * The activity feed (issue 18, users/{uid}/activity) in firestore.rules: its owner reads it, pages it and listens to
 * it (optionally one kind); nobody else reads it, a deleted account not even its own; no client writes it.
 */
let env: RulesTestEnvironment;

const item = (id: string, kind: string, minutes: number) => ({
  id,
  kind,
  verb: kind === 'bid' ? 'auction.bid_placed' : 'followed',
  createdAt: new Date(Date.UTC(2026, 5, 10, 12, minutes)),
  refs: {},
  details: {},
  expiresAt: new Date(Date.UTC(2027, 5, 10)),
});

const SEED: Record<string, Record<string, unknown>> = {
  'users/ra_cleo/activity/a1': item('a1', 'follow', 1),
  'users/ra_cleo/activity/a2': item('a2', 'bid', 2),
  'users/ra_cleo/activity/a3': item('a3', 'bid', 3),
  'users/ra_gone/activity/a1': item('a1', 'bid', 1),
  'accountStates/ra_gone': { state: 'deleted' },
};

seededRules(SEED, (ready) => (env = ready));

const as = (uid: string, claims: Record<string, unknown> = {}) =>
  env
    .authenticatedContext(uid, { email: `${uid}@example.com`, email_verified: true, ...claims })
    .firestore() as unknown as Firestore;
const feed = (db: Firestore, uid = 'ra_cleo') => collection(db, `users/${uid}/activity`);

describe('activity feed rules', () => {
  it('the owner reads an item, pages the feed newest first and filters one kind', async () => {
    const db = as('ra_cleo');
    await assertSucceeds(getDoc(doc(db, 'users/ra_cleo/activity/a1')));
    const first = await assertSucceeds(getDocs(query(feed(db), orderBy('createdAt', 'desc'), limit(2))));
    expect(first.docs.map((d) => d.id)).toEqual(['a3', 'a2']);
    const next = await assertSucceeds(
      getDocs(query(feed(db), orderBy('createdAt', 'desc'), startAfter(first.docs[1]!), limit(2))),
    );
    expect(next.docs.map((d) => d.id)).toEqual(['a1']);
    const bids = await assertSucceeds(
      getDocs(query(feed(db), where('kind', '==', 'bid'), orderBy('createdAt', 'desc'))),
    );
    expect(bids.docs.map((d) => d.id)).toEqual(['a3', 'a2']);
  });

  it('the owner listens to it (a listener gets the first snapshot)', async () => {
    const db = as('ra_cleo');
    const ids = await new Promise<string[]>((resolve, reject) => {
      const stop = onSnapshot(
        query(feed(db), orderBy('createdAt', 'desc'), limit(10)),
        (snap) => {
          stop();
          resolve(snap.docs.map((d) => d.id));
        },
        reject,
      );
    });
    expect(ids).toEqual(['a3', 'a2', 'a1']);
  });

  it('nobody else reads it: another user, an admin, a signed-out client, a deleted account its own', async () => {
    await assertFails(getDoc(doc(as('ra_dan'), 'users/ra_cleo/activity/a1')));
    await assertFails(getDocs(feed(as('ra_dan'))));
    await assertFails(getDocs(feed(as('ra_admin', { admin: true }))));
    await assertFails(getDocs(feed(env.unauthenticatedContext().firestore() as unknown as Firestore)));
    await assertFails(getDocs(feed(as('ra_gone'), 'ra_gone')));
  });

  it('no client writes it, not even its owner: create, edit, delete', async () => {
    const db = as('ra_cleo');
    await assertFails(setDoc(doc(db, 'users/ra_cleo/activity/mine'), item('mine', 'bid', 9)));
    await assertFails(updateDoc(doc(db, 'users/ra_cleo/activity/a1'), { verb: 'unfollowed' }));
    await assertFails(deleteDoc(doc(db, 'users/ra_cleo/activity/a1')));
    await assertFails(setDoc(doc(as('ra_dan'), 'users/ra_cleo/activity/x'), item('x', 'bid', 9)));
  });
});
