import type { RulesTestEnvironment } from '@firebase/rules-unit-testing';
import { assertFails, assertSucceeds } from '@firebase/rules-unit-testing';
import {
  Timestamp,
  collection,
  deleteDoc,
  deleteField,
  doc,
  getDoc,
  getDocs,
  query,
  serverTimestamp,
  setDoc,
  updateDoc,
  where,
  writeBatch,
} from 'firebase/firestore';
import type { DocumentData, Firestore } from 'firebase/firestore';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import type { CreateCase } from '../../support/clientWriteCases.js';
import { CLIENT_WRITE_CASES, CONVERSATIONS, REPLY_TARGET, SENDER } from '../../support/clientWriteCases.js';
import { ADMIN, clientOf, createdAtOf, inMs, minutesAgo, readReceipt, seedCast, stored, text } from './cast.js';
import { firestoreOf, rulesEnvironment } from './rulesEnv.js';

/**
 * Account state and identity in firestore.rules: the callable account guard (functions/src/app/accounts.ts,
 * requireTrustedIdentity in functions/src/domain/caller.ts) applied to what clients read and write directly.
 * - deleted / disabled (an accountStates/{uid} document): nothing read, nothing written, whatever the token says;
 * - anonymous / email-unverified: own data only (profile, read receipts, mute, device keys, removing one's typing
 *   indicator); nothing that reaches other people (send, edit, tombstone, typing);
 * - phone sign-ins (no email on the token) and email-verified accounts: everything their membership allows.
 * The tokens are shaped as Firebase Auth issues them (firebase.sign_in_provider, email, email_verified). Cast and
 * seed: ./cast.ts (carol is a plain member of group g, of dm_alice_carol and of enc; carol_m2 is her message of a
 * minute ago in g).
 */
let env: RulesTestEnvironment;

type State = 'deleted' | 'disabled';
interface Persona {
  name: string;
  claims: Record<string, unknown>;
  state?: State;
  /** May act on own data (reads, profile, read receipts, keys). */
  own: boolean;
  /** May write what reaches other people (messages, edits, tombstones, typing). */
  reach: boolean;
}

const provider = (sign_in_provider: string, identities: Record<string, unknown> = {}) => ({
  firebase: { sign_in_provider, identities },
});
const VERIFIED = {
  ...provider('password', { email: ['carol@example.com'] }),
  email: 'carol@example.com',
  email_verified: true,
};
const PHONE = { ...provider('phone', { phone: ['+4915112345678'] }), phone_number: '+4915112345678' };
const ANONYMOUS = provider('anonymous');
const UNVERIFIED = {
  ...provider('password', { email: ['carol@example.com'] }),
  email: 'carol@example.com',
  email_verified: false,
};

const PERSONAS: Persona[] = [
  { name: 'an email-verified account', claims: VERIFIED, own: true, reach: true },
  { name: 'a phone sign-in (no email: the sign-in verified the number)', claims: PHONE, own: true, reach: true },
  { name: 'an anonymous account', claims: ANONYMOUS, own: true, reach: false },
  { name: 'an email-unverified account', claims: UNVERIFIED, own: true, reach: false },
  {
    name: 'a deleted account (verified token still valid)',
    claims: VERIFIED,
    state: 'deleted',
    own: false,
    reach: false,
  },
  { name: 'a disabled account (verified token)', claims: VERIFIED, state: 'disabled', own: false, reach: false },
  { name: 'a disabled phone sign-in', claims: PHONE, state: 'disabled', own: false, reach: false },
];

/** Writes accountStates/{uid} the way erasure (markAccountDeleted) or an admin (markAccount) does. */
async function markAccount(uid: string, state: State): Promise<void> {
  await env.withSecurityRulesDisabled((ctx) =>
    setDoc(doc(firestoreOf(ctx), `accountStates/${uid}`), {
      state,
      by: state === 'deleted' ? uid : 'mod',
      at: Timestamp.now(),
    }),
  );
}
const seed = (p: string, data: DocumentData) =>
  env.withSecurityRulesDisabled((ctx) => setDoc(doc(firestoreOf(ctx), p), data));
const remove = (p: string) => env.withSecurityRulesDisabled((ctx) => deleteDoc(doc(firestoreOf(ctx), p)));

/** A valid edit of carol_m2 (as editMessage writes it): new text, editedAt now, one history entry. */
async function editOfM2(): Promise<DocumentData> {
  const createdAt = await createdAtOf(env, 'conversations/g/messages/carol_m2');
  return {
    text: 'Edited',
    editedAt: serverTimestamp(),
    editHistory: [{ editedAt: createdAt, text: 'Is the walnut bowl food-safe?' }],
  };
}

type Op = (f: Firestore) => Promise<unknown>;
/** Writes that reach other people: refused unless the account is active and trusted. */
const REACH_WRITES: Array<[string, Op]> = [
  ['sends a message in a group', (f) => setDoc(doc(f, 'conversations/g/messages/carol_c1'), text('carol', 'c1'))],
  [
    'sends a message in a direct conversation',
    (f) => setDoc(doc(f, 'conversations/dm_alice_carol/messages/carol_c1'), text('carol', 'c1')),
  ],
  ['edits their message', async (f) => updateDoc(doc(f, 'conversations/g/messages/carol_m2'), await editOfM2())],
  [
    'tombstones their message',
    (f) =>
      updateDoc(doc(f, 'conversations/g/messages/carol_m2'), {
        text: deleteField(),
        deleted: true,
        deletedBy: 'carol',
        deletedAt: serverTimestamp(),
      }),
  ],
  ['signals typing', (f) => setDoc(doc(f, 'conversations/g/typing/carol'), { expiresAt: inMs(5_000) })],
  [
    'signals typing in a direct conversation',
    (f) => setDoc(doc(f, 'conversations/dm_alice_carol/typing/carol'), { expiresAt: inMs(5_000) }),
  ],
];
/** Own-data writes: refused for deleted and disabled accounts only. */
const OWN_WRITES: Array<[string, Op]> = [
  ['marks a conversation read (reads/{uid} and lastReadAt)', (f) => readReceipt(f, 'g', 'carol')],
  ['mutes a conversation', (f) => updateDoc(doc(f, 'conversations/g/members/carol'), { mutedUntil: inMs(3_600_000) })],
  [
    'sets "looking at it" (activeUntil)',
    (f) => updateDoc(doc(f, 'conversations/g/members/carol'), { activeUntil: inMs(60_000) }),
  ],
  ['renames their profile', (f) => updateDoc(doc(f, 'users/carol'), { displayName: 'Carol M.' })],
  [
    'publishes a device key',
    (f) =>
      setDoc(doc(f, 'users/carol/keys/d9'), { alg: 'X25519', publicKey: 'B'.repeat(44), createdAt: serverTimestamp() }),
  ],
  ['removes a device key', (f) => deleteDoc(doc(f, 'users/carol/keys/d8'))],
  ['removes their typing indicator', (f) => deleteDoc(doc(f, 'conversations/g/typing/carol'))],
];
/** Reads: refused for deleted and disabled accounts only. */
const READS: Array<[string, Op]> = [
  ['reads a conversation', (f) => getDoc(doc(f, 'conversations/g'))],
  [
    'lists their conversations',
    (f) => getDocs(query(collection(f, 'conversations'), where('memberIds', 'array-contains', 'carol'))),
  ],
  ['reads the messages of a conversation', (f) => getDocs(collection(f, 'conversations/g/messages'))],
  ['reads a direct message', (f) => getDoc(doc(f, 'conversations/dm_alice_carol/messages/alice_d0'))],
  ['reads the member list', (f) => getDocs(collection(f, 'conversations/g/members'))],
  ['reads typing indicators', (f) => getDocs(collection(f, 'conversations/g/typing'))],
  ['reads another user’s public key', (f) => getDoc(doc(f, 'users/alice/keys/d1'))],
  ['reads their own profile', (f) => getDoc(doc(f, 'users/carol'))],
  ['reads their notifications', (f) => getDocs(collection(f, 'users/carol/notifications'))],
  ['reads their blocks', (f) => getDocs(collection(f, 'users/carol/blocks'))],
  ['reads their export job', (f) => getDoc(doc(f, 'exports/xc'))],
];

beforeAll(async () => {
  env = await rulesEnvironment();
});
afterAll(async () => {
  await env.cleanup();
});
beforeEach(async () => {
  await seedCast(env);
  await env.withSecurityRulesDisabled(async (ctx) => {
    const f = firestoreOf(ctx);
    const batch = writeBatch(f);
    batch.set(doc(f, 'conversations/g/typing/carol'), { expiresAt: inMs(5_000) });
    batch.set(doc(f, 'users/carol/keys/d8'), { alg: 'X25519', publicKey: 'C'.repeat(44), createdAt: minutesAgo(60) });
    batch.set(doc(f, 'users/carol/notifications/n1'), { title: 'New message', read: false });
    batch.set(doc(f, 'exports/xc'), { ownerUid: 'carol', status: 'done' });
    await batch.commit();
  });
});

for (const persona of PERSONAS) {
  describe(`carol as ${persona.name}`, () => {
    const as = () => clientOf(env).db('carol', persona.claims);
    beforeEach(async () => {
      if (persona.state) await markAccount('carol', persona.state);
    });
    for (const [what, op] of REACH_WRITES) {
      it(`${persona.reach ? 'may' : 'may not'}: ${what}`, () =>
        persona.reach ? assertSucceeds(op(as())) : assertFails(op(as())));
    }
    for (const [what, op] of [...OWN_WRITES, ...READS]) {
      it(`${persona.own ? 'may' : 'may not'}: ${what}`, () =>
        persona.own ? assertSucceeds(op(as())) : assertFails(op(as())));
    }
    it(`${persona.own ? 'may' : 'may not'}: creates their profile (none yet, or erasure removed it)`, async () => {
      await remove('users/carol');
      const create = () =>
        setDoc(doc(as(), 'users/carol'), { displayName: 'Carol', kind: 'collector', createdAt: serverTimestamp() });
      await (persona.own ? assertSucceeds(create()) : assertFails(create()));
    });
    it('may not: reads or writes accountStates, their own included', async () => {
      await assertFails(getDoc(doc(as(), 'accountStates/carol')));
      await assertFails(
        setDoc(doc(as(), 'accountStates/carol'), { state: 'disabled', by: 'carol', at: serverTimestamp() }),
      );
      await assertFails(deleteDoc(doc(as(), 'accountStates/carol')));
    });
  });
}

describe('deleted and disabled accounts: no way around the state', () => {
  const verified = () => clientOf(env).db('carol', VERIFIED);
  it('a batch of an allowed-looking read receipt and a message is refused whole', async () => {
    await markAccount('carol', 'deleted');
    const f = verified();
    const batch = writeBatch(f);
    batch.set(doc(f, 'conversations/g/reads/carol'), { lastReadAt: serverTimestamp() });
    batch.update(doc(f, 'conversations/g/members/carol'), { lastReadAt: serverTimestamp(), unreadCount: 0 });
    batch.set(doc(f, 'conversations/g/messages/carol_c1'), text('carol', 'c1'));
    await assertFails(batch.commit());
  });
  it('deleting one’s accountStates document does not reactivate the account', async () => {
    await markAccount('carol', 'disabled');
    await assertFails(deleteDoc(doc(verified(), 'accountStates/carol')));
    await assertFails(setDoc(doc(verified(), 'conversations/g/messages/carol_c1'), text('carol', 'c1')));
  });
  it('a state the guard does not know still means not active (accountStateOf reads it as deleted)', async () => {
    await seed('accountStates/carol', { state: 'suspended', by: 'mod', at: Timestamp.now() });
    await assertFails(setDoc(doc(verified(), 'conversations/g/messages/carol_c1'), text('carol', 'c1')));
    await assertFails(getDoc(doc(verified(), 'conversations/g')));
  });
  it('an admin whose account is disabled reads no moderation queue or audit log', async () => {
    await markAccount('mod', 'disabled');
    await assertFails(getDoc(doc(clientOf(env).db('mod', ADMIN), 'moderationQueue/q1')));
    await assertFails(getDoc(doc(clientOf(env).db('mod', ADMIN), 'auditLog/a1')));
  });
  it('control: an active admin reads them', async () => {
    await assertSucceeds(getDoc(doc(clientOf(env).db('mod', ADMIN), 'moderationQueue/q1')));
    await assertSucceeds(getDoc(doc(clientOf(env).db('mod', ADMIN), 'auditLog/a1')));
  });
  it('the other members are unaffected by carol’s state', async () => {
    await markAccount('carol', 'deleted');
    await assertSucceeds(
      setDoc(doc(clientOf(env).db('alice', VERIFIED), 'conversations/g/messages/alice_c1'), text('alice', 'c1')),
    );
    await assertSucceeds(getDocs(collection(clientOf(env).db('bob'), 'conversations/g/messages')));
  });
});

describe('accountStates/{uid}: server-only', () => {
  beforeEach(() => markAccount('dave', 'disabled'));
  it('nobody reads another user’s state', () =>
    assertFails(getDoc(doc(clientOf(env).db('carol', VERIFIED), 'accountStates/dave'))));
  it('not staff either', () => assertFails(getDoc(doc(clientOf(env).db('mod', ADMIN), 'accountStates/dave'))));
  it('nobody lists them', () => assertFails(getDocs(collection(clientOf(env).db('mod', ADMIN), 'accountStates'))));
  it('nobody locks another user out by writing their state', () =>
    assertFails(
      setDoc(doc(clientOf(env).db('carol', VERIFIED), 'accountStates/alice'), {
        state: 'deleted',
        by: 'carol',
        at: serverTimestamp(),
      }),
    ));
  it('nor does an admin claim write one (disabling goes through the audited callable)', () =>
    assertFails(
      setDoc(doc(clientOf(env).db('mod', ADMIN), 'accountStates/alice'), {
        state: 'disabled',
        by: 'mod',
        at: serverTimestamp(),
      }),
    ));
  it('signed-out clients neither', () => assertFails(getDoc(doc(clientOf(env).anon(), 'accountStates/dave'))));
});

describe('which tokens count as trusted (as requireTrustedIdentity decides)', () => {
  const send = (claims: Record<string, unknown>) =>
    setDoc(doc(clientOf(env).db('carol', claims), 'conversations/g/messages/carol_c1'), text('carol', 'c1'));
  it('an email without an email_verified claim is unverified', () =>
    assertFails(send({ ...provider('password'), email: 'carol@example.com' })));
  it('email_verified as the string "true" is not verified', () =>
    assertFails(send({ ...provider('password'), email: 'carol@example.com', email_verified: 'true' })));
  it('a phone sign-in that carries an unverified email is unverified (the email decides, as in caller.ts)', () =>
    assertFails(send({ ...PHONE, email: 'carol@example.com', email_verified: false })));
  it('an anonymous account with a verified-looking email claim is still anonymous', () =>
    assertFails(send({ ...ANONYMOUS, email: 'carol@example.com', email_verified: true })));
  it('an empty email is no email (a custom token, like the backends mint)', () =>
    assertSucceeds(send({ ...provider('custom'), email: '' })));
  it('a Google sign-in with a verified email', () =>
    assertSucceeds(send({ ...provider('google.com'), email: 'carol@example.com', email_verified: true })));
  it('the service role is exempt (backend identities), as in the callables', () =>
    assertSucceeds(
      send({ ...provider('custom'), roles: ['service'], email: 'svc@example.com', email_verified: false }),
    ));
  it('the admin role is not exempt', () => assertFails(send({ ...ANONYMOUS, admin: true })));
});

describe('the largest messages still fit the expression and document-access limits with the account checks', () => {
  // The shared table's maxima (test/support/clientWriteCases.ts), sent by an email-verified account: the costliest
  // identity that passes trusted() (a token without email stops earlier). The cast holds no reply target in the
  // direct conversation; it is added here.
  const largest = CLIENT_WRITE_CASES.filter(
    (c): c is CreateCase => c.op === 'create' && c.expected === 'allow' && c.name.startsWith('10 '),
  );
  beforeEach(async () => {
    for (const { cid } of Object.values(CONVERSATIONS))
      await seed(`conversations/${cid}/messages/${REPLY_TARGET}`, stored('alice', 'm1', 5));
  });
  it('covers the table’s maxima', () => {
    if (largest.length < 4) throw new Error(`expected the 10-attachment cases, found ${largest.length}`);
  });
  for (const c of largest) {
    it(`${c.name} [${c.conversation}]`, () =>
      assertSucceeds(
        setDoc(
          doc(
            clientOf(env).db(SENDER, VERIFIED),
            `conversations/${CONVERSATIONS[c.conversation].cid}/messages/${SENDER}_big`,
          ),
          {
            ...c.doc,
            senderId: SENDER,
            clientMessageId: 'big',
            createdAt: serverTimestamp(),
          },
        ),
      ));
  }
});
