import { createHash } from 'node:crypto';
import { getFirestore } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import { FirestoreDocumentStore } from '../../../src/adapters/firestore/firestoreDocumentStore.js';
import { adminApp } from '../../../src/composition/cloud.js';
import { paths } from '../../../src/domain/paths.js';
import { messageIdFor } from '../../../src/domain/messaging/conversation.js';
import { processedMarker } from '../../../src/app/messaging/onMessageCreated.js';
import { moderationItemId } from '../../../src/app/messaging/moderation.js';
import { messageAuditKeys } from '../../../src/domain/messaging/messageChange.js';
import { callAs, eventually, outbox, searchRecords, useTriggerChains } from '../../support/fakes/emulatorChain.js';

/** auditLog/{id} of a keyed entry (AuditLog derives the id the same way). */
const auditPath = (key: string) => paths.auditEntry(createHash('sha256').update(key).digest('hex').slice(0, 24));

/**
 * The deployed messaging triggers (Functions emulator, built lib/) end to end, with the sandbox providers: messages
 * written to the Firestore emulator get the summary, exact unread counts, the processed marker, the push through the
 * notification pipeline over Pub/Sub into the sandbox FCM, moderation flags, audit entries, and search records in the
 * sandbox Algolia that the searchMessages callable answers from; renames reach the member documents.
 */
const store = new FirestoreDocumentStore(() => getFirestore(adminApp()));
const run = `${process.pid}${Date.now().toString(36)}`;
const CHAIN_MS = 150_000;

/** A group of three; alice (owner) has a phone registered for push, bob (admin) is looking at the conversation. */
async function seedGroup(cid: string) {
  const now = new Date();
  const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((name) => `${name}-${run}`) as [string, string, string];
  await store.set(paths.conversation(cid), {
    type: 'group',
    title: 'Indigo Collective',
    photo: null,
    memberIds: [alice, bob, carol],
    lastMessage: null,
    lastMessageAt: null,
    settings: { announcementOnly: false, e2ee: false },
    pinnedMessageIds: [],
    createdAt: now,
    createdBy: alice,
  });
  for (const [uid, role] of [
    [alice, 'owner'],
    [bob, 'admin'],
    [carol, 'member'],
  ] as const) {
    await store.set(paths.user(uid), { displayName: uid, timeZone: 'UTC', locale: 'en' });
    // No quiet hours: whatever time the suite runs, the push may leave at once.
    await store.set(paths.preferences(uid), { quietHours: { enabled: false } });
    await store.set(paths.member(cid, uid), {
      uid,
      role,
      displayName: uid,
      photoUrl: null,
      joinedAt: now,
      lastReadAt: now,
      unreadCount: 0,
      mutedUntil: null,
      activeUntil: null,
    });
  }
  const token = `sandbox-${cid}-alice-phone-token`;
  await store.set(paths.device(alice, 'phone'), {
    deviceId: 'phone',
    token,
    platform: 'android',
    appVersion: '1.0.0',
    locale: 'en',
    lastSeenAt: now,
    createdAt: now,
  });
  // bob is looking at the conversation: counted, not pushed.
  await store.update(paths.member(cid, bob), { activeUntil: new Date(Date.now() + 5 * 60_000) });
  return { alice, bob, carol, token };
}

const send = (cid: string, senderId: string, clientMessageId: string, text: string) =>
  store.create(paths.message(cid, messageIdFor(senderId, clientMessageId)), {
    senderId,
    type: 'text',
    text,
    clientMessageId,
    createdAt: new Date(),
  });

describe('messaging trigger chains (functions emulator, sandbox providers)', () => {
  useTriggerChains();

  it(
    '20 concurrent messages: exact unread counts, summary, push recipients; one push reaches FCM, the rest of the burst waits for a digest',
    async () => {
      const cid = `e2e-${run}`;
      const { alice, bob, carol, token } = await seedGroup(cid);
      await Promise.all(Array.from({ length: 20 }, (_, i) => send(cid, carol, `c${i}`, `message ${i}`)));

      await eventually(
        'alice unread 20',
        () => store.get(paths.member(cid, alice)),
        (s) => s.data?.unreadCount === 20,
        CHAIN_MS,
      );
      expect((await store.get(paths.member(cid, bob))).data?.unreadCount).toBe(20);
      expect((await store.get(paths.member(cid, carol))).data?.unreadCount).toBe(0);
      const conversation = await eventually(
        'the summary',
        () => store.get(paths.conversation(cid)),
        (s) => !!s.data?.lastMessage,
      );
      expect(conversation.data?.lastMessage).toMatchObject({ senderId: carol, type: 'text' });
      const marker = await eventually(
        'the processed marker of c0',
        () => store.get(processedMarker(cid, messageIdFor(carol, 'c0'))),
        (s) => s.data?.published === true,
      );
      expect(marker.data).toMatchObject({ published: true, recipientIds: [alice] });

      // Every message became a messaging.new_message event for alice: one in-app notification counting all 20.
      const groupKey = `messaging:${cid}`;
      const [notification] = await eventually(
        "alice's in-app notification to count 20",
        () => store.query(paths.notifications(alice), { where: [['groupKey', '==', groupKey]] }),
        (n) => n[0]?.data?.count === 20,
        CHAIN_MS,
      );
      expect(notification!.data).toMatchObject({ type: 'messaging.new_message', read: false });

      // The first event of the burst pushed at once, through deliver-push and firebase-admin, into the sandbox FCM.
      const [push] = await eventually(
        "a push to alice's phone in the sandbox FCM",
        () => outbox('push', { to: token }),
        (c) => c.length > 0,
        CHAIN_MS,
      );
      const message = (push!.request as { message: { data: Record<string, string>; notification: { title: string } } })
        .message;
      expect(message.data).toMatchObject({ conversationId: cid, type: 'messaging.new_message' });
      const sent = await eventually(
        'the push delivery record',
        () => store.get(paths.delivery(push!.deliveryId!)),
        (s) => s.data?.status === 'sent',
      );
      expect(sent.data).toMatchObject({
        channel: 'push',
        uid: alice,
        provider: 'fcm',
        providerMessageId: (push!.response as { name: string }).name,
      });
      // The other 19 are held for the group's digest; nobody else got a push (bob is active, carol sent them).
      const deliveries = await eventually(
        'twenty push deliveries for alice',
        () => store.query(paths.deliveries(), { where: [['groupKey', '==', groupKey]] }),
        (d) => d.filter((x) => x.data?.channel === 'push').length === 20,
      );
      const statuses = deliveries.map((d) => String(d.data?.status));
      expect({
        sent: statuses.filter((s) => s === 'sent').length,
        batched: statuses.filter((s) => s === 'batched').length,
      }).toEqual({ sent: 1, batched: 19 });
      expect(new Set(deliveries.map((d) => d.data?.uid))).toEqual(new Set([alice]));
      expect(await outbox('push', { to: token })).toHaveLength(1);
    },
    CHAIN_MS + 60_000,
  );

  it(
    'flags off-platform payment into the moderation queue',
    async () => {
      const cid = `e2e-mod-${run}`;
      const { carol } = await seedGroup(cid);
      await send(cid, carol, 'p1', 'cheaper if you pay me on paypal');
      const item = await eventually(
        'the moderation item',
        () => store.get(`moderationQueue/${moderationItemId(cid, messageIdFor(carol, 'p1'))}`),
        (s) => s.exists,
        CHAIN_MS,
      );
      expect(item.data).toMatchObject({
        status: 'open',
        sources: ['automated'],
        reasons: ['off_platform_payment'],
        senderId: carol,
      });
    },
    CHAIN_MS,
  );

  it(
    'audits the message, then a client-style edit: message.edited and the lastMessage preview follow (onMessageUpdated)',
    async () => {
      const cid = `e2e-edit-${run}`;
      const { carol } = await seedGroup(cid);
      const mid = messageIdFor(carol, 'e1');
      await send(cid, carol, 'e1', 'first draft');
      const sent = await eventually(
        'message.sent',
        () => store.get(auditPath(messageAuditKeys.sent(cid, mid))),
        (s) => s.exists,
        CHAIN_MS,
      );
      expect(sent.data).toMatchObject({
        actorUid: carol,
        action: 'message.sent',
        target: { type: 'message', id: `${cid}/${mid}` },
      });
      await eventually(
        'the first preview',
        () => store.get(paths.conversation(cid)),
        (s) => (s.data?.lastMessage as { preview?: string } | undefined)?.preview === 'first draft',
      );
      const original = (await store.get(paths.message(cid, mid))).data!;
      await store.update(paths.message(cid, mid), {
        text: 'final',
        editedAt: new Date(),
        editHistory: [{ text: 'first draft', editedAt: original.createdAt }],
      });
      const edited = await eventually(
        'message.edited',
        () => store.get(auditPath(messageAuditKeys.edited(cid, mid, 1))),
        (s) => s.exists,
        CHAIN_MS,
      );
      expect(edited.data).toMatchObject({ actorUid: carol, action: 'message.edited', details: { edit: 1 } });
      const conversation = await eventually(
        'the edited preview',
        () => store.get(paths.conversation(cid)),
        (s) => (s.data?.lastMessage as { preview?: string } | undefined)?.preview === 'final',
      );
      expect(conversation.data?.lastMessage).toMatchObject({ messageId: mid, preview: 'final' });
    },
    CHAIN_MS,
  );

  it(
    'indexes messages into the sandbox Algolia (edits too) and searchMessages answers members only, through the callable',
    async () => {
      const cid = `e2e-search-${run}`;
      const { alice, carol } = await seedGroup(cid);
      const outsider = `mallory-${run}`;
      await store.set(paths.user(outsider), { displayName: 'Mallory', timeZone: 'UTC', locale: 'en' });
      const mid = messageIdFor(carol, 's1');
      await send(cid, carol, 's1', `indigo ${run} mordant recipe`);
      const objectID = `${cid}/${mid}`;
      const [record] = await eventually(
        'the search record',
        async () => (await searchRecords()).filter((r) => r.objectID === objectID),
        (r) => r.length === 1,
        CHAIN_MS,
      );
      expect(record).toMatchObject({
        conversationId: cid,
        senderId: carol,
        type: 'text',
        visibleTo: expect.arrayContaining([alice, carol]),
      });

      await store.update(paths.message(cid, mid), {
        text: `indigo ${run} alum recipe`,
        editedAt: new Date(),
        editHistory: [{ text: `indigo ${run} mordant recipe`, editedAt: new Date() }],
      });
      await eventually(
        'the edited record',
        async () => (await searchRecords()).find((r) => r.objectID === objectID),
        (r) => String(r?.text).includes('alum'),
        CHAIN_MS,
      );

      const asAlice = await callAs<{ hits: Array<{ objectID: string; text: string }>; degraded: boolean }>(
        alice,
        'searchMessages',
        { query: `${run} alum` },
      );
      expect(asAlice.degraded).toBe(false);
      expect(asAlice.hits.map((h) => h.objectID)).toEqual([objectID]);
      const asOutsider = await callAs<{ hits: unknown[] }>(outsider, 'searchMessages', { query: `${run} alum` });
      expect(asOutsider.hits).toEqual([]);
    },
    CHAIN_MS + 60_000,
  );

  it(
    'exports a conversation through the callable; the download link serves it from the sandbox storage (no Storage emulator here)',
    async () => {
      const cid = `e2e-export-${run}`;
      const { alice, carol } = await seedGroup(cid);
      await send(cid, carol, 'x1', 'Commas, and "quotes"');
      await eventually(
        'the message counted',
        () => store.get(paths.member(cid, alice)),
        (s) => s.data?.unreadCount === 1,
        CHAIN_MS,
      );
      const result = await callAs<{ status: string; url: string; path: string; bytes: number }>(
        alice,
        'exportConversation',
        { conversationId: cid, format: 'json' },
      );
      expect(result).toMatchObject({ status: 'done', path: expect.stringMatching(new RegExp(`^exports/${alice}/`)) });
      const download = await fetch(result.url);
      expect(download.status).toBe(200);
      const body = (await download.json()) as { messages: Array<{ text: string }> };
      expect(body.messages.map((m) => m.text)).toEqual(['Commas, and "quotes"']);
    },
    CHAIN_MS,
  );

  it(
    'a renamed user: every member document of theirs follows (onUserProfileUpdated)',
    async () => {
      const first = `e2e-rename-a-${run}`;
      const second = `e2e-rename-b-${run}`;
      const { carol } = await seedGroup(first);
      await store.set(paths.conversation(second), {
        type: 'group',
        title: 'Second',
        photo: null,
        memberIds: [carol],
        lastMessage: null,
        lastMessageAt: null,
        settings: { announcementOnly: false, e2ee: false },
        pinnedMessageIds: [],
        createdAt: new Date(),
        createdBy: carol,
      });
      await store.set(paths.member(second, carol), {
        uid: carol,
        role: 'owner',
        displayName: carol,
        photoUrl: null,
        joinedAt: new Date(),
        lastReadAt: new Date(),
        unreadCount: 0,
        mutedUntil: null,
        activeUntil: null,
      });
      await store.update(paths.user(carol), {
        displayName: 'Carol Dyer',
        photoUrl: 'https://cdn.craft.example/carol.jpg',
      });
      for (const cid of [first, second]) {
        const member = await eventually(
          `carol's member document in ${cid}`,
          () => store.get(paths.member(cid, carol)),
          (s) => s.data?.displayName === 'Carol Dyer',
          CHAIN_MS,
        );
        expect(member.data).toMatchObject({
          displayName: 'Carol Dyer',
          photoUrl: 'https://cdn.craft.example/carol.jpg',
          role: cid === first ? 'member' : 'owner',
        });
      }
    },
    CHAIN_MS,
  );
});
