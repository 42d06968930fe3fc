import type { RulesTestContext, RulesTestEnvironment } from '@firebase/rules-unit-testing';
import { Timestamp, doc, getDoc, serverTimestamp, writeBatch } from 'firebase/firestore';
import type { DocumentData, Firestore } from 'firebase/firestore';
import { firestoreOf } from './rulesEnv.js';

/**
 * The cast of the firestore.rules suites, seeded with rules disabled in one batch:
 * - group `g`: alice owner, bob admin, carol member, frank member without a users/{uid} profile; erin has left
 *   (her message stays); alice's system message `alice_sys1` records a change she made;
 * - group `ann` (announcement-only): alice owner, carol member, who posted `carol_a1` before the switch;
 * - group `enc` (end-to-end encrypted): alice owner, carol member;
 * - direct `dm_alice_carol`; direct `dm_bob_carol`, where bob blocks carol;
 * - dave is no member of anything; mod has the admin claim, comp the compliance claim, svc the service claim.
 */
export const ADMIN = { admin: true };
export const COMPLIANCE = { compliance: true };
export const SERVICE = { roles: ['service'] };

export const minutesAgo = (m: number) => Timestamp.fromMillis(Date.now() - m * 60_000);
export const inMs = (ms: number) => Timestamp.fromMillis(Date.now() + ms);

export const text = (senderId: string, clientMessageId: string, extra: DocumentData = {}): DocumentData => ({
  senderId,
  type: 'text',
  text: 'Is the walnut bowl food-safe?',
  clientMessageId,
  createdAt: serverTimestamp(),
  ...extra,
});
/**
 * A read receipt as clients write it (README "Messaging data model"): one batch that moves the read position in
 * reads/{uid} and the member document's lastReadAt to request.time and resets the count.
 */
export function readReceipt(
  f: Firestore,
  cid: string,
  uid: string,
  member: DocumentData = { lastReadAt: serverTimestamp(), unreadCount: 0 },
) {
  const batch = writeBatch(f);
  batch.set(doc(f, `conversations/${cid}/reads/${uid}`), { lastReadAt: serverTimestamp() });
  batch.update(doc(f, `conversations/${cid}/members/${uid}`), member);
  return batch.commit();
}

export const envelope = {
  alg: 'X25519-HKDF-SHA256+A256GCM',
  ciphertext: 'Y2lwaGVydGV4dA==',
  iv: 'aXZpdml2aXZpdml2',
  keyIds: ['alice:d1', 'carol:d2'],
};

const member = (uid: string, role: string) => ({
  uid,
  role,
  joinedAt: minutesAgo(60),
  lastReadAt: null,
  unreadCount: 0,
  mutedUntil: null,
  activeUntil: null,
  displayName: uid,
  photoUrl: null,
});
/** A message as stored (createdAt in the past). */
export const stored = (
  senderId: string,
  clientMessageId: string,
  minutes: number,
  extra: DocumentData = {},
): DocumentData => ({
  ...text(senderId, clientMessageId),
  createdAt: minutesAgo(minutes),
  ...extra,
});

export async function seedCast(env: RulesTestEnvironment): Promise<void> {
  await env.clearFirestore();
  await env.withSecurityRulesDisabled(async (ctx) => {
    const f = firestoreOf(ctx);
    const batch = writeBatch(f);
    const put = (path: string, data: DocumentData) => batch.set(doc(f, path), data);
    for (const uid of ['alice', 'bob', 'carol', 'dave']) {
      put(`users/${uid}`, {
        displayName: uid,
        kind: 'creator',
        email: `${uid}@example.com`,
        emailVerified: true,
        phone: '+4915112345678',
        phoneVerified: true,
      });
    }
    put('users/alice/settings/notifications', { channels: { push: true } });
    put('users/alice/notifications/n1', { title: 'Outbid', read: false });
    put('users/alice/counters/notifications', { unread: 1 });
    put('users/alice/devices/d1', { token: 'fcm-token', platform: 'ios' });
    put('users/alice/keys/d1', { alg: 'X25519', publicKey: 'A'.repeat(44), createdAt: minutesAgo(60) });
    put('users/alice/blocks/spammer', { createdAt: minutesAgo(60) });
    put('users/bob/blocks/carol', { createdAt: minutesAgo(60) });

    const group = (cid: string, roles: Record<string, string>, settings: DocumentData) => {
      put(`conversations/${cid}`, {
        type: 'group',
        title: cid,
        photo: null,
        memberIds: Object.keys(roles),
        lastMessage: null,
        lastMessageAt: null,
        settings,
        createdAt: minutesAgo(60),
        createdBy: 'alice',
      });
      for (const [uid, role] of Object.entries(roles)) put(`conversations/${cid}/members/${uid}`, member(uid, role));
    };
    group(
      'g',
      { alice: 'owner', bob: 'admin', carol: 'member', frank: 'member' },
      { announcementOnly: false, e2ee: false },
    );
    group('ann', { alice: 'owner', carol: 'member' }, { announcementOnly: true, e2ee: false });
    group('enc', { alice: 'owner', carol: 'member' }, { announcementOnly: false, e2ee: true });
    for (const [cid, pair] of [
      ['dm_alice_carol', ['alice', 'carol']],
      ['dm_bob_carol', ['bob', 'carol']],
    ] as const) {
      put(`conversations/${cid}`, {
        type: 'direct',
        title: null,
        memberIds: [...pair],
        settings: { announcementOnly: false, e2ee: false },
        createdAt: minutesAgo(60),
        createdBy: pair[0],
      });
      for (const uid of pair) put(`conversations/${cid}/members/${uid}`, member(uid, 'member'));
    }
    put('conversations/g/messages/alice_m1', stored('alice', 'm1', 1));
    put('conversations/g/messages/bob_m3', stored('bob', 'm3', 1));
    put('conversations/g/messages/carol_m2', stored('carol', 'm2', 1));
    put('conversations/g/messages/carol_old', stored('carol', 'old', 20));
    put('conversations/g/messages/frank_f1', stored('frank', 'f1', 1));
    put('conversations/g/messages/erin_x1', stored('erin', 'x1', 30));
    put('conversations/g/messages/alice_sys1', {
      senderId: 'alice',
      type: 'system',
      text: 'removed a member',
      system: { action: 'group.member_removed', actorUid: 'alice', targetUids: ['erin'] },
      clientMessageId: 'sys1',
      createdAt: minutesAgo(1),
    });
    put('conversations/g/processed/alice_m1', { published: true });
    put('conversations/g/typing/bob', { expiresAt: inMs(5_000) });
    put('conversations/ann/messages/carol_a1', stored('carol', 'a1', 1));
    put('conversations/enc/messages/carol_e0', {
      senderId: 'carol',
      type: 'text',
      encrypted: envelope,
      clientMessageId: 'e0',
      createdAt: minutesAgo(1),
    });
    put('conversations/dm_alice_carol/messages/alice_d0', stored('alice', 'd0', 1));
    put('conversations/dm_alice_carol/messages/carol_dm1', stored('carol', 'dm1', 1));
    put('conversations/dm_bob_carol/messages/carol_b1', stored('carol', 'b1', 1));

    put('events/e1', { type: 'commerce.order_shipped' });
    put('deliveries/d1', { uid: 'alice', status: 'sent' });
    put('digests/alice_1', { uid: 'alice', status: 'pending' });
    put('moderationQueue/q1', { conversationId: 'g', messageId: 'carol_m2', status: 'open' });
    put('auditLog/a1', {
      actorUid: 'mod',
      action: 'moderation.decided',
      target: { type: 'message', id: 'g/carol_m2' },
      at: minutesAgo(1),
    });
    put('exports/x1', { ownerUid: 'alice', status: 'done' });
    await batch.commit();
  });
}

/** Bans a user the way decideModeration does (users/{uid}.moderation.banned). */
export async function ban(env: RulesTestEnvironment, uid: string): Promise<void> {
  await env.withSecurityRulesDisabled(async (ctx) => {
    const f = firestoreOf(ctx);
    const batch = writeBatch(f);
    batch.set(
      doc(f, `users/${uid}`),
      { moderation: { banned: true, bannedAt: Timestamp.now(), bannedBy: 'mod' } },
      { merge: true },
    );
    await batch.commit();
  });
}

/** A stored message's createdAt, as a client that has read the message knows it. */
export async function createdAtOf(env: RulesTestEnvironment, path: string): Promise<Timestamp> {
  let createdAt: Timestamp | undefined;
  await env.withSecurityRulesDisabled(async (ctx) => {
    createdAt = (await getDoc(doc(firestoreOf(ctx), path))).get('createdAt') as Timestamp;
  });
  if (!createdAt) throw new Error(`no createdAt on ${path}`);
  return createdAt;
}

export const clientOf = (env: RulesTestEnvironment) => {
  const as = (uid: string, claims: Record<string, unknown> = {}): RulesTestContext =>
    env.authenticatedContext(uid, claims);
  return {
    db: (uid: string, claims: Record<string, unknown> = {}) => firestoreOf(as(uid, claims)),
    anon: () => firestoreOf(env.unauthenticatedContext()),
  };
};
