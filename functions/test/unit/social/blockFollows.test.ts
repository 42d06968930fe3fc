import { describe, expect, it } from 'vitest';
import { Follows } from '../../../src/app/social/follows.js';
import { severFollows } from '../../../src/app/social/blockFollows.js';
import { socialPaths } from '../../../src/domain/social/follows.js';
import { as, bareWorld } from '../../support/world.js';

/** Two creators who follow each other, and a collector who follows one of them. */
async function setup() {
  const world = bareWorld({ now: '2026-06-10T14:00:00Z' });
  await world.addUsers([
    { uid: 'maya', kind: 'creator' },
    { uid: 'hana', kind: 'creator' },
    { uid: 'cleo', kind: 'collector' },
  ]);
  const follows = new Follows(world.store, world.clock);
  await follows.follow(as('maya'), { creatorId: 'hana' });
  await follows.follow(as('hana'), { creatorId: 'maya' });
  await follows.follow(as('cleo'), { creatorId: 'maya' });
  const counts = async (uid: string) => {
    const data = (await world.store.get(socialPaths.counts(uid))).data;
    return { followers: data?.followers, following: data?.following };
  };
  const follow = async (uid: string, creatorId: string) => [
    (await world.store.get(socialPaths.followingEdge(uid, creatorId))).exists,
    (await world.store.get(socialPaths.follower(creatorId, uid))).exists,
  ];
  return { world, follows, counts, follow };
}

describe('a block ends following both ways (issue 18)', () => {
  it('blockUser removes both follows and both edges of each, counts stay exact; blocking again changes nothing', async () => {
    const { world, counts, follow } = await setup();
    expect(await counts('maya')).toEqual({ followers: 2, following: 1 });
    expect(await counts('hana')).toEqual({ followers: 1, following: 1 });
    const block = () => world.services.messaging.conversations.block(as('maya'), { uid: 'hana' });
    expect(await block()).toEqual({ blocked: true });
    expect(await follow('maya', 'hana')).toEqual([false, false]);
    expect(await follow('hana', 'maya')).toEqual([false, false]);
    // cleo's follow of maya is untouched.
    expect(await follow('cleo', 'maya')).toEqual([true, true]);
    expect(await counts('maya')).toEqual({ followers: 1, following: 0 });
    expect(await counts('hana')).toEqual({ followers: 0, following: 0 });
    // Idempotent: the block exists, the follows are gone, the counts do not move again.
    expect(await block()).toEqual({ blocked: true });
    expect(await counts('maya')).toEqual({ followers: 1, following: 0 });
    expect(await counts('hana')).toEqual({ followers: 0, following: 0 });
    expect(await severFollows(world.store, world.clock, 'hana', 'maya')).toEqual({ removed: 0 });
  });

  it('one direction only, and the blocked user cannot follow again', async () => {
    const { world, follows, counts, follow } = await setup();
    await world.services.messaging.conversations.block(as('cleo'), { uid: 'maya' });
    expect(await follow('cleo', 'maya')).toEqual([false, false]);
    expect(await counts('maya')).toEqual({ followers: 1, following: 1 });
    expect(await counts('cleo')).toEqual({ followers: 0, following: 0 });
    await expect(follows.follow(as('cleo'), { creatorId: 'maya' })).rejects.toThrow(/cannot follow this user/);
  });

  it('a follower entry without its following edge (seed data) is removed, uncounted; counts never go below zero', async () => {
    const { world, counts } = await setup();
    await world.addUser({ uid: 'old', kind: 'collector' });
    // Written before the counters existed: the follower entry and edge, no counts.
    await world.store.set(socialPaths.follower('maya', 'old'), { uid: 'old', creatorId: 'maya' });
    await world.store.set(socialPaths.follower('old', 'maya'), { uid: 'maya', creatorId: 'old' });
    await world.store.set(socialPaths.followingEdge('old', 'maya'), { uid: 'maya', followerId: 'old' });
    expect(await severFollows(world.store, world.clock, 'maya', 'old')).toEqual({ removed: 1 });
    expect((await world.store.get(socialPaths.follower('maya', 'old'))).exists).toBe(false);
    expect((await world.store.get(socialPaths.follower('old', 'maya'))).exists).toBe(false);
    expect(await counts('old')).toEqual({ followers: 0, following: 0 });
    expect(await counts('maya')).toEqual({ followers: 1, following: 1 });
  });
});
