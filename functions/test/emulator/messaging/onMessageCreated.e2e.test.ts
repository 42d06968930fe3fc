import { createHash } from 'node:crypto';
import { getFirestore } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import { FirestoreDocumentStore } from '../../../src/adapters/firestore/firestoreDocumentStore.js';
import { adminApp } from '../../../src/functions/runtime.js';
import { paths } from '../../../src/domain/paths.js';
import { messageIdFor } from '../../../src/domain/messaging/conversation.js';
import { processedMarker } from '../../../src/app/messaging/onMessageCreated.js';
import { moderationItemId } from '../../../src/app/messaging/moderation.js';
import { messageAuditKeys } from '../../../src/domain/messaging/messageChange.js';

/** auditLog/{id} of a keyed entry (AuditLog derives the id the same way). */
const auditPath = (key: string) => paths.auditEntry(createHash('sha256').update(key).digest('hex').slice(0, 24));

/**
 * The deployed trigger (functions emulator, built lib/) end to end: messages written to the Firestore emulator
 * get the summary, exact unread counts, the processed marker with the push recipients, and moderation flags.
 */
const store = new FirestoreDocumentStore(() => getFirestore(adminApp()));

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function seedGroup(cid: string): Promise<void> {
  const now = new Date();
  await store.set(paths.conversation(cid), {
    type: 'group', title: 'Indigo Collective', photo: null, memberIds: ['alice', 'bob', 'carol'], lastMessage: null, lastMessageAt: null,
    settings: { announcementOnly: false, e2ee: false }, pinnedMessageIds: [], createdAt: now, createdBy: 'alice',
  });
  for (const [uid, role] of [['alice', 'owner'], ['bob', 'admin'], ['carol', 'member']] as const) {
    await store.set(paths.member(cid, uid), { uid, role, joinedAt: now, lastReadAt: now, unreadCount: 0, mutedUntil: null, activeUntil: null });
    await store.set(paths.user(uid), { displayName: uid });
  }
  // bob is looking at the conversation: counted, not pushed.
  await store.update(paths.member(cid, 'bob'), { activeUntil: new Date(Date.now() + 5 * 60_000) });
}

const send = (cid: string, senderId: string, clientMessageId: string, text: string) =>
  store.create(paths.message(cid, messageIdFor(senderId, clientMessageId)), { senderId, type: 'text', text, clientMessageId, createdAt: new Date() });

describe('onMessageCreated (functions emulator)', () => {
  it('20 concurrent messages: exact unread counts, summary, push recipients', async () => {
    const cid = `e2e-${Date.now()}`;
    await seedGroup(cid);
    await Promise.all(Array.from({ length: 20 }, (_, i) => send(cid, 'carol', `c${i}`, `message ${i}`)));
    const alice = await eventually(() => store.get(paths.member(cid, 'alice')), (s) => s.data?.unreadCount === 20);
    expect(alice.data?.unreadCount).toBe(20);
    expect((await store.get(paths.member(cid, 'bob'))).data?.unreadCount).toBe(20);
    expect((await store.get(paths.member(cid, 'carol'))).data?.unreadCount).toBe(0);
    const conversation = await eventually(() => store.get(paths.conversation(cid)), (s) => !!s.data?.lastMessage);
    expect(conversation.data?.lastMessage).toMatchObject({ senderId: 'carol', type: 'text' });
    const marker = await eventually(() => store.get(processedMarker(cid, messageIdFor('carol', 'c0'))), (s) => s.data?.published === true);
    expect(marker.data).toMatchObject({ published: true, recipientIds: ['alice'] });
  });

  it('flags off-platform payment into the moderation queue', async () => {
    const cid = `e2e-mod-${Date.now()}`;
    await seedGroup(cid);
    await send(cid, 'carol', 'p1', 'cheaper if you pay me on paypal');
    const item = await eventually(() => store.get(`moderationQueue/${moderationItemId(cid, messageIdFor('carol', 'p1'))}`), (s) => s.exists);
    expect(item.data).toMatchObject({ status: 'open', sources: ['automated'], reasons: ['off_platform_payment'], senderId: 'carol' });
  });

  it('audits the message, then a client-style edit: message.edited and the lastMessage preview follow (onMessageUpdated)', async () => {
    const cid = `e2e-edit-${Date.now()}`;
    await seedGroup(cid);
    const mid = messageIdFor('carol', 'e1');
    await send(cid, 'carol', 'e1', 'first draft');
    const sent = await eventually(() => store.get(auditPath(messageAuditKeys.sent(cid, mid))), (s) => s.exists);
    expect(sent.data).toMatchObject({ actorUid: 'carol', action: 'message.sent', target: { type: 'message', id: `${cid}/${mid}` } });
    await eventually(() => store.get(paths.conversation(cid)), (s) => (s.data?.lastMessage as { preview?: string } | undefined)?.preview === 'first draft');
    const original = (await store.get(paths.message(cid, mid))).data!;
    await store.update(paths.message(cid, mid), { text: 'final', editedAt: new Date(), editHistory: [{ text: 'first draft', editedAt: original.createdAt }] });
    const edited = await eventually(() => store.get(auditPath(messageAuditKeys.edited(cid, mid, 1))), (s) => s.exists);
    expect(edited.data).toMatchObject({ actorUid: 'carol', action: 'message.edited', details: { edit: 1 } });
    const conversation = await eventually(() => store.get(paths.conversation(cid)), (s) => (s.data?.lastMessage as { preview?: string } | undefined)?.preview === 'final');
    expect(conversation.data?.lastMessage).toMatchObject({ messageId: mid, preview: 'final' });
  });
});
