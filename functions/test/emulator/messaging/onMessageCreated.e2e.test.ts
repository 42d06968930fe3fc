import { createHash } from 'node:crypto';
import { getFirestore } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import { FirestoreDocumentStore } from '../../../src/adapters/firestore/firestoreDocumentStore.js';
import { adminApp } from '../../../src/composition/cloud.js';
import { paths } from '../../../src/domain/paths.js';
import { messageIdFor, unreadOf } from '../../../src/domain/messaging/conversation.js';
import { chatCollapseKey } from '../../../src/domain/messaging/chatPush.js';
import { chatDeliveryId, processedMarker } from '../../../src/app/messaging/onMessageCreated.js';
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
    '20 concurrent messages: numbered 1…20, exact unread counts, summary; every push straight to FCM with one collapse key',
    async () => {
      const cid = `e2e-${run}`;
      const { alice, bob, carol, token } = await seedGroup(cid);
      await Promise.all(Array.from({ length: 20 }, (_, i) => send(cid, carol, `c${i}`, `message ${i}`)));

      const numbered = await eventually(
        'lastMessageSeq 20',
        () => store.get(paths.conversation(cid)),
        (s) => s.data?.lastMessageSeq === 20,
        CHAIN_MS,
      );
      const unread = async (uid: string) =>
        unreadOf(numbered.data ?? {}, (await store.get(paths.member(cid, uid))).data ?? {});
      expect(await unread(alice)).toBe(20);
      expect(await unread(bob)).toBe(20);
      expect(await unread(carol)).toBe(0);
      expect(numbered.data?.lastMessage).toMatchObject({ senderId: carol, type: 'text' });
      const marker = await eventually(
        'the processed marker of c0',
        () => store.get(processedMarker(cid, messageIdFor(carol, 'c0'))),
        (s) => s.data?.published === true,
      );
      expect(marker.data).toMatchObject({ published: true, pushedTo: [alice], pipelineRecipients: [] });

      // Every message pushed at once, through the PushSender port and firebase-admin, into the sandbox FCM, each with
      // the conversation's collapse key (the device shows the latest); bob is active, carol sent them.
      const pushes = await eventually(
        "twenty pushes to alice's phone in the sandbox FCM",
        () => outbox('push', { to: token }),
        (c) => c.length >= 20,
        CHAIN_MS,
      );
      const messages = pushes.map(
        (p) =>
          (
            p.request as {
              message: { data: Record<string, string>; android: { collapse_key?: string; collapseKey?: string } };
            }
          ).message,
      );
      expect(messages.every((m) => m.data.conversationId === cid && m.data.type === 'messaging.new_message')).toBe(
        true,
      );
      const keys = new Set(messages.map((m) => m.android.collapse_key ?? m.android.collapseKey));
      expect(keys).toEqual(new Set([chatCollapseKey(cid)]));
      // One ledger record per message batch, no per-recipient pipeline records, no in-app notifications.
      const ledger = await eventually(
        'the ledger record of c0',
        () => store.get(paths.delivery(chatDeliveryId(cid, messageIdFor(carol, 'c0')))),
        (s) => s.data?.status === 'sent',
      );
      expect(ledger.data).toMatchObject({ channel: 'push', provider: 'fcm', batch: true, recipients: 1, sentCount: 1 });
      expect(await store.query(paths.notifications(alice))).toHaveLength(0);
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
        'the message numbered',
        () => store.get(paths.conversation(cid)),
        (s) => s.data?.lastMessageSeq === 1,
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
