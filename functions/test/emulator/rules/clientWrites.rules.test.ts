import type { RulesTestEnvironment } from '@firebase/rules-unit-testing';
import { assertFails, assertSucceeds } from '@firebase/rules-unit-testing';
import { Timestamp, deleteField, doc, serverTimestamp, setDoc, updateDoc, writeBatch } from 'firebase/firestore';
import type { DocumentData } from 'firebase/firestore';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { ClientWriteCase, Doc } from '../../support/clientWriteCases.js';
import {
  CLIENT_WRITE_CASES,
  CONVERSATIONS,
  DELETE,
  NOW,
  REPLY_TARGET,
  SENDER,
  clientMessageIdOf,
} from '../../support/clientWriteCases.js';
import { firestoreOf, rulesEnvironment } from './rulesEnv.js';

/**
 * The shared client-write case table (test/support/clientWriteCases.ts) through firestore.rules on the emulator; the
 * same table runs through the zod schemas in test/unit/messaging/clientWrites.test.ts. Seeded once: every case writes
 * a document of its own.
 */
let env: RulesTestEnvironment;

/** The case's data as the client SDK sends it. */
function toWrite(data: Doc): DocumentData {
  return Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, v === NOW ? serverTimestamp() : v === DELETE ? deleteField() : v]),
  );
}

const messagePath = (c: ClientWriteCase) =>
  `conversations/${CONVERSATIONS[c.conversation].cid}/messages/${SENDER}_${clientMessageIdOf(c)}`;

beforeAll(async () => {
  env = await rulesEnvironment();
  await env.clearFirestore();
  await env.withSecurityRulesDisabled(async (ctx) => {
    const f = firestoreOf(ctx);
    const batch = writeBatch(f);
    const joinedAt = Timestamp.fromMillis(Date.now() - 3_600_000);
    for (const uid of ['alice', SENDER]) batch.set(doc(f, `users/${uid}`), { displayName: uid, kind: 'creator' });
    for (const [kind, { cid, e2ee }] of Object.entries(CONVERSATIONS)) {
      const type = kind === 'direct' ? 'direct' : 'group';
      batch.set(doc(f, `conversations/${cid}`), {
        type,
        title: type === 'group' ? cid : null,
        memberIds: ['alice', SENDER],
        settings: { announcementOnly: false, e2ee },
        createdAt: joinedAt,
        createdBy: 'alice',
      });
      for (const uid of ['alice', SENDER]) {
        const role = type === 'group' && uid === 'alice' ? 'owner' : 'member';
        batch.set(doc(f, `conversations/${cid}/members/${uid}`), {
          uid,
          role,
          joinedAt,
          lastReadAt: null,
          unreadCount: 0,
          mutedUntil: null,
          activeUntil: null,
          displayName: uid,
          photoUrl: null,
        });
      }
      batch.set(doc(f, `conversations/${cid}/messages/${REPLY_TARGET}`), {
        senderId: 'alice',
        type: 'text',
        text: 'hello',
        clientMessageId: 'm1',
        createdAt: joinedAt,
      });
    }
    for (const c of CLIENT_WRITE_CASES) if (c.op === 'update') batch.set(doc(f, messagePath(c)), c.before);
    await batch.commit();
  });
});
afterAll(async () => {
  await env.cleanup();
});

function write(c: ClientWriteCase): Promise<unknown> {
  const f = firestoreOf(env.authenticatedContext(SENDER));
  switch (c.op) {
    case 'create':
      return setDoc(
        doc(f, messagePath(c)),
        toWrite({ ...c.doc, senderId: SENDER, clientMessageId: clientMessageIdOf(c), createdAt: NOW }),
      );
    case 'update':
      return updateDoc(doc(f, messagePath(c)), toWrite(c.patch));
    case 'typing':
      return setDoc(doc(f, `conversations/${CONVERSATIONS[c.conversation].cid}/typing/${SENDER}`), {
        expiresAt: Timestamp.fromMillis(Date.now() + c.aheadMs),
        ...c.extra,
      });
  }
}

describe('client writes through firestore.rules (shared case table)', () => {
  for (const c of CLIENT_WRITE_CASES) {
    it(`${c.op} ${c.expected}: ${c.name} [${c.conversation}] (${c.why})`, () =>
      c.expected === 'allow' ? assertSucceeds(write(c)) : assertFails(write(c)));
  }
});
