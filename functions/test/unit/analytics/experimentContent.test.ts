import { describe, expect, it } from 'vitest';
import { DeliveryCounter } from '../../../src/app/analytics/counters.js';
import { Experiments } from '../../../src/app/analytics/experiments.js';
import { analyticsPaths } from '../../../src/domain/analytics/paths.js';
import type { Variant } from '../../../src/domain/analytics/experiments.js';
import { assignVariant } from '../../../src/domain/analytics/experiments.js';
import { paths } from '../../../src/domain/paths.js';
import type { Caller } from '../../../src/domain/caller.js';
import { bid, envelope, notificationFixture } from '../notifications/fixture.js';

/**
 * Experiment content applied where notifications are rendered for a recipient (issue 19): the user's variant's title,
 * body and channel mix in the per-recipient path (named recipients) and the fan-out chunk path (audiences), the
 * template's own for the control; a rolled-out winner for everyone; the exposure counted once per delivery.
 */
const ADMIN: Caller = { uid: 'admin', roles: new Set(['admin']) };
const VARIANTS: Variant[] = [
  { id: 'control', weight: 50 },
  {
    id: 'urgent',
    weight: 50,
    title: 'Act now: {auctionTitle}',
    body: 'Someone bid {amount}. Bid again before it ends.',
    channels: ['push'],
  },
];

/** One uid in each variant of `experimentId` (assignment is a hash: found by trying names). */
function usersByVariant(experimentId: string, variants: Variant[], prefix: string) {
  const found = new Map<string, string>();
  for (let i = 0; found.size < variants.length && i < 200; i++) {
    const uid = `${prefix}${i}`;
    const v = assignVariant(experimentId, uid, variants);
    if (!found.has(v)) found.set(v, uid);
  }
  return found;
}

describe('experiment content in rendering', () => {
  it("named recipients: the variant's title, body and channels; the control the template's; one exposure per delivery", async () => {
    const f = notificationFixture();
    const experiments = new Experiments(f.store, f.clock, f.audit);
    await experiments.define(ADMIN, {
      experimentId: 'exp1',
      type: 'auction.outbid',
      variants: VARIANTS,
      metric: 'clicked',
    });
    const users = usersByVariant('exp1', VARIANTS, 'bidder_');
    const [control, urgent] = [users.get('control')!, users.get('urgent')!];
    await f.user('seller');
    await f.user(control, { email: `${control}@example.com`, emailVerified: true });
    await f.user(urgent, { email: `${urgent}@example.com`, emailVerified: true });
    await f.n.pipeline.submit(bid({ previousBidderId: control, bidderId: 'bidder9' }), 'callable', 'a1');
    await f.n.pipeline.submit(bid({ previousBidderId: urgent, bidderId: 'bidder8', amount: 130 }), 'callable', 'a2');

    const [mine] = await f.notifications(urgent);
    expect(mine).toMatchObject({
      type: 'auction.outbid',
      title: 'Act now: Walnut bowl',
      body: 'Someone bid USD 130.00. Bid again before it ends.',
    });
    const [theirs] = await f.notifications(control);
    expect(theirs!.title).not.toContain('Act now');
    // Push only for the variant: SMS and email are suppressed by its channel mix; the control keeps them.
    const pushes = f.jobs('push');
    expect(pushes.find((j) => j.uid === urgent)!.content.push).toMatchObject({ title: 'Act now: Walnut bowl' });
    expect(pushes.find((j) => j.uid === control)!.content.push!.title).not.toContain('Act now');
    const byUser = (uid: string) =>
      f.deliveries().then((all) => Object.fromEntries(all.filter((d) => d.uid === uid).map((d) => [d.channel, d])));
    const mineDeliveries = await byUser(urgent);
    expect(mineDeliveries.sms).toMatchObject({ status: 'suppressed', reason: 'experiment' });
    expect(mineDeliveries.email).toMatchObject({ status: 'suppressed', reason: 'experiment' });
    expect((await byUser(control)).sms?.status).not.toBe('suppressed');

    // The push is sent; its record's trigger runs twice: one exposure for the variant it was rendered with.
    const counter = new DeliveryCounter(f.store, f.clock, f.logger);
    const push = (await f.store.query(paths.deliveries())).find(
      (d) => d.data!.uid === urgent && d.data!.channel === 'push',
    )!;
    await f.store.update(push.path, { status: 'sent', 'timestamps.sentAt': f.clock.now() });
    const record = (await f.store.get(push.path)).data;
    await counter.onDeliveryWritten(push.id, record);
    await counter.onDeliveryWritten(push.id, record);
    const counts = (await f.store.query(analyticsPaths.variantCounts())).map((d) => d.data!);
    expect(counts.filter((c) => c.variant === 'urgent').reduce((n, c) => n + Number(c.exposures ?? 0), 0)).toBe(1);
    expect(counts.filter((c) => c.variant === 'control')).toEqual([]);
  });

  it("an audience's fan-out chunk renders each variant once and applies it per follower", async () => {
    const f = notificationFixture();
    const variants: Variant[] = [
      { id: 'control', weight: 50 },
      { id: 'short', weight: 50, title: 'Just listed by {creatorName}', body: '{listingTitle}' },
    ];
    const experiments = new Experiments(f.store, f.clock, f.audit);
    await experiments.define(ADMIN, { experimentId: 'exp2', type: 'social.new_listing', variants, metric: 'opened' });
    const users = usersByVariant('exp2', variants, 'fan_');
    await f.user('maya', { kind: 'creator', displayName: 'Maya' });
    for (const uid of users.values()) await f.user(uid);
    await f.followers('maya', [...users.values()]);
    await f.n.pipeline.submit(
      envelope('social.new_listing', {
        listingId: 'l1',
        creatorId: 'maya',
        creatorName: 'Maya',
        title: 'Moon jar',
        price: 420,
        currency: 'USD',
        imageUrl: 'https://img.example/l1.jpg',
      }),
      'callable',
      'a1',
    );
    await f.publisher.drain();
    const [short] = await f.notifications(users.get('short')!);
    expect(short).toMatchObject({ title: 'Just listed by Maya', body: 'Moon jar' });
    const [plain] = await f.notifications(users.get('control')!);
    expect(plain!.title).not.toBe('Just listed by Maya');
  });

  it('a rolled-out winner is everyone’s content after the experiment stops', async () => {
    const f = notificationFixture();
    const experiments = new Experiments(f.store, f.clock, f.audit);
    await experiments.define(ADMIN, {
      experimentId: 'exp3',
      type: 'auction.outbid',
      variants: VARIANTS,
      metric: 'clicked',
    });
    await experiments.stop(ADMIN, { experimentId: 'exp3', rollOut: 'urgent' });
    const users = usersByVariant('exp3', VARIANTS, 'x_');
    const control = users.get('control')!;
    await f.user('seller');
    await f.user(control);
    await f.n.pipeline.submit(bid({ previousBidderId: control }), 'callable', 'a1');
    expect((await f.notifications(control))[0]).toMatchObject({ title: 'Act now: Walnut bowl' });
    expect(await experiments.contentFor(control, 'auction.outbid')).toMatchObject({ channels: ['push'] });
  });
});
