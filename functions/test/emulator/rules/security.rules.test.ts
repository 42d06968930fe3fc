import type { RulesTestEnvironment } from '@firebase/rules-unit-testing';
import { assertFails, assertSucceeds } from '@firebase/rules-unit-testing';
import {
  Timestamp,
  collection,
  collectionGroup,
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
} from 'firebase/firestore';
import type { DocumentData } from 'firebase/firestore';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import {
  ADMIN,
  COMPLIANCE,
  ban,
  clientOf,
  envelope,
  inMs,
  minutesAgo,
  readReceipt,
  seedCast,
  stored,
  text,
} from './cast.js';
import { firestoreOf, rulesEnvironment } from './rulesEnv.js';

/**
 * The rules side of the security review (issues 10 and 11), every case on the emulator: what must work despite a
 * missing document, and the attacks (bans, blocks and announcement-only groups on every way of speaking, staff reads,
 * forged or stuffed edit history, tombstones of system messages). Cast and seed: ./cast.ts.
 */
let env: RulesTestEnvironment;
const db = (uid: string, claims: Record<string, unknown> = {}) => clientOf(env).db(uid, claims);
const path = (cid: string, mid: string) => `conversations/${cid}/messages/${mid}`;
const msg = (uid: string, cid: string, mid: string) => doc(db(uid), path(cid, mid));
const send = (uid: string, cid: string, cmid: string, extra: DocumentData = {}) =>
  setDoc(msg(uid, cid, `${uid}_${cmid}`), text(uid, cmid, extra));
const typing = (uid: string, cid: string) =>
  setDoc(doc(db(uid), `conversations/${cid}/typing/${uid}`), { expiresAt: inMs(5_000) });
const tombstone = (uid: string, extra: DocumentData = {}) => ({
  text: deleteField(),
  deleted: true,
  deletedBy: uid,
  deletedAt: serverTimestamp(),
  ...extra,
});

async function storedDoc(p: string): Promise<DocumentData> {
  let data: DocumentData | undefined;
  await env.withSecurityRulesDisabled(async (ctx) => {
    data = (await getDoc(doc(firestoreOf(ctx), p))).data();
  });
  if (!data) throw new Error(`nothing at ${p}`);
  return data;
}
const seed = (p: string, data: DocumentData) =>
  env.withSecurityRulesDisabled((ctx) => setDoc(doc(firestoreOf(ctx), p), data));

/**
 * A valid edit of the stored message at `cid/mid`: `changes`, editedAt now, and the history entry holding the replaced
 * values and the replaced version's time, as editMessage writes it.
 */
async function validEdit(
  cid: string,
  mid: string,
  changes: DocumentData,
): Promise<{ patch: DocumentData; entry: DocumentData; prior: DocumentData[] }> {
  const before = await storedDoc(path(cid, mid));
  const entry: DocumentData = { editedAt: before.editedAt ?? before.createdAt };
  for (const key of Object.keys(changes))
    if (before[key] !== undefined && before[key] !== null) entry[key] = before[key];
  const prior = (before.editHistory as DocumentData[] | undefined) ?? [];
  return { patch: { ...changes, editedAt: serverTimestamp(), editHistory: [...prior, entry] }, entry, prior };
}
const edit = async (uid: string, cid: string, mid: string, changes: DocumentData = { text: 'Edited' }) =>
  updateDoc(msg(uid, cid, mid), (await validEdit(cid, mid, changes)).patch);

beforeAll(async () => {
  env = await rulesEnvironment();
});
afterAll(async () => {
  await env.cleanup();
});
beforeEach(async () => {
  await seedCast(env);
});

describe('a missing document never denies what it should not (get() of a missing document is an error)', () => {
  it('a member without a users/{uid} profile sends', () => assertSucceeds(send('frank', 'g', 'c1')));
  it('… edits within the window', () => assertSucceeds(edit('frank', 'g', 'frank_f1')));
  it('… leaves a tombstone', () => assertSucceeds(updateDoc(msg('frank', 'g', 'frank_f1'), tombstone('frank'))));
  it('… signals typing', () => assertSucceeds(typing('frank', 'g')));
  it('the group owner tombstones the message of a member who has left', () =>
    assertSucceeds(updateDoc(msg('alice', 'g', 'erin_x1'), tombstone('alice'))));
  it('a plain member still cannot tombstone it', () =>
    assertFails(updateDoc(msg('carol', 'g', 'erin_x1'), tombstone('carol'))));
  it('a member document without its conversation lets nobody post', async () => {
    await seed('conversations/ghost/members/carol', { uid: 'carol', role: 'owner', joinedAt: minutesAgo(5) });
    await assertFails(send('carol', 'ghost', 'c1'));
  });
  it('a reply to a message of another conversation is refused (replyTo is looked up in this one)', () =>
    assertFails(send('carol', 'g', 'c1', { replyTo: 'alice_d0' })));
  it('signed-out clients send nothing', () =>
    assertFails(setDoc(doc(clientOf(env).anon(), path('g', 'anon_c1')), text('anon', 'c1'))));
});

describe('a ban stops every way of speaking (send, edit, tombstone, typing, profile), not reading', () => {
  beforeEach(() => ban(env, 'carol'));
  it('no sending', () => assertFails(send('carol', 'g', 'c1')));
  it('no editing', () => assertFails(edit('carol', 'g', 'carol_m2')));
  it('no tombstoning one’s own message (it would erase the evidence)', () =>
    assertFails(updateDoc(msg('carol', 'g', 'carol_m2'), tombstone('carol'))));
  it('no typing indicator', () => assertFails(typing('carol', 'g')));
  it('no renaming oneself (the name other members see)', () =>
    assertFails(updateDoc(doc(db('carol'), 'users/carol'), { displayName: 'Free crypto, DM me' })));
  it('no lifting the ban', () =>
    assertFails(updateDoc(doc(db('carol'), 'users/carol'), { moderation: { banned: false } })));
  it('reading the conversation still works', () =>
    assertSucceeds(getDocs(collection(db('carol'), 'conversations/g/messages'))));
  it('marking it read still works', () => assertSucceeds(readReceipt(db('carol'), 'g', 'carol')));
  it('removing one’s own typing indicator still works', () =>
    assertSucceeds(deleteDoc(doc(db('carol'), 'conversations/g/typing/carol'))));
  it('a banned group admin tombstones nobody’s message', async () => {
    await ban(env, 'bob');
    await assertFails(updateDoc(msg('bob', 'g', 'carol_m2'), tombstone('bob')));
  });
});

describe('blocks and announcement-only groups hold for edits and typing, as for sending', () => {
  it('control: an edit in an open direct conversation', () =>
    assertSucceeds(edit('carol', 'dm_alice_carol', 'carol_dm1')));
  it('no edit in a direct conversation where the other side blocks', () =>
    assertFails(edit('carol', 'dm_bob_carol', 'carol_b1')));
  it('no typing there, for the blocked', () => assertFails(typing('carol', 'dm_bob_carol')));
  it('no typing there, for the blocker either', () => assertFails(typing('bob', 'dm_bob_carol')));
  it('deleting one’s own message there still works', () =>
    assertSucceeds(updateDoc(msg('carol', 'dm_bob_carol', 'carol_b1'), tombstone('carol'))));
  it('no member edit in an announcement-only group (posted before the switch)', () =>
    assertFails(edit('carol', 'ann', 'carol_a1')));
  it('no member typing in an announcement-only group', () => assertFails(typing('carol', 'ann')));
  it('the owner types there', () => assertSucceeds(typing('alice', 'ann')));
  it('the owner edits there', async () => {
    await seed(path('ann', 'alice_a2'), stored('alice', 'a2', 1));
    await assertSucceeds(edit('alice', 'ann', 'alice_a2'));
  });
  it('a member who has left edits nothing', async () => {
    await seed(path('g', 'erin_x2'), stored('erin', 'x2', 1));
    await assertFails(edit('erin', 'g', 'erin_x2'));
  });
  it('an outsider types nowhere', () => assertFails(typing('dave', 'g')));
});

describe('staff claims read no private content through the rules (audited callables do)', () => {
  const staff: Array<[string, Record<string, unknown>]> = [
    ['admin', ADMIN],
    ['compliance', COMPLIANCE],
    ['roles: admin', { roles: ['admin'] }],
    ['roles: compliance', { roles: ['compliance'] }],
  ];
  for (const [name, claims] of staff) {
    const as = () => db('staff', claims);
    it(`${name}: no user profile (email, phone)`, () => assertFails(getDoc(doc(as(), 'users/alice'))));
    it(`${name}: no list of users`, () => assertFails(getDocs(collection(as(), 'users'))));
    it(`${name}: no notification settings, notifications or devices`, async () => {
      for (const p of ['users/alice/settings/notifications', 'users/alice/notifications/n1', 'users/alice/devices/d1'])
        await assertFails(getDoc(doc(as(), p)));
    });
    it(`${name}: no conversation`, () => assertFails(getDoc(doc(as(), 'conversations/dm_alice_carol'))));
    it(`${name}: no list of all conversations`, () => assertFails(getDocs(collection(as(), 'conversations'))));
    it(`${name}: no one else’s conversations by member`, () =>
      assertFails(getDocs(query(collection(as(), 'conversations'), where('memberIds', 'array-contains', 'carol')))));
    it(`${name}: no direct message`, () => assertFails(getDoc(doc(as(), path('dm_alice_carol', 'alice_d0')))));
    it(`${name}: no list of a direct conversation’s messages`, () =>
      assertFails(getDocs(collection(as(), 'conversations/dm_alice_carol/messages'))));
    it(`${name}: no messages across conversations`, () =>
      assertFails(getDocs(query(collectionGroup(as(), 'messages'), where('senderId', '==', 'carol')))));
    it(`${name}: no member list`, () => assertFails(getDocs(collection(as(), 'conversations/g/members'))));
    it(`${name}: no typing indicators`, () => assertFails(getDocs(collection(as(), 'conversations/g/typing'))));
  }
  it('a member with the admin claim reads their own conversations as a member', () =>
    assertSucceeds(getDoc(doc(db('alice', ADMIN), 'conversations/g'))));
  it('admins read the moderation queue (their work list, decided through decideModeration)', () =>
    assertSucceeds(getDoc(doc(db('mod', ADMIN), 'moderationQueue/q1'))));
  it('compliance does not read the moderation queue', () =>
    assertFails(getDoc(doc(db('comp', COMPLIANCE), 'moderationQueue/q1'))));
});

describe('edit history: the new entry is exactly the replaced content', () => {
  const update = (uid: string, cid: string, mid: string, data: DocumentData) => updateDoc(msg(uid, cid, mid), data);
  const twoEdits = async () => {
    await seed(path('g', 'carol_h2'), {
      ...stored('carol', 'h2', 3, { text: 'v2' }),
      editedAt: minutesAgo(1),
      editHistory: [
        { text: 'v0', editedAt: minutesAgo(3) },
        { text: 'v1', editedAt: minutesAgo(2) },
      ],
    });
  };

  it('control: the valid edit', () => assertSucceeds(edit('carol', 'g', 'carol_m2')));
  it('a forged previous version', async () => {
    const { entry, prior } = await validEdit('g', 'carol_m2', { text: 'Edited' });
    await assertFails(
      update('carol', 'g', 'carol_m2', {
        text: 'Edited',
        editedAt: serverTimestamp(),
        editHistory: [...prior, { ...entry, text: 'I never said that' }],
      }),
    );
  });
  it('~900 KB stuffed into the entry', async () => {
    const { entry, prior } = await validEdit('g', 'carol_m2', { text: 'Edited' });
    await assertFails(
      update('carol', 'g', 'carol_m2', {
        text: 'Edited',
        editedAt: serverTimestamp(),
        editHistory: [...prior, { ...entry, text: 'x'.repeat(900_000) }],
      }),
    );
  });
  it('an entry with a field the edit did not change', async () => {
    const { entry, prior } = await validEdit('g', 'carol_m2', { text: 'Edited' });
    await assertFails(
      update('carol', 'g', 'carol_m2', {
        text: 'Edited',
        editedAt: serverTimestamp(),
        editHistory: [...prior, { ...entry, materialSpec: { material: 'x', quantity: 1, unit: 'kg' } }],
      }),
    );
  });
  it('an entry without the replaced value', async () => {
    const { entry, prior } = await validEdit('g', 'carol_m2', { text: 'Edited' });
    await assertFails(
      update('carol', 'g', 'carol_m2', {
        text: 'Edited',
        editedAt: serverTimestamp(),
        editHistory: [...prior, { editedAt: entry.editedAt }],
      }),
    );
  });
  it('an entry backdated to another time', async () => {
    const { entry, prior } = await validEdit('g', 'carol_m2', { text: 'Edited' });
    await assertFails(
      update('carol', 'g', 'carol_m2', {
        text: 'Edited',
        editedAt: serverTimestamp(),
        editHistory: [...prior, { ...entry, editedAt: minutesAgo(600) }],
      }),
    );
  });
  it('two entries at once', async () => {
    const { entry, prior } = await validEdit('g', 'carol_m2', { text: 'Edited' });
    await assertFails(
      update('carol', 'g', 'carol_m2', {
        text: 'Edited',
        editedAt: serverTimestamp(),
        editHistory: [...prior, entry, entry],
      }),
    );
  });
  it('earlier entries dropped', async () => {
    await twoEdits();
    const { entry } = await validEdit('g', 'carol_h2', { text: 'v3' });
    await assertFails(
      update('carol', 'g', 'carol_h2', { text: 'v3', editedAt: serverTimestamp(), editHistory: [entry] }),
    );
  });
  it('an earlier entry rewritten', async () => {
    await twoEdits();
    const { entry, prior } = await validEdit('g', 'carol_h2', { text: 'v3' });
    await assertFails(
      update('carol', 'g', 'carol_h2', {
        text: 'v3',
        editedAt: serverTimestamp(),
        editHistory: [{ ...prior[0], text: 'rewritten' }, prior[1], entry],
      }),
    );
  });
  it('control: a third edit keeping both earlier entries', async () => {
    await twoEdits();
    await assertSucceeds(edit('carol', 'g', 'carol_h2', { text: 'v3' }));
  });
  it('editHistory as a map', async () => {
    const { entry } = await validEdit('g', 'carol_m2', { text: 'Edited' });
    await assertFails(
      update('carol', 'g', 'carol_m2', { text: 'Edited', editedAt: serverTimestamp(), editHistory: { 0: entry } }),
    );
  });
  it('an edit that changes no content, only the history', async () => {
    const { entry } = await validEdit('g', 'carol_m2', {});
    await assertFails(update('carol', 'g', 'carol_m2', { editedAt: serverTimestamp(), editHistory: [entry] }));
  });
  it('a backdated editedAt', async () => {
    const { patch } = await validEdit('g', 'carol_m2', { text: 'Edited' });
    await assertFails(update('carol', 'g', 'carol_m2', { ...patch, editedAt: minutesAgo(1) }));
  });
  it('E2EE: plaintext in the history entry', async () => {
    const { entry, prior } = await validEdit('enc', 'carol_e0', { encrypted: { ...envelope, ciphertext: 'bmV3' } });
    await assertFails(
      update('carol', 'enc', 'carol_e0', {
        encrypted: { ...envelope, ciphertext: 'bmV3' },
        editedAt: serverTimestamp(),
        editHistory: [...prior, { ...entry, text: 'the plaintext' }],
      }),
    );
  });
  it('E2EE: a plaintext message cannot be edited into an envelope (nor the reverse)', async () => {
    await seed(path('enc', 'carol_p1'), stored('carol', 'p1', 1));
    await assertFails(edit('carol', 'enc', 'carol_p1', { encrypted: envelope }));
  });
  for (const [what, changes] of [
    [
      'the attachments',
      {
        attachments: [
          { kind: 'image', path: 'conversations/g/carol/x.jpg', contentType: 'image/jpeg', size: 10, name: 'x.jpg' },
        ],
      },
    ],
    ['the type', { type: 'image' }],
    ['replyTo', { replyTo: 'alice_m1' }],
    ['createdAt', { createdAt: Timestamp.now() }],
    ['deleted (false)', { deleted: false }],
    ['an unknown field', { pinned: true }],
  ] as const) {
    it(`an edit cannot change ${what}`, async () => {
      const { patch } = await validEdit('g', 'carol_m2', { text: 'Edited' });
      await assertFails(update('carol', 'g', 'carol_m2', { ...patch, ...changes }));
    });
  }
  it('a system message is not edited, even by its actor', () => assertFails(edit('alice', 'g', 'alice_sys1')));
  it('a tombstone is not edited back to life', async () => {
    await seed(path('g', 'carol_t1'), {
      senderId: 'carol',
      type: 'text',
      clientMessageId: 't1',
      createdAt: minutesAgo(1),
      deleted: true,
      deletedBy: 'carol',
      deletedAt: minutesAgo(1),
    });
    await assertFails(
      update('carol', 'g', 'carol_t1', {
        text: 'back',
        editedAt: serverTimestamp(),
        editHistory: [{ editedAt: (await storedDoc(path('g', 'carol_t1'))).createdAt }],
      }),
    );
  });
});

describe('tombstones', () => {
  it('a system message is not tombstoned by the actor who caused it', () =>
    assertFails(updateDoc(msg('alice', 'g', 'alice_sys1'), tombstone('alice'))));
  it('… nor by a group admin', () => assertFails(updateDoc(msg('bob', 'g', 'alice_sys1'), tombstone('bob'))));
  it('the owner tombstones an admin’s message', () =>
    assertSucceeds(updateDoc(msg('alice', 'g', 'bob_m3'), tombstone('alice'))));
  it('in a direct conversation nobody tombstones the other’s message', () =>
    assertFails(updateDoc(msg('alice', 'dm_alice_carol', 'carol_dm1'), tombstone('alice'))));
  it('a member who has left tombstones nothing, own messages included', () =>
    assertFails(updateDoc(msg('erin', 'g', 'erin_x1'), tombstone('erin'))));
  it('an outsider tombstones nothing', () => assertFails(updateDoc(msg('dave', 'g', 'carol_m2'), tombstone('dave'))));
  it('deletedBy is the caller', () =>
    assertFails(updateDoc(msg('carol', 'g', 'carol_m2'), tombstone('carol', { deletedBy: 'alice' }))));
  it('deletedAt is now', () =>
    assertFails(updateDoc(msg('carol', 'g', 'carol_m2'), tombstone('carol', { deletedAt: minutesAgo(60) }))));
  it('a tombstone changes nothing else (the sender)', () =>
    assertFails(updateDoc(msg('carol', 'g', 'carol_m2'), tombstone('carol', { senderId: 'alice' }))));
  it('a tombstone carries no new content', () =>
    assertFails(updateDoc(msg('carol', 'g', 'carol_m2'), tombstone('carol', { text: 'replaced' }))));
  it('a tombstone is not tombstoned again (first deleter stays)', async () => {
    await seed(path('g', 'carol_t1'), {
      senderId: 'carol',
      type: 'text',
      clientMessageId: 't1',
      createdAt: minutesAgo(1),
      deleted: true,
      deletedBy: 'bob',
      deletedAt: minutesAgo(1),
    });
    await assertFails(
      updateDoc(msg('carol', 'g', 'carol_t1'), { deleted: true, deletedBy: 'carol', deletedAt: serverTimestamp() }),
    );
  });
  it('E2EE: the sender drops the envelope', () =>
    assertSucceeds(
      updateDoc(msg('carol', 'enc', 'carol_e0'), {
        encrypted: deleteField(),
        deleted: true,
        deletedBy: 'carol',
        deletedAt: serverTimestamp(),
      }),
    ));
});

describe('links a client renders: https only', () => {
  const photo = (url: string) => updateDoc(doc(db('alice'), 'users/alice'), { photoUrl: url });
  it('an https profile photo', () => assertSucceeds(photo('https://cdn.example.com/u/alice.jpg')));
  it('no javascript: photo', () => assertFails(photo('javascript:alert(1)')));
  it('no data: photo', () => assertFails(photo('data:image/svg+xml,<svg onload=alert(1)>')));
  it('no http: photo', () => assertFails(photo('http://cdn.example.com/u/alice.jpg')));
  it('no https photo disguising its host', () => assertFails(photo('https://cdn.example.com@evil.example/x.jpg')));
});

describe('attachments and clocks', () => {
  const image = (p: string) => ({ kind: 'image', path: p, contentType: 'image/jpeg', size: 1000, name: 'x.jpg' });
  it('no attachment from another conversation’s uploads', () =>
    assertFails(
      setDoc(msg('carol', 'g', 'carol_i1'), {
        senderId: 'carol',
        type: 'image',
        clientMessageId: 'i1',
        createdAt: serverTimestamp(),
        attachments: [image('conversations/dm_alice_carol/carol/x.jpg')],
      }),
    ));
  it('control: an upload of one’s own in this conversation', () =>
    assertSucceeds(
      setDoc(msg('carol', 'g', 'carol_i1'), {
        senderId: 'carol',
        type: 'image',
        clientMessageId: 'i1',
        createdAt: serverTimestamp(),
        attachments: [image('conversations/g/carol/x.jpg')],
      }),
    ));
  it('activeUntil 5 minutes ahead from a phone 20 s fast', () =>
    assertSucceeds(
      updateDoc(doc(db('carol'), 'conversations/g/members/carol'), { activeUntil: inMs(5 * 60_000 + 20_000) }),
    ));
  it('activeUntil not 6 minutes ahead', () =>
    assertFails(updateDoc(doc(db('carol'), 'conversations/g/members/carol'), { activeUntil: inMs(6 * 60_000) })));
});
