import type { DocumentStore } from '../../../src/ports.js';
import { paths } from '../../../src/domain/paths.js';

/** Test data in the shapes the messaging feature writes (conversations, members, messages) and users/{uid}. */
export async function seedUser(store: DocumentStore, uid: string, profile: Record<string, unknown> = {}) {
  await store.set(paths.user(uid), { displayName: `Name of ${uid}`, kind: 'collector', emailVerified: false, phoneVerified: false, timeZone: 'UTC', locale: 'en', ...profile });
}

export async function seedConversation(store: DocumentStore, cid: string, memberIds: string[], extra: Record<string, unknown> = {}) {
  await store.set(paths.conversation(cid), { type: memberIds.length > 2 ? 'group' : 'direct', title: `Conversation ${cid}`, memberIds, createdAt: new Date('2024-01-01T00:00:00Z'), ...extra });
  for (const uid of memberIds) await store.set(paths.member(cid, uid), { uid, role: 'member', joinedAt: new Date('2024-01-01T00:00:00Z'), unreadCount: 0 });
}

let seq = 0;
export async function seedMessage(store: DocumentStore, cid: string, mid: string, message: Record<string, unknown>) {
  seq += 1;
  await store.set(paths.message(cid, mid), {
    type: 'text',
    clientMessageId: `client-${mid}-${seq}`,
    createdAt: new Date(Date.UTC(2024, 4, 1, 12, 0, seq % 60)),
    ...message,
  });
}
