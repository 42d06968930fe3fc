import type { RulesTestEnvironment } from '@firebase/rules-unit-testing';
import { assertFails, assertSucceeds } from '@firebase/rules-unit-testing';
import { Timestamp, doc, setDoc } from 'firebase/firestore';
import { deleteObject, getMetadata, ref, uploadBytes } from 'firebase/storage';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { firestoreOf, storageOf, storageRulesEnvironment, storageSkipReason } from './rulesEnv.js';

/**
 * storage.rules: conversation media readable by members only and uploadable by members under their own uid,
 * within the limits. Membership comes from Firestore (cross-service rules), seeded before each test.
 */
let env: RulesTestEnvironment;
const bytes = (n: number) => new Uint8Array(n);

if (storageSkipReason) console.warn(`storage.rules skipped: ${storageSkipReason}`);

beforeAll(async () => {
  if (!storageSkipReason) env = await storageRulesEnvironment();
});
afterAll(async () => {
  await env?.cleanup();
});
beforeEach(async () => {
  if (storageSkipReason) return;
  await env.clearFirestore();
  await env.clearStorage();
  await env.withSecurityRulesDisabled(async (ctx) => {
    const f = firestoreOf(ctx);
    for (const [cid, e2ee] of [
      ['g', false],
      ['enc', true],
    ] as const) {
      await setDoc(doc(f, `conversations/${cid}`), {
        type: 'group',
        memberIds: ['alice', 'carol'],
        settings: { announcementOnly: false, e2ee },
      });
      for (const uid of ['alice', 'carol']) {
        await setDoc(doc(f, `conversations/${cid}/members/${uid}`), {
          uid,
          role: uid === 'alice' ? 'owner' : 'member',
          joinedAt: Timestamp.now(),
          unreadCount: 0,
        });
      }
    }
    await setDoc(doc(f, 'conversations/d'), {
      type: 'direct',
      memberIds: ['alice', 'carol'],
      settings: { announcementOnly: false, e2ee: false },
    });
    await setDoc(doc(f, 'conversations/ann'), {
      type: 'group',
      memberIds: ['alice', 'carol'],
      settings: { announcementOnly: true, e2ee: false },
    });
    for (const cid of ['d', 'ann']) {
      for (const uid of ['alice', 'carol']) {
        await setDoc(doc(f, `conversations/${cid}/members/${uid}`), {
          uid,
          role: uid === 'alice' ? 'owner' : 'member',
          joinedAt: Timestamp.now(),
          unreadCount: 0,
        });
      }
    }
    for (const uid of ['alice', 'carol']) await setDoc(doc(f, `users/${uid}`), { displayName: uid });
    await uploadBytes(ref(storageOf(ctx), 'conversations/g/alice/bowl.jpg'), bytes(1000), {
      contentType: 'image/jpeg',
    });
  });
});

const upload = (uid: string, path: string, size: number, contentType: string, claims?: Record<string, unknown>) =>
  uploadBytes(ref(storageOf(env.authenticatedContext(uid, claims)), path), bytes(size), { contentType });
const seed = (path: string, data: Record<string, unknown>) =>
  env.withSecurityRulesDisabled((ctx) => setDoc(doc(firestoreOf(ctx), path), data));

describe.skipIf(storageSkipReason)('conversation media', () => {
  it('a member reads the conversation’s media', () =>
    assertSucceeds(getMetadata(ref(storageOf(env.authenticatedContext('carol')), 'conversations/g/alice/bowl.jpg'))));
  it('an outsider cannot', () =>
    assertFails(getMetadata(ref(storageOf(env.authenticatedContext('dave')), 'conversations/g/alice/bowl.jpg'))));
  it('signed-out cannot', () =>
    assertFails(getMetadata(ref(storageOf(env.unauthenticatedContext()), 'conversations/g/alice/bowl.jpg'))));
  it('a member uploads an image under their own uid', () =>
    assertSucceeds(upload('carol', 'conversations/g/carol/vase.jpg', 5000, 'image/jpeg')));
  it('a member uploads a PDF up to 25 MB', () =>
    assertSucceeds(upload('carol', 'conversations/g/carol/dye.pdf', 2_000_000, 'application/pdf')));
  it('not under someone else’s uid', () =>
    assertFails(upload('carol', 'conversations/g/alice/vase.jpg', 5000, 'image/jpeg')));
  it('not as an outsider', () => assertFails(upload('dave', 'conversations/g/dave/vase.jpg', 5000, 'image/jpeg')));
  it('an image up to 25 MB (sent as a file attachment)', () =>
    assertSucceeds(upload('carol', 'conversations/g/carol/full.jpg', 20 * 1024 * 1024, 'image/jpeg')));
  it('not an image over 25 MB', () =>
    assertFails(upload('carol', 'conversations/g/carol/huge.jpg', 26 * 1024 * 1024, 'image/jpeg')));
  it('not a voice note over 10 MB', () =>
    assertFails(upload('carol', 'conversations/g/carol/long.m4a', 11 * 1024 * 1024, 'audio/mp4')));
  it('a voice note with a codecs parameter (as MediaRecorder reports it)', () =>
    assertSucceeds(upload('carol', 'conversations/g/carol/n.webm', 5000, 'audio/webm;codecs=opus')));
  it('a spreadsheet of a listed vendor type', () =>
    assertSucceeds(upload('carol', 'conversations/g/carol/stock.xls', 5000, 'application/vnd.ms-excel')));
  it('not any vendor type (an Android package)', () =>
    assertFails(upload('carol', 'conversations/g/carol/app.apk', 5000, 'application/vnd.android.package-archive')));
  it('not an executable', () =>
    assertFails(upload('carol', 'conversations/g/carol/x.exe', 5000, 'application/x-msdownload')));
  it('not replacing an existing object', () =>
    assertFails(upload('alice', 'conversations/g/alice/bowl.jpg', 5000, 'image/jpeg')));
  it('ciphertext blobs in an E2EE conversation', () =>
    assertSucceeds(upload('carol', 'conversations/enc/carol/blob.bin', 5000, 'application/octet-stream')));
  it('no plaintext image in an E2EE conversation', () =>
    assertFails(upload('carol', 'conversations/enc/carol/photo.jpg', 5000, 'image/jpeg')));
  it('no opaque blobs in a plaintext conversation', () =>
    assertFails(upload('carol', 'conversations/g/carol/blob.bin', 5000, 'application/octet-stream')));
  it('nothing outside conversations/', () =>
    assertFails(upload('carol', 'exports/carol/x.zip', 5000, 'application/zip')));
});

/** The account and speaking policy of firestore.rules (issue 11: storage rules ignored bans, blocks, announcement-only). */
describe.skipIf(storageSkipReason)('media follows the messaging policy', () => {
  it('a banned member uploads nothing', async () => {
    await seed('users/carol', { displayName: 'carol', moderation: { banned: true } });
    await assertFails(upload('carol', 'conversations/g/carol/spam.jpg', 5000, 'image/jpeg'));
  });
  it('in a direct conversation, nothing while either side blocks the other', async () => {
    await assertSucceeds(upload('carol', 'conversations/d/carol/ok.jpg', 5000, 'image/jpeg'));
    await seed('users/alice/blocks/carol', { createdAt: Timestamp.now() });
    await assertFails(upload('carol', 'conversations/d/carol/after.jpg', 5000, 'image/jpeg'));
    await assertFails(upload('alice', 'conversations/d/alice/after.jpg', 5000, 'image/jpeg'));
  });
  it('in an announcement-only group, owners and admins upload, members do not', async () => {
    await assertSucceeds(upload('alice', 'conversations/ann/alice/notice.jpg', 5000, 'image/jpeg'));
    await assertFails(upload('carol', 'conversations/ann/carol/reply.jpg', 5000, 'image/jpeg'));
  });
  it('a deleted or disabled account neither reads nor uploads', async () => {
    await seed('accountStates/carol', { state: 'disabled', by: 'ada', at: Timestamp.now() });
    await assertFails(getMetadata(ref(storageOf(env.authenticatedContext('carol')), 'conversations/g/alice/bowl.jpg')));
    await assertFails(upload('carol', 'conversations/g/carol/vase.jpg', 5000, 'image/jpeg'));
  });
  it('anonymous and email-unverified identities upload nothing', async () => {
    await assertFails(
      upload('carol', 'conversations/g/carol/a.jpg', 5000, 'image/jpeg', {
        firebase: { sign_in_provider: 'anonymous' },
      }),
    );
    await assertFails(
      upload('carol', 'conversations/g/carol/b.jpg', 5000, 'image/jpeg', {
        email: 'carol@example.com',
        email_verified: false,
      }),
    );
    await assertSucceeds(
      upload('carol', 'conversations/g/carol/c.jpg', 5000, 'image/jpeg', {
        email: 'carol@example.com',
        email_verified: true,
      }),
    );
  });
  it('no client deletes or replaces an object, not even its uploader (delete then re-create would swap sent media)', async () => {
    await assertFails(
      deleteObject(ref(storageOf(env.authenticatedContext('alice')), 'conversations/g/alice/bowl.jpg')),
    );
    await assertFails(upload('alice', 'conversations/g/alice/bowl.jpg', 5000, 'image/jpeg'));
  });
});
