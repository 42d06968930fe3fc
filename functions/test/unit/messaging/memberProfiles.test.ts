import { describe, expect, it } from 'vitest';
import { MemberProfiles } from '../../../src/app/messaging/memberProfiles.js';
import type { DocumentStore } from '../../../src/ports.js';
import { paths } from '../../../src/domain/paths.js';
import { publicProfileOf } from '../../../src/domain/messaging/conversation.js';
import { readSeed } from '../../../src/local/seedData.js';
import { seedDocuments } from '../../../src/local/seedDocuments.js';
import { testWorld } from '../../support/world.js';
import { as, messagingWorld } from './setup.js';

type World = Awaited<ReturnType<typeof messagingWorld>>;

const PHOTO = 'https://cdn.example.com/u/member.jpg';

/** Users with private fields next to the public ones: only the public ones may reach member documents. */
async function world(): Promise<World> {
  const w = await messagingWorld();
  await w.store.update(paths.user('member'), {
    displayName: 'Mira Weaver',
    photoUrl: PHOTO,
    email: 'mira@example.com',
    phone: '+4915112345678',
  });
  await w.store.update(paths.user('other'), { displayName: 'Otto Potter', email: 'otto@example.com' });
  return w;
}

const memberData = async (w: World, cid: string, uid: string) => (await w.store.get(paths.member(cid, uid))).data;

describe('member documents carry the public profile', () => {
  it('createDirectConversation: both sides, read in the transaction; nothing private copied', async () => {
    const w = await world();
    const { conversationId } = await w.messaging.conversations.createDirect(as('member'), { otherUid: 'other' });
    expect(await memberData(w, conversationId, 'member')).toMatchObject({
      uid: 'member',
      displayName: 'Mira Weaver',
      photoUrl: PHOTO,
    });
    expect(await memberData(w, conversationId, 'other')).toMatchObject({
      uid: 'other',
      displayName: 'Otto Potter',
      photoUrl: null,
    });
    const all = JSON.stringify(w.store.dump());
    for (const secret of ['mira@example.com', 'otto@example.com', '+4915112345678']) {
      expect(all.split(secret).length - 1, secret).toBe(1); // only in users/{uid}
    }
  });

  it('createGroup and addMembers: the owner, the members and later additions', async () => {
    const w = await world();
    const { conversationId } = await w.messaging.conversations.createGroup(as('owner'), {
      title: 'Indigo Collective',
      memberIds: ['member'],
    });
    await w.messaging.conversations.addMembers(as('owner'), { conversationId, memberIds: ['other'] });
    expect(await memberData(w, conversationId, 'owner')).toMatchObject({
      role: 'owner',
      displayName: 'User owner',
      photoUrl: null,
    });
    expect(await memberData(w, conversationId, 'member')).toMatchObject({
      role: 'member',
      displayName: 'Mira Weaver',
      photoUrl: PHOTO,
    });
    expect(await memberData(w, conversationId, 'other')).toMatchObject({ role: 'member', displayName: 'Otto Potter' });
    for (const uid of ['owner', 'member', 'other'])
      expect(Object.keys((await memberData(w, conversationId, uid)) ?? {})).not.toContain('email');
  });

  it('the seed loader writes member documents with the seed users’ names', async () => {
    const seed = await readSeed();
    const members = seedDocuments(seed, { now: new Date('2026-11-21T12:00:00Z') }).filter((w) =>
      /^conversations\/[^/]+\/members\/[^/]+$/.test(w.path),
    );
    expect(members.length).toBeGreaterThan(0);
    for (const { path, data } of members) {
      const user = seed.users.find((u) => u.uid === data.uid);
      expect(data, path).toMatchObject({ displayName: user?.displayName, photoUrl: null });
      expect(Object.keys(data), path).not.toContain('email');
    }
  });

  it('publicProfileOf copies only a valid name and a web photo URL', () => {
    expect(
      publicProfileOf({ displayName: 'Ada', photoUrl: 'https://x.example/a.png', email: 'a@example.com' }),
    ).toEqual({ displayName: 'Ada', photoUrl: 'https://x.example/a.png' });
    expect(publicProfileOf({ displayName: '', photoUrl: 'javascript:alert(1)' })).toEqual({
      displayName: null,
      photoUrl: null,
    });
    expect(publicProfileOf({ displayName: 'x'.repeat(101), photoUrl: 'data:image/png;base64,AAAA' })).toEqual({
      displayName: null,
      photoUrl: null,
    });
    expect(publicProfileOf(undefined)).toEqual({ displayName: null, photoUrl: null });
  });
});

describe('renames reach member documents (onUserProfileUpdated)', () => {
  async function twoConversations(w: World) {
    const direct = await w.messaging.conversations.createDirect(as('member'), { otherUid: 'other' });
    const group = await w.messaging.conversations.createGroup(as('owner'), {
      title: 'Glass guild',
      memberIds: ['member', 'other'],
    });
    return [direct.conversationId, group.conversationId];
  }

  it('every membership of the user follows; other members untouched; a second run writes nothing', async () => {
    const w = await world();
    const cids = await twoConversations(w);
    const before = (await w.store.get(paths.user('member'))).data;
    await w.store.update(paths.user('member'), {
      displayName: 'Mira Indigo',
      photoUrl: 'https://cdn.example.com/u/new.jpg',
    });
    const after = (await w.store.get(paths.user('member'))).data;
    expect(await w.messaging.memberProfiles.onProfileUpdated('member', before, after)).toEqual({ updated: 2 });
    for (const cid of cids) {
      expect(await memberData(w, cid, 'member')).toMatchObject({
        displayName: 'Mira Indigo',
        photoUrl: 'https://cdn.example.com/u/new.jpg',
        role: expect.any(String),
      });
      expect(await memberData(w, cid, 'other')).toMatchObject({ displayName: 'Otto Potter' });
    }
    const once = w.store.dump();
    expect(await w.messaging.memberProfiles.onProfileUpdated('member', before, after)).toEqual({ updated: 0 });
    expect(w.store.dump()).toEqual(once);
  });

  it('changes of private fields do not touch member documents', async () => {
    const w = await world();
    const [cid] = await twoConversations(w);
    // Stale on purpose: if the trigger synced on a phone change, this would be overwritten.
    await w.store.update(paths.member(cid!, 'member'), { displayName: 'stale' });
    const before = (await w.store.get(paths.user('member'))).data;
    expect(
      await w.messaging.memberProfiles.onProfileUpdated('member', before, {
        ...before,
        phone: '+4915199999999',
        moderation: { warnings: 1 },
      }),
    ).toEqual({ updated: 0 });
    expect(await memberData(w, cid!, 'member')).toMatchObject({ displayName: 'stale' });
  });

  it('runs out of order end on the current name (the profile is re-read)', async () => {
    const w = await world();
    const cids = await twoConversations(w);
    const v1 = (await w.store.get(paths.user('member'))).data;
    await w.store.update(paths.user('member'), { displayName: 'Second' });
    const v2 = (await w.store.get(paths.user('member'))).data;
    await w.store.update(paths.user('member'), { displayName: 'Third' });
    const v3 = (await w.store.get(paths.user('member'))).data;
    await w.messaging.memberProfiles.onProfileUpdated('member', v2, v3);
    await w.messaging.memberProfiles.onProfileUpdated('member', v1, v2); // the older event, delivered late
    for (const cid of cids) expect(await memberData(w, cid, 'member')).toMatchObject({ displayName: 'Third' });
  });

  it('a membership that ended between the query and the write is skipped, the rest still written', async () => {
    const w = await world();
    const cids = await twoConversations(w);
    const store = w.store;
    let left: string | undefined;
    // queryGroup returns both memberships; the user leaves the first one before the batch commits.
    const racing = new Proxy(store, {
      get(target, key) {
        if (key === 'queryGroup') {
          return async (...args: Parameters<DocumentStore['queryGroup']>) => {
            const found = await target.queryGroup(...args);
            left = found[0]!.path;
            await target.delete(left);
            return found;
          };
        }
        const value = Reflect.get(target, key) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const profiles = new MemberProfiles({ store: racing, logger: w.infra.logger });
    await store.update(paths.user('member'), { displayName: 'Renamed' });
    expect(await profiles.sync('member')).toEqual({ updated: 1 });
    expect((await store.get(left!)).exists).toBe(false);
    const kept = cids.map((cid) => paths.member(cid, 'member')).find((p) => p !== left)!;
    expect((await store.get(kept)).data).toMatchObject({ displayName: 'Renamed' });
  });
});

describe('erasure removes the copied name with the member documents', () => {
  it('after erasing a user, no member document (or anything else) holds their name or photo', async () => {
    const NAME = 'Mira Weaverly';
    const PHOTO_URL = 'https://cdn.example.com/u/mira-weaverly.jpg';
    const { infra, services } = await testWorld({
      now: '2026-11-21T10:00:00.000Z',
      users: [{ uid: 'mira', displayName: NAME, photoUrl: PHOTO_URL, email: 'mira@example.com' }, 'otto', 'ada'],
    });
    const c = services.messaging.conversations;
    const { conversationId: dm } = await c.createDirect(as('mira'), { otherUid: 'otto' });
    const { conversationId: group } = await c.createGroup(as('ada'), { title: 'Dyers', memberIds: ['mira', 'otto'] });
    expect(JSON.stringify(infra.store.dump())).toContain(PHOTO_URL);
    expect((await infra.store.get(paths.member(group, 'mira'))).data).toMatchObject({ displayName: NAME });

    await services.compliance.erasure.eraseUser('mira', { uid: 'mira', reason: 'self' });

    const dump = JSON.stringify(infra.store.dump());
    for (const secret of [NAME, 'Weaverly', PHOTO_URL, 'mira@example.com']) expect(dump).not.toContain(secret);
    expect((await infra.store.get(paths.member(dm, 'mira'))).exists).toBe(false);
    expect((await infra.store.get(paths.member(group, 'mira'))).exists).toBe(false);
    // The other members keep their own copies.
    expect((await infra.store.get(paths.member(group, 'otto'))).data).toMatchObject({ displayName: 'User otto' });
    // A rename event arriving after the erasure writes nothing back.
    expect(await services.messaging.memberProfiles.sync('mira')).toEqual({ updated: 0 });
    expect(JSON.stringify(infra.store.dump())).not.toContain(NAME);
  });
});
