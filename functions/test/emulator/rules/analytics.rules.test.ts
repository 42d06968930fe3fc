import type { RulesTestEnvironment } from '@firebase/rules-unit-testing';
import { assertFails, assertSucceeds } from '@firebase/rules-unit-testing';
import { collection, deleteDoc, doc, getDoc, getDocs, setDoc, updateDoc } from 'firebase/firestore';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { rulesEnvironment } from './rulesEnv.js';

/**
 * Analytics collections (issue 19) in firestore.rules: the admin app reads and listens to the aggregates, incidents
 * and experiments; nobody else reads them; nobody writes them from a client (the functions do, with the Admin SDK).
 * Markers, touches and conversions link users to notifications: not even admins read them.
 */
let env: RulesTestEnvironment;

const ADMIN_READABLE = [
  'analyticsDaily/2026-11-21__auction.outbid__push__en__0',
  'analyticsHealth/2026-11-21T12:00__push__0',
  'analyticsBacklog/0',
  'analyticsSmsSpend/2026-11-21__0',
  'analyticsIncidents/error_rate_1',
  'analyticsAlerts/error_rate',
  'analyticsConfig/alerts',
  'experiments/outbid-copy',
  'experimentsActive/auction.outbid',
  'experimentCounts/outbid-copy__control__0',
  'notificationOverrides/auction.outbid',
];
const NOBODY = ['analyticsMarks/d1', 'analyticsTouches/rules_user', 'analyticsConversions/evt_1'];

beforeAll(async () => {
  env = await rulesEnvironment();
  await env.withSecurityRulesDisabled(async (ctx) => {
    const db = ctx.firestore();
    for (const path of [...ADMIN_READABLE, ...NOBODY]) await setDoc(doc(db, path), { n: 1 });
    await setDoc(doc(db, 'accountStates/rules_disabled_admin'), { state: 'disabled' });
  });
});
afterAll(async () => {
  await env?.withSecurityRulesDisabled(async (ctx) => {
    const db = ctx.firestore();
    for (const path of [...ADMIN_READABLE, ...NOBODY, 'accountStates/rules_disabled_admin'])
      await deleteDoc(doc(db, path));
  });
  await env?.cleanup();
});

const admin = () => env.authenticatedContext('rules_admin', { admin: true }).firestore();
const user = () => env.authenticatedContext('rules_user', {}).firestore();
const disabledAdmin = () => env.authenticatedContext('rules_disabled_admin', { admin: true }).firestore();

describe('analytics rules', () => {
  it('admins read the aggregates, incidents and experiments; users, anonymous callers and disabled admins do not', async () => {
    for (const path of ADMIN_READABLE) {
      await assertSucceeds(getDoc(doc(admin(), path)));
      await assertFails(getDoc(doc(user(), path)));
      await assertFails(getDoc(doc(env.unauthenticatedContext().firestore(), path)));
      await assertFails(getDoc(doc(disabledAdmin(), path)));
    }
    // A listener's query over a whole collection (the dashboard's live view).
    await assertSucceeds(getDocs(collection(admin(), 'analyticsHealth')));
    await assertFails(getDocs(collection(user(), 'analyticsHealth')));
  });

  it('nobody writes them from a client, admins included', async () => {
    for (const path of [...ADMIN_READABLE, ...NOBODY]) {
      await assertFails(setDoc(doc(admin(), path), { n: 2 }));
      await assertFails(updateDoc(doc(admin(), path), { n: 2 }));
      await assertFails(deleteDoc(doc(admin(), path)));
      await assertFails(setDoc(doc(user(), path), { n: 2 }));
    }
  });

  it('markers, touches and conversions are read by nobody, the user they concern included', async () => {
    for (const path of NOBODY) {
      await assertFails(getDoc(doc(admin(), path)));
      await assertFails(getDoc(doc(user(), path)));
    }
  });
});
