import { describe, expect, it } from 'vitest';
import { Follows } from '../../../src/app/social/follows.js';
import { audiencePaths } from '../../../src/app/notifications/audience.js';
import { AppError } from '../../../src/domain/errors.js';
import { paths } from '../../../src/domain/paths.js';
import { followInput, socialPaths } from '../../../src/domain/social/follows.js';
import { as } from '../../support/world.js';
import { envelope, notificationFixture } from '../notifications/fixture.js';

async function setup(maxFollowing = 2000) {
  const f = notificationFixture();
  for (const uid of ['maya', 'hana'])
    await f.user(uid, { kind: 'creator', displayName: uid === 'maya' ? 'Maya' : 'Hana' });
  for (const uid of ['cleo', 'dan', 'eve']) await f.user(uid, { displayName: uid.toUpperCase() });
  const follows = new Follows(f.store, f.clock, { maxFollowing });
  const counts = async (uid: string) => (await f.store.get(socialPaths.counts(uid))).data;
  const edges = async (uid: string, creatorId: string) => [
    (await f.store.get(socialPaths.follower(creatorId, uid))).exists,
    (await f.store.get(socialPaths.followingEdge(uid, creatorId))).exists,
  ];
  const newFollowerEvents = async () =>
    (await f.store.query(paths.events())).filter((s) => s.data?.type === 'social.new_follower');
  return { f, follows, counts, edges, newFollowerEvents };
}

const refusal = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
};

describe('follow / unfollow', () => {
  it('follows: both edges in the audience shape, exact counts, one new_follower event the intake turns into a notification', async () => {
    const { f, follows, counts, edges, newFollowerEvents } = await setup();
    const result = await follows.follow(as('cleo'), { creatorId: 'maya' });
    expect(result).toEqual({
      creatorId: 'maya',
      following: true,
      changed: true,
      counts: { followers: 1, following: 0 },
    });
    expect(await edges('cleo', 'maya')).toEqual([true, true]);
    // The path the fan-out reads, with the `uid` it orders by.
    expect(socialPaths.follower('maya', 'cleo')).toBe(audiencePaths.follower('maya', 'cleo'));
    expect((await f.store.get(audiencePaths.follower('maya', 'cleo'))).data).toMatchObject({ uid: 'cleo' });
    expect(await counts('maya')).toMatchObject({ followers: 1, following: 0 });
    expect(await counts('cleo')).toMatchObject({ followers: 0, following: 1 });

    const [event] = await newFollowerEvents();
    expect(event?.data?.payload).toEqual({ creatorId: 'maya', followerId: 'cleo', followerName: 'CLEO' });
    // The events/ trigger's use case (onNotificationEventCreated) processes it like any backend's event.
    await f.n.pipeline.onDocument(event!.id, event!.data, 'attempt-1');
    expect((await f.notifications('maya')).map((n) => n.type)).toEqual(['social.new_follower']);
  });

  it('is idempotent: following twice is once (no second event), unfollowing someone not followed is fine', async () => {
    const { follows, counts, newFollowerEvents } = await setup();
    await follows.follow(as('cleo'), { creatorId: 'maya' });
    const again = await follows.follow(as('cleo'), { creatorId: 'maya' });
    expect(again).toMatchObject({ following: true, changed: false, counts: { followers: 1 } });
    expect(await counts('cleo')).toMatchObject({ following: 1 });
    expect(await newFollowerEvents()).toHaveLength(1);

    expect(await follows.unfollow(as('dan'), { creatorId: 'maya' })).toMatchObject({
      following: false,
      changed: false,
    });
    expect(await counts('maya')).toMatchObject({ followers: 1 });
  });

  it('unfollow removes both edges and counts down; following again the same day does not notify twice', async () => {
    const { follows, counts, edges, newFollowerEvents } = await setup();
    await follows.follow(as('cleo'), { creatorId: 'maya' });
    await follows.follow(as('dan'), { creatorId: 'maya' });
    const result = await follows.unfollow(as('cleo'), { creatorId: 'maya' });
    expect(result).toEqual({
      creatorId: 'maya',
      following: false,
      changed: true,
      counts: { followers: 1, following: 0 },
    });
    expect(await edges('cleo', 'maya')).toEqual([false, false]);
    expect(await counts('cleo')).toMatchObject({ following: 0 });
    await follows.follow(as('cleo'), { creatorId: 'maya' });
    expect(await counts('maya')).toMatchObject({ followers: 2 });
    expect(await newFollowerEvents()).toHaveLength(2); // cleo once, dan once
  });

  it('counts stay exact under concurrent follows and unfollows', async () => {
    const { f, follows, counts } = await setup();
    const fans = Array.from({ length: 12 }, (_, i) => `fan${i}`);
    for (const uid of fans) await f.user(uid);
    await Promise.all(fans.map((uid) => follows.follow(as(uid), { creatorId: 'maya' })));
    await Promise.all([
      ...fans.slice(0, 5).map((uid) => follows.unfollow(as(uid), { creatorId: 'maya' })),
      ...fans.map((uid) => follows.follow(as(uid), { creatorId: 'maya' })),
    ]);
    const followers = await f.store.query(socialPaths.followers('maya'));
    expect((await counts('maya'))?.followers).toBe(followers.length);
  });

  it('refuses self-follow, collectors, unknown or disabled users, banned callers, and blocks either way', async () => {
    const { f, follows, counts } = await setup();
    expect((await refusal(follows.follow(as('maya'), { creatorId: 'maya' }))).code).toBe('invalid-argument');
    expect((await refusal(follows.follow(as('cleo'), { creatorId: 'dan' }))).code).toBe('failed-precondition');
    expect((await refusal(follows.follow(as('cleo'), { creatorId: 'nobody' }))).code).toBe('not-found');
    await f.store.set(paths.accountState('hana'), { state: 'disabled', at: new Date(), by: 'admin' });
    expect((await refusal(follows.follow(as('cleo'), { creatorId: 'hana' }))).code).toBe('not-found');

    // Blocks as messaging stores them (users/{uid}/blocks/{other}), in both directions.
    await f.store.set(paths.block('maya', 'dan'), { at: new Date() });
    const blocked = await refusal(follows.follow(as('dan'), { creatorId: 'maya' }));
    expect(blocked.code).toBe('permission-denied');
    expect(blocked.message).not.toMatch(/maya|blocked you/);
    await f.store.set(paths.block('eve', 'maya'), { at: new Date() });
    expect((await refusal(follows.follow(as('eve'), { creatorId: 'maya' }))).code).toBe('permission-denied');

    await f.store.update(paths.user('cleo'), { moderation: { banned: true } });
    expect((await refusal(follows.follow(as('cleo'), { creatorId: 'maya' }))).code).toBe('permission-denied');
    // Nothing written by any refusal.
    expect(await counts('maya')).toBeUndefined();
    expect(await f.store.query(socialPaths.followers('maya'))).toHaveLength(0);
  });

  it('a banned or blocked user may still unfollow', async () => {
    const { f, follows, counts } = await setup();
    await follows.follow(as('cleo'), { creatorId: 'maya' });
    await f.store.set(paths.block('maya', 'cleo'), { at: new Date() });
    await f.store.update(paths.user('cleo'), { moderation: { banned: true } });
    expect(await follows.unfollow(as('cleo'), { creatorId: 'maya' })).toMatchObject({ changed: true });
    expect(await counts('maya')).toMatchObject({ followers: 0 });
  });

  it('caps follows per user (the limit counts, not the calls)', async () => {
    const { f, follows } = await setup(2);
    await f.user('ivy', { kind: 'creator' });
    await follows.follow(as('cleo'), { creatorId: 'maya' });
    await follows.follow(as('cleo'), { creatorId: 'hana' });
    const capped = await refusal(follows.follow(as('cleo'), { creatorId: 'ivy' }));
    expect(capped.code).toBe('failed-precondition');
    expect(capped.message).toMatch(/2/);
    // Following again someone already followed is not refused at the cap; after an unfollow there is room.
    expect(await follows.follow(as('cleo'), { creatorId: 'maya' })).toMatchObject({ changed: false });
    await follows.unfollow(as('cleo'), { creatorId: 'hana' });
    expect(await follows.follow(as('cleo'), { creatorId: 'ivy' })).toMatchObject({ changed: true });
  });

  it('unfollowing edges written before the counters existed never counts below zero', async () => {
    const { f, follows, counts } = await setup();
    await f.store.set(socialPaths.follower('maya', 'cleo'), { uid: 'cleo', creatorId: 'maya', createdAt: new Date() });
    await f.store.set(socialPaths.followingEdge('cleo', 'maya'), {
      uid: 'maya',
      followerId: 'cleo',
      createdAt: new Date(),
    });
    await follows.unfollow(as('cleo'), { creatorId: 'maya' });
    expect(await counts('maya')).toMatchObject({ followers: 0 });
    expect(await counts('cleo')).toMatchObject({ following: 0 });
  });

  it('input: a user id only, strict', () => {
    expect(followInput.safeParse({ creatorId: 'maya' }).success).toBe(true);
    for (const bad of [{}, { creatorId: '../x' }, { creatorId: 'a/b' }, { creatorId: 'maya', extra: 1 }])
      expect(followInput.safeParse(bad).success).toBe(false);
  });
});

describe('social.new_listing', () => {
  const listing = (over: Record<string, unknown> = {}) => ({
    listingId: 'l1',
    creatorId: 'maya',
    creatorName: 'Maya',
    title: 'Ash-glazed moon jar',
    price: 420,
    currency: 'USD',
    imageUrl: 'https://cdn.craft.example/l1.jpg',
    ...over,
  });

  it('fans out to every follower of the creator under their preferences, never the creator; a bad payload is rejected naming the field', async () => {
    const { f, follows } = await setup();
    for (const uid of ['cleo', 'dan', 'eve']) await follows.follow(as(uid), { creatorId: 'maya' });
    // eve switched new listings off.
    await f.n.preferences.update('eve', { types: { 'social.new_listing': { frequency: 'off' } } });
    // The envelope names another creator's audience: the listing still goes to maya's followers only.
    await f.followers('hana', ['dan', 'zed']);
    const result = await f.n.pipeline.submit(
      envelope('social.new_listing', listing(), { audience: { kind: 'followers', creatorId: 'hana' } }),
      'callable',
      'a1',
    );
    expect(result.status).toBe('processed');
    await f.publisher.drain();
    expect((await f.notifications('cleo')).map((n) => n.type)).toEqual(['social.new_listing']);
    expect((await f.notifications('dan'))[0]).toMatchObject({ type: 'social.new_listing', title: 'New from Maya' });
    expect(await f.notifications('eve')).toHaveLength(0);
    expect(await f.notifications('maya')).toHaveLength(0);
    expect(await f.notifications('zed')).toHaveLength(0);
    expect(
      f
        .jobs('push')
        .map((j) => j.uid)
        .sort(),
    ).toEqual(['cleo', 'dan']);
    expect(f.jobs('email')).toHaveLength(0);

    for (const [field, value] of [
      ['imageUrl', 'http://cdn.craft.example/x.jpg'],
      ['url', 'javascript:alert(1)'],
      ['price', -1],
      ['currency', 'usd'],
      ['listingId', 'a/b'],
    ] as const) {
      const rejected = await f.n.pipeline.submit(
        envelope('social.new_listing', listing({ [field]: value })),
        'callable',
        'x',
      );
      expect(rejected, field).toMatchObject({ status: 'rejected', error: expect.stringContaining(`payload.${field}`) });
    }
  });
});
