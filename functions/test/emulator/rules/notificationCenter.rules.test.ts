import type { RulesTestEnvironment } from '@firebase/rules-unit-testing';
import { assertFails, assertSucceeds } from '@firebase/rules-unit-testing';
import {
  collection,
  doc,
  getDocs,
  limit,
  onSnapshot,
  orderBy,
  query,
  startAfter,
  updateDoc,
  where,
} from 'firebase/firestore';
import type { Firestore } from 'firebase/firestore';
import { describe, expect, it } from 'vitest';
import { seededRules } from './rulesEnv.js';

/**
 * The notification center (issue 18) in firestore.rules: the owner lists, pages and listens to their notifications
 * filtered by type or category (ordered by sortKey, createdAt's orderable form), nobody else and no deleted account;
 * archive and unarchive, like read state, go through the callables (the unread counts are kept in the same
 * transaction), so no client updates a notification or the counter.
 */
let env: RulesTestEnvironment;

const note = (id: string, type: string, category: string, minutes: number, archived = false) => {
  const createdAt = new Date(Date.UTC(2026, 5, 10, 12, minutes));
  return {
    type,
    category,
    title: `t ${id}`,
    body: 'b',
    read: archived,
    archived,
    createdAt,
    sortKey: `${createdAt.toISOString()}_${id}`,
  };
};

const SEED: Record<string, Record<string, unknown>> = {
  'users/rn_ada/notifications/n1': note('n1', 'order.refunded', 'commerce', 1),
  'users/rn_ada/notifications/n2': note('n2', 'social.new_follower', 'social', 2),
  'users/rn_ada/notifications/n3': note('n3', 'order.refunded', 'commerce', 3),
  'users/rn_ada/notifications/n4': note('n4', 'order.refunded', 'commerce', 4, true),
  'users/rn_ada/notifications/n5': note('n5', 'order.refunded', 'commerce', 5),
  'users/rn_ada/counters/notifications': { unread: 4, byCategory: { commerce: 3, social: 1 } },
  'users/rn_gone/notifications/n1': note('n1', 'order.refunded', 'commerce', 1),
  'accountStates/rn_gone': { state: 'deleted' },
};

seededRules(SEED, (ready) => (env = ready));

const as = (uid: string) =>
  env
    .authenticatedContext(uid, { email: `${uid}@example.com`, email_verified: true })
    .firestore() as unknown as Firestore;
const center = (db: Firestore, uid = 'rn_ada') => collection(db, `users/${uid}/notifications`);
const ofType = (db: Firestore, type: string, uid = 'rn_ada') =>
  query(center(db, uid), where('archived', '==', false), where('type', '==', type), orderBy('sortKey', 'desc'));

describe('notification center rules', () => {
  it('the owner filters by type (paged, newest first, read state too) and by category', async () => {
    const db = as('rn_ada');
    const first = await assertSucceeds(getDocs(query(ofType(db, 'order.refunded'), limit(2))));
    expect(first.docs.map((d) => d.id)).toEqual(['n5', 'n3']);
    const next = await assertSucceeds(getDocs(query(ofType(db, 'order.refunded'), startAfter(first.docs[1]!))));
    expect(next.docs.map((d) => d.id)).toEqual(['n1']);
    const unread = await assertSucceeds(getDocs(query(ofType(db, 'order.refunded'), where('read', '==', false))));
    expect(unread.size).toBe(3);
    const social = await assertSucceeds(
      getDocs(
        query(
          center(db),
          where('archived', '==', false),
          where('category', '==', 'social'),
          orderBy('sortKey', 'desc'),
        ),
      ),
    );
    expect(social.docs.map((d) => d.id)).toEqual(['n2']);
    const archived = await assertSucceeds(
      getDocs(query(center(db), where('archived', '==', true), where('type', '==', 'order.refunded'))),
    );
    expect(archived.docs.map((d) => d.id)).toEqual(['n4']);
  });

  it('the owner listens to one type and reads the per-category counts', async () => {
    const db = as('rn_ada');
    const ids = await new Promise<string[]>((done, fail) => {
      const stop = onSnapshot(
        ofType(db, 'social.new_follower'),
        (snap) => {
          stop();
          done(snap.docs.map((d) => d.id));
        },
        fail,
      );
    });
    expect(ids).toEqual(['n2']);
    const counts = await assertSucceeds(
      getDocs(query(collection(db, 'users/rn_ada/counters'), where('unread', '>=', 0))),
    );
    expect(counts.docs[0]!.data()).toMatchObject({ byCategory: { commerce: 3, social: 1 } });
  });

  it("nobody else filters a user's notifications by type, nor a deleted account its own", async () => {
    await assertFails(getDocs(ofType(as('rn_eve'), 'order.refunded')));
    await assertFails(getDocs(ofType(as('rn_gone'), 'order.refunded', 'rn_gone')));
  });

  it('no client archives, unarchives or marks read directly, nor touches the counts (the callables do, with the counts)', async () => {
    const db = as('rn_ada');
    await assertFails(updateDoc(doc(db, 'users/rn_ada/notifications/n4'), { archived: false }));
    await assertFails(updateDoc(doc(db, 'users/rn_ada/notifications/n1'), { archived: true, read: true }));
    await assertFails(updateDoc(doc(db, 'users/rn_ada/notifications/n1'), { read: true }));
    await assertFails(updateDoc(doc(db, 'users/rn_ada/counters/notifications'), { 'byCategory.commerce': 0 }));
    await assertFails(updateDoc(doc(as('rn_eve'), 'users/rn_ada/notifications/n4'), { archived: false }));
  });
});
