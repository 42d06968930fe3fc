import type { RulesTestEnvironment } from '@firebase/rules-unit-testing';
import { assertFails, assertSucceeds } from '@firebase/rules-unit-testing';
import { collection, deleteDoc, doc, getDoc, getDocs, query, setDoc, updateDoc, where } from 'firebase/firestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FirestoreDocumentStore } from '../../../src/adapters/firestore/firestoreDocumentStore.js';
import { ManualClock } from '../../../src/adapters/clocks.js';
import { AuditLog } from '../../../src/app/audit.js';
import { RULES_PROJECT, isolatedFirestore } from '../isolatedProject.js';
import { firestoreOf, rulesEnvironment } from '../rules/rulesEnv.js';

/**
 * The audit trail as the server writes it (AuditLog over the Admin SDK, which bypasses the rules) and as clients see
 * it through firestore.rules: append-only, readable by admins only (compliance staff export through audited callables),
 * never written, edited or deleted from a client, not even by the user the entry is about or by a service identity.
 */
let env: RulesTestEnvironment;
const run = `${process.pid}-${Date.now()}`;
const ids: string[] = [];

beforeAll(async () => {
  env = await rulesEnvironment();
  const store = new FirestoreDocumentStore(() => isolatedFirestore(RULES_PROJECT));
  const audit = new AuditLog(store, new ManualClock('2024-06-01T00:00:00Z'));
  await audit.record(
    {
      actorUid: `alice-${run}`,
      action: 'export.conversation',
      target: { type: 'conversation', id: `c-${run}` },
      details: { format: 'csv' },
    },
    `exp-${run}`,
  );
  await audit.record(
    { actorUid: `alice-${run}`, action: 'user.erase', target: { type: 'user', id: `alice-${run}` } },
    `erase-${run}`,
  );
  // A retried action (the same key) does not add a second entry.
  await audit.record(
    { actorUid: `alice-${run}`, action: 'user.erase', target: { type: 'user', id: `alice-${run}` } },
    `erase-${run}`,
  );
  const entries = await store.query('auditLog', { where: [['actorUid', '==', `alice-${run}`]] });
  ids.push(...entries.map((e) => e.id));
});

afterAll(async () => {
  await env.cleanup();
});

const db = (uid: string, claims: Record<string, unknown> = {}) => firestoreOf(env.authenticatedContext(uid, claims));

describe('auditLog rules, on entries the server wrote', () => {
  it('holds one entry per action, retries included', () => {
    expect(ids).toHaveLength(2);
  });

  it('admins read entries and list them', async () => {
    for (const claims of [{ admin: true }, { roles: ['admin'] }]) {
      await assertSucceeds(getDoc(doc(db('staff', claims), `auditLog/${ids[0]}`)));
      const listed = await assertSucceeds(
        getDocs(query(collection(db('staff', claims), 'auditLog'), where('actorUid', '==', `alice-${run}`))),
      );
      expect(listed.size).toBe(2);
    }
  });

  it('the user an entry is about cannot read it, nor can a service identity or a signed-out client', async () => {
    await assertFails(getDoc(doc(db(`alice-${run}`), `auditLog/${ids[0]}`)));
    await assertFails(
      getDocs(query(collection(db(`alice-${run}`), 'auditLog'), where('actorUid', '==', `alice-${run}`))),
    );
    await assertFails(getDoc(doc(db('svc', { service: true }), `auditLog/${ids[0]}`)));
    await assertFails(getDoc(doc(db('comp', { compliance: true }), `auditLog/${ids[0]}`)));
    await assertFails(getDoc(doc(firestoreOf(env.unauthenticatedContext()), `auditLog/${ids[0]}`)));
  });

  it('no client appends, edits or deletes, whatever its role', async () => {
    for (const claims of [{}, { admin: true }, { compliance: true }, { service: true }]) {
      const f = db('anyone', claims);
      await assertFails(
        setDoc(doc(f, `auditLog/forged-${run}`), {
          actorUid: 'anyone',
          action: 'forged',
          target: { type: 'x', id: 'y' },
          at: new Date(),
        }),
      );
      await assertFails(updateDoc(doc(f, `auditLog/${ids[0]}`), { action: 'rewritten' }));
      await assertFails(deleteDoc(doc(f, `auditLog/${ids[1]}`)));
    }
  });
});
