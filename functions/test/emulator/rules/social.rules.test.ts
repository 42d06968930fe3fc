import type { RulesTestEnvironment } from '@firebase/rules-unit-testing';
import { assertFails, assertSucceeds } from '@firebase/rules-unit-testing';
import {
  collection,
  deleteDoc,
  doc,
  getDoc,
  getDocs,
  limit,
  orderBy,
  query,
  setDoc,
  updateDoc,
  where,
} from 'firebase/firestore';
import { describe, it } from 'vitest';
import { seededRules } from './rulesEnv.js';

/**
 * Following and the order status view (issue 18) in firestore.rules: a user reads their own following list (and a
 * creator their followers), every active signed-in user reads public counts; the buyer and the seller read (and listen
 * to) an order's status view, nobody else; no client writes edges, counts or views.
 */
let env: RulesTestEnvironment;

const SEED: Record<string, Record<string, unknown>> = {
  'users/rs_maya/followers/rs_cleo': { uid: 'rs_cleo', creatorId: 'rs_maya', createdAt: new Date() },
  'users/rs_cleo/following/rs_maya': { uid: 'rs_maya', followerId: 'rs_cleo', createdAt: new Date() },
  'followCounts/rs_maya': { followers: 1, following: 0 },
  'followCounts/rs_cleo': { followers: 0, following: 1 },
  'orders/rs_o1': {
    orderId: 'rs_o1',
    buyerId: 'rs_cleo',
    sellerId: 'rs_maya',
    status: 'shipped',
    updatedAt: new Date(),
  },
  'orders/rs_o2': { orderId: 'rs_o2', buyerId: 'rs_dan', status: 'placed', updatedAt: new Date() },
  'orders/rs_o1/private/x': { n: 1 },
  'accountStates/rs_gone': { state: 'deleted' },
};

seededRules(SEED, (ready) => (env = ready));

const as = (uid: string) =>
  env.authenticatedContext(uid, { email: `${uid}@example.com`, email_verified: true }).firestore();
const anon = () => env.unauthenticatedContext().firestore();

describe('following rules', () => {
  it('a user reads and pages their own following list; nobody else does', async () => {
    await assertSucceeds(getDoc(doc(as('rs_cleo'), 'users/rs_cleo/following/rs_maya')));
    await assertSucceeds(
      getDocs(query(collection(as('rs_cleo'), 'users/rs_cleo/following'), orderBy('createdAt', 'desc'), limit(20))),
    );
    await assertFails(getDocs(collection(as('rs_dan'), 'users/rs_cleo/following')));
    await assertFails(getDoc(doc(as('rs_maya'), 'users/rs_cleo/following/rs_maya')));
    await assertFails(getDoc(doc(anon(), 'users/rs_cleo/following/rs_maya')));
    await assertFails(getDocs(collection(as('rs_gone'), 'users/rs_gone/following')));
  });

  it('a creator pages their followers by uid (the audience order); others do not', async () => {
    await assertSucceeds(
      getDocs(query(collection(as('rs_maya'), 'users/rs_maya/followers'), orderBy('uid'), limit(50))),
    );
    await assertFails(getDocs(collection(as('rs_cleo'), 'users/rs_maya/followers')));
  });

  it('every active signed-in user reads public counts; signed-out and deleted accounts do not', async () => {
    await assertSucceeds(getDoc(doc(as('rs_dan'), 'followCounts/rs_maya')));
    await assertSucceeds(getDoc(doc(as('rs_cleo'), 'followCounts/rs_cleo')));
    await assertFails(getDoc(doc(anon(), 'followCounts/rs_maya')));
    await assertFails(getDoc(doc(as('rs_gone'), 'followCounts/rs_maya')));
  });

  it('no client writes edges or counts, not even their own', async () => {
    const cleo = as('rs_cleo');
    await assertFails(setDoc(doc(cleo, 'users/rs_cleo/following/rs_hana'), { uid: 'rs_hana' }));
    await assertFails(setDoc(doc(cleo, 'users/rs_hana/followers/rs_cleo'), { uid: 'rs_cleo' }));
    await assertFails(deleteDoc(doc(cleo, 'users/rs_cleo/following/rs_maya')));
    await assertFails(deleteDoc(doc(as('rs_maya'), 'users/rs_maya/followers/rs_cleo')));
    await assertFails(updateDoc(doc(as('rs_maya'), 'followCounts/rs_maya'), { followers: 1000 }));
    await assertFails(setDoc(doc(cleo, 'followCounts/rs_cleo'), { followers: 0, following: 0 }));
  });
});

describe('order status view rules', () => {
  it('the buyer and the seller read the view and listen to their orders; nobody else', async () => {
    await assertSucceeds(getDoc(doc(as('rs_cleo'), 'orders/rs_o1')));
    await assertSucceeds(getDoc(doc(as('rs_maya'), 'orders/rs_o1')));
    await assertSucceeds(
      getDocs(
        query(collection(as('rs_cleo'), 'orders'), where('buyerId', '==', 'rs_cleo'), orderBy('updatedAt', 'desc')),
      ),
    );
    await assertSucceeds(
      getDocs(
        query(collection(as('rs_maya'), 'orders'), where('sellerId', '==', 'rs_maya'), orderBy('updatedAt', 'desc')),
      ),
    );
    await assertFails(getDoc(doc(as('rs_dan'), 'orders/rs_o1')));
    await assertFails(getDoc(doc(anon(), 'orders/rs_o1')));
    // A query that could return others' orders is refused as a whole.
    await assertFails(getDocs(collection(as('rs_cleo'), 'orders')));
    await assertFails(getDocs(query(collection(as('rs_cleo'), 'orders'), where('buyerId', '==', 'rs_dan'))));
    // A view whose seller is not known yet: its buyer reads it, nobody as "seller".
    await assertSucceeds(getDoc(doc(as('rs_dan'), 'orders/rs_o2')));
    await assertFails(getDoc(doc(as('rs_maya'), 'orders/rs_o2')));
    // Nothing below an order.
    await assertFails(getDoc(doc(as('rs_cleo'), 'orders/rs_o1/private/x')));
  });

  it('a deleted account reads nothing, and no client writes a view', async () => {
    await env.withSecurityRulesDisabled(async (ctx) => {
      await setDoc(doc(ctx.firestore(), 'orders/rs_o3'), { buyerId: 'rs_gone', status: 'placed' });
    });
    await assertFails(getDoc(doc(as('rs_gone'), 'orders/rs_o3')));
    await assertFails(updateDoc(doc(as('rs_cleo'), 'orders/rs_o1'), { status: 'delivered' }));
    await assertFails(updateDoc(doc(as('rs_maya'), 'orders/rs_o1'), { status: 'delivered' }));
    await assertFails(setDoc(doc(as('rs_cleo'), 'orders/rs_new'), { buyerId: 'rs_cleo', status: 'refunded' }));
    await assertFails(deleteDoc(doc(as('rs_cleo'), 'orders/rs_o1')));
    await env.withSecurityRulesDisabled(async (ctx) => deleteDoc(doc(ctx.firestore(), 'orders/rs_o3')));
  });
});
