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
import type { DocumentData } from 'firebase/firestore';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ADMIN,
  COMPLIANCE,
  SERVICE,
  clientOf,
  createdAtOf,
  envelope,
  minutesAgo,
  readReceipt,
  seedCast,
  text,
} from './cast.js';
import { firestoreOf, rulesEnvironment } from './rulesEnv.js';

/**
 * firestore.rules, an allow and a deny case for every collection and role, on the cast of ./cast.ts (alice owns group
 * g, bob is its admin, carol a member, dave an outsider; mod has the admin claim, comp the compliance claim, svc the
 * service claim), seeded with rules disabled before each test. The attack cases of the security review are in
 * security.rules.test.ts, the document shapes clients may write in clientWrites.rules.test.ts.
 */
let env: RulesTestEnvironment;
const db = (uid: string, claims: Record<string, unknown> = {}) => clientOf(env).db(uid, claims);
const anon = () => clientOf(env).anon();
const member = (role: string) => ({
  uid: '',
  role,
  joinedAt: minutesAgo(60),
  lastReadAt: null,
  unreadCount: 0,
  mutedUntil: null,
  activeUntil: null,
});

beforeAll(async () => {
  env = await rulesEnvironment();
});
afterAll(async () => {
  await env.cleanup();
});
beforeEach(async () => {
  await seedCast(env);
});

describe('users/{uid}', () => {
  it('owner reads own profile', () => assertSucceeds(getDoc(doc(db('alice'), 'users/alice'))));
  it('another user cannot read it', () => assertFails(getDoc(doc(db('bob'), 'users/alice'))));
  it('signed-out cannot read it', () => assertFails(getDoc(doc(anon(), 'users/alice'))));
  // Was: admins read any profile. Staff read private profiles through audited callables, never through the rules.
  it('admins do not read others’ profiles (email, phone)', () =>
    assertFails(getDoc(doc(db('mod', ADMIN), 'users/alice'))));
  it('owner updates their display name', () =>
    assertSucceeds(updateDoc(doc(db('alice'), 'users/alice'), { displayName: 'Alice M.' })));
  it('owner cannot set phoneVerified', () =>
    assertFails(updateDoc(doc(db('alice'), 'users/alice'), { phoneVerified: false })));
  it('owner cannot set phone', () =>
    assertFails(updateDoc(doc(db('alice'), 'users/alice'), { phone: '+15550000000' })));
  it('owner cannot change a verified email', () =>
    assertFails(updateDoc(doc(db('alice'), 'users/alice'), { email: 'new@example.com' })));
  it('owner cannot lift a ban', () =>
    assertFails(updateDoc(doc(db('alice'), 'users/alice'), { moderation: { banned: false } })));
  it('another user cannot update it', () =>
    assertFails(updateDoc(doc(db('bob'), 'users/alice'), { displayName: 'pwned' })));
  it('a new user creates their profile', () =>
    assertSucceeds(
      setDoc(doc(db('erin'), 'users/erin'), { displayName: 'Erin', kind: 'collector', createdAt: serverTimestamp() }),
    ));
  it('a new user cannot claim a verified email', () =>
    assertFails(setDoc(doc(db('erin'), 'users/erin'), { displayName: 'Erin', emailVerified: true })));
  it('nobody deletes a profile from a client', () => assertFails(deleteDoc(doc(db('alice'), 'users/alice'))));
});

describe('users/{uid} subcollections', () => {
  it('settings: owner reads', () => assertSucceeds(getDoc(doc(db('alice'), 'users/alice/settings/notifications'))));
  it('settings: others cannot read', () => assertFails(getDoc(doc(db('bob'), 'users/alice/settings/notifications'))));
  it('settings: owner cannot write (callables validate)', () =>
    assertFails(setDoc(doc(db('alice'), 'users/alice/settings/notifications'), { channels: {} })));
  it('notifications: owner reads', () => assertSucceeds(getDoc(doc(db('alice'), 'users/alice/notifications/n1'))));
  it('notifications: others cannot read', () => assertFails(getDoc(doc(db('bob'), 'users/alice/notifications/n1'))));
  it('notifications: owner cannot mark read directly', () =>
    assertFails(updateDoc(doc(db('alice'), 'users/alice/notifications/n1'), { read: true })));
  it('counters: owner reads', () => assertSucceeds(getDoc(doc(db('alice'), 'users/alice/counters/notifications'))));
  it('counters: owner cannot write', () =>
    assertFails(setDoc(doc(db('alice'), 'users/alice/counters/notifications'), { unread: 0 })));
  it('devices: owner reads', () => assertSucceeds(getDoc(doc(db('alice'), 'users/alice/devices/d1'))));
  it('devices: others cannot read', () => assertFails(getDoc(doc(db('bob'), 'users/alice/devices/d1'))));
  it('devices: owner cannot write directly', () =>
    assertFails(setDoc(doc(db('alice'), 'users/alice/devices/d2'), { token: 't' })));
  it('keys: any signed-in user reads public keys', () => assertSucceeds(getDoc(doc(db('bob'), 'users/alice/keys/d1'))));
  it('keys: signed-out cannot read', () => assertFails(getDoc(doc(anon(), 'users/alice/keys/d1'))));
  it('keys: owner publishes a device key', () =>
    assertSucceeds(
      setDoc(doc(db('alice'), 'users/alice/keys/d2'), {
        alg: 'X25519',
        publicKey: 'B'.repeat(44),
        createdAt: serverTimestamp(),
      }),
    ));
  it('keys: nobody publishes a key for someone else', () =>
    assertFails(
      setDoc(doc(db('bob'), 'users/alice/keys/evil'), {
        alg: 'X25519',
        publicKey: 'C'.repeat(44),
        createdAt: serverTimestamp(),
      }),
    ));
  it('keys: unknown algorithm refused', () =>
    assertFails(
      setDoc(doc(db('alice'), 'users/alice/keys/d3'), {
        alg: 'RSA',
        publicKey: 'D'.repeat(44),
        createdAt: serverTimestamp(),
      }),
    ));
  it('blocks: owner reads', () => assertSucceeds(getDoc(doc(db('alice'), 'users/alice/blocks/spammer'))));
  it('blocks: others cannot read', () => assertFails(getDoc(doc(db('spammer'), 'users/alice/blocks/spammer'))));
  it('blocks: written through blockUser only', () =>
    assertFails(setDoc(doc(db('alice'), 'users/alice/blocks/bob'), { createdAt: serverTimestamp() })));
});

describe('conversations/{cid}', () => {
  it('a member reads it', () => assertSucceeds(getDoc(doc(db('carol'), 'conversations/g'))));
  it('an outsider cannot', () => assertFails(getDoc(doc(db('dave'), 'conversations/g'))));
  // Was: compliance reads it (disputes). Disputes go through exportConversation, which writes the audit log.
  it('compliance does not read it', () => assertFails(getDoc(doc(db('comp', COMPLIANCE), 'conversations/g'))));
  it('a member lists their conversations', () =>
    assertSucceeds(
      getDocs(query(collection(db('carol'), 'conversations'), where('memberIds', 'array-contains', 'carol'))),
    ));
  it('nobody lists all conversations', () => assertFails(getDocs(collection(db('carol'), 'conversations'))));
  it('members cannot rename from the client', () =>
    assertFails(updateDoc(doc(db('alice'), 'conversations/g'), { title: 'x' })));
  it('nobody creates a conversation from the client', () =>
    assertFails(setDoc(doc(db('dave'), 'conversations/mine'), { type: 'group', memberIds: ['dave'], settings: {} })));
});

describe('conversations/{cid}/members/{uid}', () => {
  it('a member reads the member list', () =>
    assertSucceeds(getDocs(collection(db('carol'), 'conversations/g/members'))));
  it('an outsider cannot', () => assertFails(getDoc(doc(db('dave'), 'conversations/g/members/alice'))));
  it('read receipt: reads/{uid} and one’s own member document in one batch', () =>
    assertSucceeds(readReceipt(db('carol'), 'g', 'carol')));
  it('the member reads their unread count and read position', async () => {
    await readReceipt(db('carol'), 'g', 'carol');
    const [memberDoc, position] = await Promise.all([
      assertSucceeds(getDoc(doc(db('carol'), 'conversations/g/members/carol'))),
      assertSucceeds(getDoc(doc(db('carol'), 'conversations/g/reads/carol'))),
    ]);
    expect(memberDoc.data()).toMatchObject({ unreadCount: 0 });
    expect((memberDoc.data()?.lastReadAt as Timestamp).isEqual(position.data()?.lastReadAt as Timestamp)).toBe(true);
  });
  // A receipt without the read position would let a trigger that runs after it count what the read covered.
  it('the member document alone is refused (the read position must move with it)', () =>
    assertFails(
      updateDoc(doc(db('carol'), 'conversations/g/members/carol'), { lastReadAt: serverTimestamp(), unreadCount: 0 }),
    ));
  it('reads/{uid} alone is refused', () =>
    assertFails(setDoc(doc(db('carol'), 'conversations/g/reads/carol'), { lastReadAt: serverTimestamp() })));
  it('resetting the count without moving the read position is refused', async () => {
    await env.withSecurityRulesDisabled((ctx) =>
      updateDoc(doc(firestoreOf(ctx), 'conversations/g/members/carol'), { unreadCount: 3 }),
    );
    await assertFails(updateDoc(doc(db('carol'), 'conversations/g/members/carol'), { unreadCount: 0 }));
    await assertSucceeds(readReceipt(db('carol'), 'g', 'carol'));
  });
  describe('lastReadSeq (issue 14: unread = lastMessageSeq − lastReadSeq)', () => {
    const at = (seq: unknown) => ({ lastReadAt: serverTimestamp(), lastReadSeq: seq, unreadCount: 0 });
    beforeEach(() =>
      env.withSecurityRulesDisabled(async (ctx) => {
        await updateDoc(doc(firestoreOf(ctx), 'conversations/g'), { lastMessageSeq: 5 });
        await updateDoc(doc(firestoreOf(ctx), 'conversations/g/members/carol'), { lastReadSeq: 2 });
      }),
    );
    it('a read moves it forward, up to the conversation’s lastMessageSeq', async () => {
      await assertSucceeds(readReceipt(db('carol'), 'g', 'carol', at(4)));
      await assertSucceeds(readReceipt(db('carol'), 'g', 'carol', at(5)));
    });
    it('not past lastMessageSeq', () => assertFails(readReceipt(db('carol'), 'g', 'carol', at(6))));
    it('not backwards', () => assertFails(readReceipt(db('carol'), 'g', 'carol', at(1))));
    it('only a whole number', async () => {
      await assertFails(readReceipt(db('carol'), 'g', 'carol', at(3.5)));
      await assertFails(readReceipt(db('carol'), 'g', 'carol', at('5')));
    });
    it('only with a read (lastReadAt moves with it)', () =>
      assertFails(updateDoc(doc(db('carol'), 'conversations/g/members/carol'), { lastReadSeq: 5 })));
    it('nobody else’s', () => assertFails(readReceipt(db('carol'), 'g', 'bob', at(5))));
    it('a conversation without lastMessageSeq (from before seqs) is at 0', async () => {
      await env.withSecurityRulesDisabled((ctx) =>
        updateDoc(doc(firestoreOf(ctx), 'conversations/g/members/alice'), { lastReadSeq: 0 }),
      );
      await env.withSecurityRulesDisabled((ctx) =>
        updateDoc(doc(firestoreOf(ctx), 'conversations/g'), { lastMessageSeq: deleteField() }),
      );
      await assertFails(readReceipt(db('alice'), 'g', 'alice', at(1)));
      await assertSucceeds(readReceipt(db('alice'), 'g', 'alice', at(0)));
    });
  });
  it('unreadCount can only go back to 0', () =>
    assertFails(readReceipt(db('carol'), 'g', 'carol', { lastReadAt: serverTimestamp(), unreadCount: 5 })));
  it('a backdated lastReadAt is refused', () =>
    assertFails(readReceipt(db('carol'), 'g', 'carol', { lastReadAt: minutesAgo(5), unreadCount: 0 })));
  it('a backdated read position is refused', async () => {
    const f = db('carol');
    const batch = writeBatch(f);
    batch.set(doc(f, 'conversations/g/reads/carol'), { lastReadAt: minutesAgo(5) });
    batch.update(doc(f, 'conversations/g/members/carol'), { lastReadAt: serverTimestamp(), unreadCount: 0 });
    await assertFails(batch.commit());
  });
  it('nothing else on reads/{uid}', async () => {
    const f = db('carol');
    const batch = writeBatch(f);
    batch.set(doc(f, 'conversations/g/reads/carol'), { lastReadAt: serverTimestamp(), unreadCount: 0 });
    batch.update(doc(f, 'conversations/g/members/carol'), { lastReadAt: serverTimestamp(), unreadCount: 0 });
    await assertFails(batch.commit());
  });
  it('nobody else’s member document', () => assertFails(readReceipt(db('carol'), 'g', 'bob')));
  it('nobody else’s read position', async () => {
    await readReceipt(db('bob'), 'g', 'bob');
    await assertFails(getDoc(doc(db('carol'), 'conversations/g/reads/bob')));
  });
  it('an outsider writes no read position', () => assertFails(readReceipt(db('dave'), 'g', 'dave')));
  it('nobody deletes a read position', async () => {
    await readReceipt(db('carol'), 'g', 'carol');
    await assertFails(deleteDoc(doc(db('carol'), 'conversations/g/reads/carol')));
  });
  it('no promoting oneself', () =>
    assertFails(updateDoc(doc(db('carol'), 'conversations/g/members/carol'), { role: 'owner' })));
  it('muting until a time', () =>
    assertSucceeds(
      updateDoc(doc(db('carol'), 'conversations/g/members/carol'), {
        mutedUntil: Timestamp.fromMillis(Date.now() + 3_600_000),
      }),
    ));
  it('activeUntil at most 5 minutes ahead', () =>
    assertFails(
      updateDoc(doc(db('carol'), 'conversations/g/members/carol'), {
        activeUntil: Timestamp.fromMillis(Date.now() + 3_600_000),
      }),
    ));
  it('activeUntil a minute ahead', () =>
    assertSucceeds(
      updateDoc(doc(db('carol'), 'conversations/g/members/carol'), {
        activeUntil: Timestamp.fromMillis(Date.now() + 60_000),
      }),
    ));
  it('no joining by writing a member document', () =>
    assertFails(setDoc(doc(db('dave'), 'conversations/g/members/dave'), { ...member('member'), uid: 'dave' })));
  it('a member reads the other members’ names from their member documents', async () => {
    const snapshot = await assertSucceeds(getDoc(doc(db('carol'), 'conversations/g/members/alice')));
    expect(snapshot.data()).toMatchObject({ displayName: 'alice', photoUrl: null });
  });
  it('a fellow member still cannot read users/{uid} (email, phone)', () =>
    assertFails(getDoc(doc(db('carol'), 'users/alice'))));
  it('no renaming oneself on a member document', () =>
    assertFails(updateDoc(doc(db('carol'), 'conversations/g/members/carol'), { displayName: 'Queen Carol' })));
  it('no changing one’s photo on a member document', () =>
    assertFails(
      updateDoc(doc(db('carol'), 'conversations/g/members/carol'), { photoUrl: 'https://evil.example/x.png' }),
    ));
  it('not even alongside a valid read receipt', () =>
    assertFails(
      readReceipt(db('carol'), 'g', 'carol', {
        lastReadAt: serverTimestamp(),
        unreadCount: 0,
        displayName: 'Queen Carol',
      }),
    ));
  it('nobody renames another member', () =>
    assertFails(updateDoc(doc(db('alice'), 'conversations/g/members/carol'), { displayName: 'Carol (kicked soon)' })));
});

describe('conversations/{cid}/messages/{mid}: reading and sending', () => {
  const send = (uid: string, cid: string, mid: string, data: DocumentData, claims: Record<string, unknown> = {}) =>
    setDoc(doc(db(uid, claims), `conversations/${cid}/messages/${mid}`), data);

  it('a member reads messages', () => assertSucceeds(getDocs(collection(db('carol'), 'conversations/g/messages'))));
  it('an outsider cannot', () => assertFails(getDoc(doc(db('dave'), 'conversations/g/messages/alice_m1'))));
  it('a member sends a text as themselves', () => assertSucceeds(send('carol', 'g', 'carol_c1', text('carol', 'c1'))));
  it('a reply to an existing message', () =>
    assertSucceeds(send('carol', 'g', 'carol_c1', text('carol', 'c1', { replyTo: 'alice_m1' }))));
  it('a reply to a missing message is refused', () =>
    assertFails(send('carol', 'g', 'carol_c1', text('carol', 'c1', { replyTo: 'nope' }))));
  it('replyTo is a message id, not a path to some other document', async () => {
    await env.withSecurityRulesDisabled((ctx) =>
      setDoc(doc(firestoreOf(ctx), 'conversations/g/messages/alice_m1/x/y'), { any: true }),
    );
    await assertFails(send('carol', 'g', 'carol_c1', text('carol', 'c1', { replyTo: 'alice_m1/x/y' })));
  });
  it('not as someone else', () => assertFails(send('carol', 'g', 'carol_c1', text('alice', 'c1'))));
  it('createdAt must be request.time', () =>
    assertFails(send('carol', 'g', 'carol_c1', text('carol', 'c1', { createdAt: minutesAgo(0) }))));
  it('the id must be {uid}_{clientMessageId}', () => assertFails(send('carol', 'g', 'random-id', text('carol', 'c1'))));
  it('a resend of the same clientMessageId is not stored again', () =>
    assertFails(send('carol', 'g', 'carol_m2', text('carol', 'm2', { text: 'again' }))));
  it('system messages are the server’s', () =>
    assertFails(send('carol', 'g', 'carol_c1', text('carol', 'c1', { type: 'system' }))));
  it('unknown types are refused', () =>
    assertFails(send('carol', 'g', 'carol_c1', text('carol', 'c1', { type: 'poem' }))));
  it('oversized text is refused', () =>
    assertFails(send('carol', 'g', 'carol_c1', text('carol', 'c1', { text: 'x'.repeat(4001) }))));
  it('unknown fields are refused', () =>
    assertFails(send('carol', 'g', 'carol_c1', text('carol', 'c1', { unreadCount: 0 }))));
  it('a non-member cannot send', () => assertFails(send('dave', 'g', 'dave_c1', text('dave', 'c1'))));
  it('members cannot post in an announcement-only group', () =>
    assertFails(send('carol', 'ann', 'carol_c1', text('carol', 'c1'))));
  it('the owner posts in an announcement-only group', () =>
    assertSucceeds(send('alice', 'ann', 'alice_c1', text('alice', 'c1'))));
  it('an image with an upload of one’s own', () =>
    assertSucceeds(
      send('carol', 'g', 'carol_i1', {
        senderId: 'carol',
        type: 'image',
        clientMessageId: 'i1',
        createdAt: serverTimestamp(),
        text: 'daylight',
        attachments: [
          {
            kind: 'image',
            path: 'conversations/g/carol/bowl.jpg',
            contentType: 'image/jpeg',
            size: 842113,
            name: 'bowl.jpg',
          },
        ],
      }),
    ));
  it('an image pointing at someone else’s upload is refused', () =>
    assertFails(
      send('carol', 'g', 'carol_i1', {
        senderId: 'carol',
        type: 'image',
        clientMessageId: 'i1',
        createdAt: serverTimestamp(),
        attachments: [
          {
            kind: 'image',
            path: 'conversations/g/alice/bowl.jpg',
            contentType: 'image/jpeg',
            size: 842113,
            name: 'bowl.jpg',
          },
        ],
      }),
    ));
  it('an oversized voice note is refused', () =>
    assertFails(
      send('carol', 'g', 'carol_v1', {
        senderId: 'carol',
        type: 'voice',
        clientMessageId: 'v1',
        createdAt: serverTimestamp(),
        attachments: [
          {
            kind: 'voice',
            path: 'conversations/g/carol/n.m4a',
            contentType: 'audio/mp4',
            size: 50 * 1024 * 1024,
            name: 'n.m4a',
          },
        ],
      }),
    ));
  it('a file attachment (PDF) with a caption', () =>
    assertSucceeds(
      send('carol', 'g', 'carol_f1', {
        senderId: 'carol',
        type: 'file',
        clientMessageId: 'f1',
        createdAt: serverTimestamp(),
        text: 'dye recipe',
        attachments: [
          {
            kind: 'file',
            path: 'conversations/g/carol/dye.pdf',
            contentType: 'application/pdf',
            size: 2_000_000,
            name: 'dye.pdf',
          },
        ],
      }),
    ));
  it('a file attachment of a type outside the list is refused', () =>
    assertFails(
      send('carol', 'g', 'carol_f1', {
        senderId: 'carol',
        type: 'file',
        clientMessageId: 'f1',
        createdAt: serverTimestamp(),
        attachments: [
          {
            kind: 'file',
            path: 'conversations/g/carol/page.html',
            contentType: 'text/html',
            size: 2_000,
            name: 'page.html',
          },
        ],
      }),
    ));
  it('a material spec', () =>
    assertSucceeds(
      send('carol', 'g', 'carol_s1', {
        senderId: 'carol',
        type: 'material_spec',
        clientMessageId: 's1',
        createdAt: serverTimestamp(),
        materialSpec: { material: 'Indigo', quantity: 2, unit: 'kg', colour: 'deep blue' },
      }),
    ));
  it('a workshop with a place', () =>
    assertSucceeds(
      send('carol', 'g', 'carol_w1', {
        senderId: 'carol',
        type: 'workshop',
        clientMessageId: 'w1',
        createdAt: serverTimestamp(),
        workshop: {
          title: 'Open studio',
          start: Timestamp.fromMillis(Date.now() + 3_600_000),
          end: Timestamp.fromMillis(Date.now() + 7_200_000),
          place: 'Studio 4',
          capacity: 12,
        },
      }),
    ));
  it('a workshop ending before it starts is refused', () =>
    assertFails(
      send('carol', 'g', 'carol_w1', {
        senderId: 'carol',
        type: 'workshop',
        clientMessageId: 'w1',
        createdAt: serverTimestamp(),
        workshop: {
          title: 'Open studio',
          start: Timestamp.fromMillis(Date.now() + 7_200_000),
          end: Timestamp.fromMillis(Date.now() + 3_600_000),
          place: 'Studio 4',
          capacity: 12,
        },
      }),
    ));
  it('E2EE: the envelope only', () =>
    assertSucceeds(
      send('carol', 'enc', 'carol_e1', {
        senderId: 'carol',
        type: 'text',
        clientMessageId: 'e1',
        createdAt: serverTimestamp(),
        encrypted: envelope,
      }),
    ));
  it('E2EE: plaintext next to the envelope is refused', () =>
    assertFails(
      send('carol', 'enc', 'carol_e1', {
        senderId: 'carol',
        type: 'text',
        text: 'leak',
        clientMessageId: 'e1',
        createdAt: serverTimestamp(),
        encrypted: envelope,
      }),
    ));
  it('E2EE: plaintext alone is refused', () => assertFails(send('carol', 'enc', 'carol_e1', text('carol', 'e1'))));
  it('an envelope in a plaintext conversation is refused', () =>
    assertFails(
      send('carol', 'g', 'carol_e1', {
        senderId: 'carol',
        type: 'text',
        clientMessageId: 'e1',
        createdAt: serverTimestamp(),
        encrypted: envelope,
      }),
    ));
  it('direct: a member writes to the other', () =>
    assertSucceeds(send('carol', 'dm_alice_carol', 'carol_d1', text('carol', 'd1'))));
  it('direct: blocked users cannot continue', () =>
    assertFails(send('carol', 'dm_bob_carol', 'carol_d1', text('carol', 'd1'))));
  it('direct: the blocker cannot either', () => assertFails(send('bob', 'dm_bob_carol', 'bob_d1', text('bob', 'd1'))));
  it('a banned user cannot send', async () => {
    await env.withSecurityRulesDisabled((ctx) =>
      updateDoc(doc(firestoreOf(ctx), 'users/carol'), { moderation: { banned: true } }),
    );
    await assertFails(send('carol', 'g', 'carol_c1', text('carol', 'c1')));
  });
});

describe('conversations/{cid}/messages/{mid}: editing and deleting', () => {
  const msg = (uid: string, mid: string) => doc(db(uid), `conversations/g/messages/${mid}`);
  // The history entry carries the replaced version's time (here the message's createdAt), as the client read it.
  const sentAt = (mid: string) => createdAtOf(env, `conversations/g/messages/${mid}`);
  const edit = (createdAt: Timestamp) => ({
    text: 'Edited',
    editedAt: serverTimestamp(),
    editHistory: [{ text: 'Is the walnut bowl food-safe?', editedAt: createdAt }],
  });
  const tombstone = (uid: string) => ({
    text: deleteField(),
    deleted: true,
    deletedBy: uid,
    deletedAt: serverTimestamp(),
  });

  it('the sender edits within 15 minutes, with history', async () =>
    assertSucceeds(updateDoc(msg('alice', 'alice_m1'), edit(await sentAt('alice_m1')))));
  it('a banned sender cannot edit, even inside the window', async () => {
    await env.withSecurityRulesDisabled((ctx) =>
      updateDoc(doc(firestoreOf(ctx), 'users/alice'), { moderation: { banned: true } }),
    );
    await assertFails(updateDoc(msg('alice', 'alice_m1'), edit(await sentAt('alice_m1'))));
  });
  it('an edit without a history entry is refused', () =>
    assertFails(updateDoc(msg('alice', 'alice_m1'), { text: 'Edited', editedAt: serverTimestamp() })));
  it('nobody edits someone else’s message', async () =>
    assertFails(updateDoc(msg('bob', 'alice_m1'), edit(await sentAt('alice_m1')))));
  it('no edits after the window', async () =>
    assertFails(updateDoc(msg('carol', 'carol_old'), edit(await sentAt('carol_old')))));
  it('a second edit appends to the history and keeps the earlier entries', async () => {
    const first = { text: 'v0', editedAt: minutesAgo(3) };
    const firstEditAt = minutesAgo(2);
    await env.withSecurityRulesDisabled((ctx) =>
      setDoc(doc(firestoreOf(ctx), 'conversations/g/messages/alice_h1'), {
        ...text('alice', 'h1'),
        text: 'v1',
        createdAt: first.editedAt,
        editedAt: firstEditAt,
        editHistory: [first],
      }),
    );
    const next = { text: 'v1', editedAt: firstEditAt };
    await assertFails(
      updateDoc(msg('alice', 'alice_h1'), {
        text: 'v2',
        editedAt: serverTimestamp(),
        editHistory: [{ text: 'rewritten', editedAt: first.editedAt }, next],
      }),
    );
    await assertSucceeds(
      updateDoc(msg('alice', 'alice_h1'), { text: 'v2', editedAt: serverTimestamp(), editHistory: [first, next] }),
    );
  });
  it('an edit cannot change the sender', async () =>
    assertFails(updateDoc(msg('alice', 'alice_m1'), { ...edit(await sentAt('alice_m1')), senderId: 'bob' })));
  it('the sender leaves a tombstone', () => assertSucceeds(updateDoc(msg('carol', 'carol_m2'), tombstone('carol'))));
  it('a group admin tombstones a member’s message', () =>
    assertSucceeds(updateDoc(msg('bob', 'carol_m2'), tombstone('bob'))));
  it('a member cannot tombstone someone else’s message', () =>
    assertFails(updateDoc(msg('carol', 'alice_m1'), tombstone('carol'))));
  it('a group admin tombstones the message of someone who has left (a plain member)', async () => {
    await env.withSecurityRulesDisabled((ctx) =>
      setDoc(doc(firestoreOf(ctx), 'conversations/g/messages/erin_x1'), {
        ...text('erin', 'x1'),
        createdAt: minutesAgo(30),
      }),
    );
    await assertSucceeds(updateDoc(msg('bob', 'erin_x1'), tombstone('bob')));
  });
  it('an admin cannot tombstone the owner’s message', () =>
    assertFails(updateDoc(msg('bob', 'alice_m1'), tombstone('bob'))));
  it('a tombstone must drop the content', () =>
    assertFails(
      updateDoc(msg('carol', 'carol_m2'), { deleted: true, deletedBy: 'carol', deletedAt: serverTimestamp() }),
    ));
  it('hard deletes are refused', () => assertFails(deleteDoc(msg('alice', 'alice_m1'))));
});

describe('conversations/{cid}/typing/{uid}', () => {
  const typing = (uid: string, forUid: string, aheadMs: number) =>
    setDoc(doc(db(uid), `conversations/g/typing/${forUid}`), { expiresAt: Timestamp.fromMillis(Date.now() + aheadMs) });
  it('a member signals typing for 5 s', () => assertSucceeds(typing('carol', 'carol', 5_000)));
  it('not more than 10 s ahead', () => assertFails(typing('carol', 'carol', 60_000)));
  it('not for someone else', () => assertFails(typing('carol', 'bob', 5_000)));
  it('not as an outsider', () => assertFails(typing('dave', 'dave', 5_000)));
  it('members read typing indicators', () => assertSucceeds(getDocs(collection(db('bob'), 'conversations/g/typing'))));
  it('trigger markers are private to the server', () =>
    assertFails(getDoc(doc(db('alice'), 'conversations/g/processed/alice_m1'))));
});

describe('server-only collections', () => {
  for (const path of ['events/e1', 'deliveries/d1', 'digests/alice_1']) {
    it(`${path}: no client reads, even admins`, () => assertFails(getDoc(doc(db('mod', ADMIN), path))));
    it(`${path}: no client writes, even services`, () => assertFails(setDoc(doc(db('svc', SERVICE), path), { x: 1 })));
  }
});

describe('moderationQueue, auditLog, exports', () => {
  it('admins read the moderation queue', () => assertSucceeds(getDoc(doc(db('mod', ADMIN), 'moderationQueue/q1'))));
  it('members do not', () => assertFails(getDoc(doc(db('carol'), 'moderationQueue/q1'))));
  it('admins do not write it from a client (decideModeration does)', () =>
    assertFails(updateDoc(doc(db('mod', ADMIN), 'moderationQueue/q1'), { status: 'decided' })));
  it('admins read the audit log', () => assertSucceeds(getDoc(doc(db('mod', ADMIN), 'auditLog/a1'))));
  it('compliance does not read the audit log (admins only)', () =>
    assertFails(getDoc(doc(db('comp', COMPLIANCE), 'auditLog/a1'))));
  it('users do not', () => assertFails(getDoc(doc(db('alice'), 'auditLog/a1'))));
  it('nobody appends from a client', () =>
    assertFails(setDoc(doc(db('mod', ADMIN), 'auditLog/a2'), { action: 'forged' })));
  it('nobody edits an entry', () =>
    assertFails(updateDoc(doc(db('mod', ADMIN), 'auditLog/a1'), { action: 'rewritten' })));
  it('nobody deletes an entry', () => assertFails(deleteDoc(doc(db('mod', ADMIN), 'auditLog/a1'))));
  it('the requester reads their export job', () => assertSucceeds(getDoc(doc(db('alice'), 'exports/x1'))));
  it('others do not', () => assertFails(getDoc(doc(db('bob'), 'exports/x1'))));
  it('export jobs are written by the server', () =>
    assertFails(setDoc(doc(db('alice'), 'exports/x2'), { ownerUid: 'alice' })));
});
