import { paths } from '../../../src/domain/paths.js';
import { unreadOf } from '../../../src/domain/messaging/conversation.js';
import { as, testWorld } from '../../support/world.js';

export { as };

export const T0 = '2026-11-21T10:00:00.000Z';

/** The test world (test/support/world.ts) at T0 with a few users, and its messaging use cases. */
export async function messagingWorld(uids: string[] = ['owner', 'admin', 'member', 'other', 'outsider']) {
  const world = await testWorld({ now: T0, users: uids });
  return { ...world, messaging: world.services.messaging };
}

/** A group `g` owned by `owner`, with `admin` as admin and `member`, `other` as members. */
export async function groupWorld(settings: { announcementOnly?: boolean; e2ee?: boolean } = {}) {
  const world = await messagingWorld();
  const { conversationId } = await world.messaging.conversations.createGroup(as('owner'), {
    title: 'Indigo Collective',
    memberIds: ['admin', 'member', 'other'],
    settings,
  });
  await world.messaging.conversations.setRole(as('owner'), { conversationId, uid: 'admin', role: 'admin' });
  // One phone each, so the chat push has somewhere to go.
  for (const uid of ['owner', 'admin', 'member', 'other']) await world.addDevice(uid, `${uid}-phone`);
  return { ...world, cid: conversationId };
}

/** A member's unread count as the client computes it: the conversation's lastMessageSeq − the member's lastReadSeq. */
export async function unreadFor(
  world: { store: { getAll(p: readonly string[]): Promise<Array<{ data?: Record<string, unknown> | undefined }>> } },
  cid: string,
  uid: string,
): Promise<number> {
  const [conversation, member] = await world.store.getAll([paths.conversation(cid), paths.member(cid, uid)]);
  return unreadOf(conversation?.data ?? {}, member?.data ?? {});
}

export function textMessage(clientMessageId: string, text = 'Hello there') {
  return { type: 'text' as const, text, clientMessageId };
}

/** Runs the message trigger the way Firestore would after a create. */
export async function triggerFor(world: Awaited<ReturnType<typeof messagingWorld>>, cid: string, mid: string) {
  const snapshot = await world.store.get(paths.message(cid, mid));
  if (!snapshot.data) throw new Error(`no message ${mid}`);
  return world.messaging.onMessageCreated.handle(cid, mid, snapshot.data);
}

/**
 * Runs the message-update trigger the way Firestore would around `write` (a client's direct write or a callable):
 * the document before and after it, as the event carries them.
 */
export async function updateTriggerFor(
  world: Awaited<ReturnType<typeof messagingWorld>>,
  cid: string,
  mid: string,
  write: () => Promise<unknown>,
) {
  const before = (await world.store.get(paths.message(cid, mid))).data;
  await write();
  const after = (await world.store.get(paths.message(cid, mid))).data;
  const run = () => world.messaging.onMessageUpdated.handle(cid, mid, before, after);
  return { before, after, run };
}

/** The audit entries with this action, oldest first. */
export async function auditEntries(world: Awaited<ReturnType<typeof messagingWorld>>, action: string) {
  return (await world.store.query('auditLog')).map((a) => a.data ?? {}).filter((a) => a.action === action);
}
