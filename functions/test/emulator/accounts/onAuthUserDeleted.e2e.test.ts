import { createHash } from 'node:crypto';
import { getAuth } from 'firebase-admin/auth';
import { getFirestore } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import { FirestoreDocumentStore } from '../../../src/adapters/firestore/firestoreDocumentStore.js';
import { adminApp } from '../../../src/composition/cloud.js';
import { paths } from '../../../src/domain/paths.js';
import { messageIdFor } from '../../../src/domain/messaging/conversation.js';
import { eventually, searchRecords, useTriggerChains } from '../../support/fakes/emulatorChain.js';

/**
 * The v1 Auth user-deleted trigger on the Auth emulator: deleting an account (console, Admin SDK) fires
 * onAuthUserDeleted, which erases the person's data; their messages stay, pseudonymised, in Firestore and in the
 * sandbox Algolia.
 */
const store = new FirestoreDocumentStore(() => getFirestore(adminApp()));
const run = `${process.pid}${Date.now().toString(36)}`;
const CHAIN_MS = 150_000;
const auditPath = (key: string) => paths.auditEntry(createHash('sha256').update(key).digest('hex').slice(0, 24));

describe('Auth user deleted → erasure (auth + functions emulators)', () => {
  useTriggerChains();

  it(
    'deleting the Auth account erases the profile, devices and notifications and pseudonymises their messages everywhere',
    async () => {
      const uid = `leaver-${run}`;
      const friend = `friend-${run}`;
      const cid = `erase-${run}`;
      const now = new Date();
      await getAuth(adminApp()).createUser({ uid, email: `${uid}@studio.example`, emailVerified: true });
      await store.set(paths.user(uid), {
        displayName: 'Lea Leaver',
        email: `${uid}@studio.example`,
        emailVerified: true,
        timeZone: 'UTC',
        locale: 'en',
      });
      await store.set(paths.user(friend), { displayName: 'Friend', timeZone: 'UTC', locale: 'en' });
      await store.set(paths.device(uid, 'phone'), {
        deviceId: 'phone',
        token: `sandbox-${uid}`,
        platform: 'ios',
        appVersion: '1.0.0',
        locale: 'en',
        lastSeenAt: now,
        createdAt: now,
      });
      await store.set(paths.notification(uid, 'n1'), {
        type: 'order.shipped',
        title: 'Shipped',
        body: 'Your bowl shipped',
        read: false,
        createdAt: now,
      });
      await store.set(paths.conversation(cid), {
        type: 'group',
        title: 'Weavers',
        photo: null,
        memberIds: [uid, friend],
        lastMessage: null,
        lastMessageAt: null,
        settings: { announcementOnly: false, e2ee: false },
        pinnedMessageIds: [],
        createdAt: now,
        createdBy: friend,
      });
      for (const [member, role] of [
        [friend, 'owner'],
        [uid, 'member'],
      ] as const) {
        await store.set(paths.member(cid, member), {
          uid: member,
          role,
          displayName: member,
          photoUrl: null,
          joinedAt: now,
          lastReadAt: now,
          unreadCount: 0,
          mutedUntil: null,
          activeUntil: null,
        });
      }
      const mid = messageIdFor(uid, 'm1');
      await store.create(paths.message(cid, mid), {
        senderId: uid,
        type: 'text',
        text: `write to me at ${uid}@studio.example`,
        clientMessageId: 'm1',
        createdAt: now,
      });
      const objectID = `${cid}/${mid}`;
      await eventually(
        'the message indexed',
        async () => (await searchRecords()).find((r) => r.objectID === objectID),
        (r) => r !== undefined,
        CHAIN_MS,
      );

      await getAuth(adminApp()).deleteUser(uid);

      await eventually(
        'the erasure audited',
        () => store.get(auditPath(`user.erase:${uid}`)),
        (s) => s.exists,
        CHAIN_MS,
      );
      expect((await store.get(paths.user(uid))).exists).toBe(false);
      expect((await store.get(paths.device(uid, 'phone'))).exists).toBe(false);
      expect(await store.query(paths.notifications(uid))).toEqual([]);
      expect((await store.get(paths.member(cid, uid))).exists).toBe(false);
      const message = (await store.get(paths.message(cid, mid))).data!;
      expect(message).toMatchObject({ senderDeleted: true });
      expect(String(message.text)).not.toContain(`${uid}@studio.example`);
      const record = await eventually(
        'the search record pseudonymised',
        async () => (await searchRecords()).find((r) => r.objectID === objectID),
        (r) => r?.senderName !== 'Lea Leaver' && !String(r?.text).includes('@studio.example'),
      );
      expect(record).toMatchObject({ senderName: 'Deleted user' });
      expect((await store.get(auditPath(`user.erase:${uid}`))).data).toMatchObject({
        action: 'user.erase',
        actorUid: 'system:auth',
        details: { reason: 'auth-deleted' },
      });
    },
    CHAIN_MS * 2,
  );
});
