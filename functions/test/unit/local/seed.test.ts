import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryDocumentStore } from '../../../src/adapters/memory/memoryDocumentStore.js';
import { MESSAGE_TYPES, messageSchema } from '../../../src/domain/messaging/message.js';
import { effectivePreferences, preferencesPatchSchema } from '../../../src/domain/notifications/preferences.js';
import { userProfileSchema } from '../../../src/domain/users.js';
import { applySeed } from '../../../src/local/applySeed.js';
import { parseSeed, readSeed, SeedError } from '../../../src/local/seedData.js';
import type { Seed } from '../../../src/local/seedData.js';
import type { SeedWrite } from '../../../src/local/seedDocuments.js';
import { seedAuthUsers, seedDocuments } from '../../../src/local/seedDocuments.js';

const now = new Date('2026-11-21T12:00:00Z');
let seed: Seed;
let writes: SeedWrite[];
let byPath: Map<string, SeedWrite['data']>;

beforeAll(async () => {
  seed = await readSeed();
  writes = seedDocuments(seed, { now });
  byPath = new Map(writes.map((w) => [w.path, w.data]));
});

/** The seed as it is on disk (dates back to strings), to feed parseSeed variants. */
const raw = (): Record<string, unknown[]> => JSON.parse(JSON.stringify(seed)) as Record<string, unknown[]>;

describe('emulator-seed content', () => {
  it('has the people the issue asks for, across time zones', () => {
    expect(seed.users.length).toBeGreaterThanOrEqual(20);
    const kinds = new Set(seed.users.map((u) => u.kind));
    expect(kinds).toEqual(new Set(['creator', 'collector']));
    for (const role of ['admin', 'compliance', 'service'] as const)
      expect(seed.users.some((u) => u.roles.includes(role))).toBe(true);
    expect(new Set(seed.users.map((u) => u.timeZone)).size).toBeGreaterThanOrEqual(10);
    expect(seed.users.some((u) => u.phone && u.phoneVerified)).toBe(true);
    expect(seed.users.some((u) => u.phone && !u.phoneVerified)).toBe(true);
    expect(seed.users.some((u) => u.email && !u.emailVerified)).toBe(true);
    expect(new Set(seed.users.map((u) => JSON.stringify(u.quietHours))).size).toBeGreaterThan(1);
  });

  it('has messages of every type but system, in direct and group conversations with roles', () => {
    const types = new Set(seed.conversations.flatMap((c) => c.messages.map((m) => m.type)));
    for (const type of MESSAGE_TYPES.filter((t) => t !== 'system')) expect(types).toContain(type);
    expect(seed.conversations.some((c) => c.type === 'direct')).toBe(true);
    expect(seed.conversations.some((c) => c.type === 'group' && Object.values(c.roles).includes('admin'))).toBe(true);
  });
});

describe('seedDocuments', () => {
  it('writes a users/{uid} profile the app accepts for every user, with a phone only once verified', () => {
    for (const user of seed.users) {
      const profile = userProfileSchema.parse(byPath.get(`users/${user.uid}`));
      expect(profile.displayName).toBe(user.displayName);
      expect(profile.timeZone).toBe(user.timeZone);
      expect(profile.phone).toBe(user.phoneVerified ? user.phone : undefined);
    }
  });

  it('writes preferences the pipeline reads back: quiet and working hours, and choices made in users.json', () => {
    const { updatedAt: _updatedAt, ...stored } = byPath.get('users/u_maya/settings/notifications')!;
    const maya = effectivePreferences(preferencesPatchSchema.parse(stored));
    expect(maya.quietHours).toMatchObject({ enabled: true, start: '22:00', end: '07:00' });
    expect(maya.workingHours).toEqual({ enabled: true, days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' });
    expect(maya.types['commerce.commission_request'].channels.sms).toBe(true);
    // A collector without working hours keeps the default (off).
    const { updatedAt: _u, ...jonas } = byPath.get('users/u_jonas/settings/notifications')!;
    expect(effectivePreferences(preferencesPatchSchema.parse(jonas)).workingHours.enabled).toBe(false);
  });

  it('writes follower and watcher documents the audience pages read (ordered by uid)', () => {
    expect(byPath.get('users/u_maya/followers/u_jonas')).toMatchObject({ uid: 'u_jonas' });
    expect(byPath.get('auctions/auc_walnut_bowl/watchers/u_liam')).toMatchObject({ uid: 'u_liam' });
  });

  it('writes conversations, one member document per member, and messages the messaging schema accepts', () => {
    for (const c of seed.conversations) {
      expect(byPath.get(`conversations/${c.conversationId}`)).toMatchObject({ type: c.type, memberIds: c.memberIds });
      for (const uid of c.memberIds) {
        expect(byPath.get(`conversations/${c.conversationId}/members/${uid}`)).toMatchObject({
          uid,
          role: c.roles[uid],
        });
      }
      const messages = writes.filter((w) => w.path.startsWith(`conversations/${c.conversationId}/messages/`));
      expect(messages).toHaveLength(c.messages.length);
      for (const m of messages) {
        const parsed = messageSchema.parse(m.data);
        // Message ids follow the messaging feature's derivation, and replies point at a stored message.
        expect(m.path.endsWith(`/${parsed.senderId}_${parsed.clientMessageId}`)).toBe(true);
        if (parsed.replyTo)
          expect(byPath.has(`conversations/${c.conversationId}/messages/${parsed.replyTo}`)).toBe(true);
      }
    }
  });

  it('counts unread messages per member from what others sent after their own last message', () => {
    // Indigo Collective: Arjun last posted m3 (workshop); Olu's file and Sofia's reply came after.
    expect(byPath.get('conversations/grp_indigo_collective/members/u_arjun')).toMatchObject({ unreadCount: 2 });
    expect(byPath.get('conversations/grp_indigo_collective/members/u_sofia')).toMatchObject({ unreadCount: 0 });
  });

  it('gives Auth users exactly their role claims', () => {
    const claims = Object.fromEntries(seedAuthUsers(seed).map((u) => [u.uid, u.customClaims]));
    expect(claims.u_admin).toEqual({ admin: true });
    expect(claims.u_compliance).toEqual({ compliance: true });
    expect(claims.svc_commerce).toEqual({ service: true });
    expect(claims.u_maya).toEqual({});
  });

  it('contains no undefined values (Firestore rejects them)', () => {
    const hasUndefined = (v: unknown): boolean =>
      v === undefined ||
      (typeof v === 'object' && v !== null && !(v instanceof Date) && Object.values(v).some(hasUndefined));
    expect(writes.filter((w) => hasUndefined(w.data)).map((w) => w.path)).toEqual([]);
  });
});

describe('parseSeed', () => {
  it('names the file and field of a malformed value', () => {
    const bad = raw();
    (bad.users![2] as Record<string, unknown>).phone = '0151 2345';
    expect(() => parseSeed(bad)).toThrow(/users\.json\[2\]\.phone: must be E\.164/);
  });

  it('rejects references to users that do not exist', () => {
    const bad = raw();
    (bad.follows![0] as { followerIds: string[] }).followerIds.push('u_ghost');
    expect(() => parseSeed(bad)).toThrow(SeedError);
    expect(() => parseSeed(bad)).toThrow(/follows\.json\[0\]\.followerIds\[\d+\]: unknown user u_ghost/);
  });

  it('rejects a message from someone outside the conversation', () => {
    const bad = raw();
    const conversation = bad.conversations![0] as { messages: Array<{ senderId: string }> };
    conversation.messages[0]!.senderId = 'u_kenji';
    expect(() => parseSeed(bad)).toThrow(/conversations\.json\[0\]\.messages\[0\]\.senderId: u_kenji is not a member/);
  });
});

describe('applySeed', () => {
  it('loads every document into a store, and loading twice changes nothing', async () => {
    const store = new MemoryDocumentStore();
    await applySeed(store, writes);
    const users = await store.query('users');
    expect(users.map((u) => u.id).sort()).toEqual(seed.users.map((u) => u.uid).sort());
    const snapshot = JSON.stringify(await store.getAll(writes.map((w) => w.path)));
    await applySeed(store, writes);
    expect(JSON.stringify(await store.getAll(writes.map((w) => w.path)))).toBe(snapshot);
    expect((await store.get('conversations/dm_u_jonas_u_maya')).data?.memberIds).toEqual(['u_jonas', 'u_maya']);
  });

  it('splits large seeds into batches of at most 500 writes', async () => {
    const many: Seed = {
      ...seed,
      follows: [{ creatorId: 'u_maya', followerIds: seed.users.map((u) => u.uid).filter((id) => id !== 'u_maya') }],
    };
    const big = [
      ...seedDocuments(many, { now }),
      ...Array.from({ length: 600 }, (_, i) => ({ path: `scratch/d${i}`, data: { i } })),
    ];
    const result = await applySeed(new MemoryDocumentStore(), big);
    expect(result).toEqual({ documents: big.length, batches: Math.ceil(big.length / 500) });
  });
});
