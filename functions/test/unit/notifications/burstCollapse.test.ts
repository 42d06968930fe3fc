import { describe, expect, it } from 'vitest';
import { audiencePaths } from '../../../src/app/notifications/audience.js';
import { digestPaths } from '../../../src/app/notifications/digests.js';
import { eventIdFor } from '../../../src/app/notifications/eventPipeline.js';
import { BURST_WINDOW_MS } from '../../../src/app/notifications/recipientDelivery.js';
import { TOPICS } from '../../../src/domain/channels.js';
import { buildPushMessage } from '../../../src/domain/delivery/pushMessage.js';
import type { DeliveryJob } from '../../../src/domain/delivery.js';
import { bid, envelope, notificationFixture } from './fixture.js';
import type { NotificationFixture } from './fixture.js';

/**
 * Issue 18, "Outbid alerts within 5 seconds": time-critical alerts (bids to the seller, outbid, auction ending, payment
 * failed, and every critical type) leave at once also inside a burst; the burst collapses on the device (one collapse
 * key per group, the later push replacing the earlier one with the grouped text) instead of waiting for the digest.
 * Both delivery paths: one recipient (`deliverToRecipient`, named recipients) and a fan-out chunk (`deliverChunk`,
 * audiences).
 */

const NOW = '2026-06-10T14:00:00Z';

/** The FCM message each push job becomes (what the device receives). */
const fcm = (job: DeliveryJob) => buildPushMessage(job, 'token', { badge: 1, webAppUrl: 'https://craft.example' });

/** The recipient's deliveries on a channel, in the order their events happened. */
const deliveriesOf = async (f: NotificationFixture, uid: string, channel: string) =>
  (await f.deliveries())
    .filter((d) => d.uid === uid && d.channel === channel)
    .sort((a, b) => (a.createdAt as Date).getTime() - (b.createdAt as Date).getTime());

async function submit(f: NotificationFixture, event: Record<string, unknown>, message: string) {
  await f.n.pipeline.submit(event, 'pubsub', message);
  await f.publisher.drain();
}

describe('time-critical alerts in a burst: at once, collapsed on the device', () => {
  it("a seller's 2nd and 3rd bid within the burst window leave at once with the grouped text, one collapse key", async () => {
    const f = notificationFixture(NOW);
    await f.user('seller');
    for (let i = 1; i <= 3; i++) {
      await submit(
        f,
        bid({ bidderId: `b${i}`, bidderName: `Bidder ${i}`, amount: 100 + i, previousBidderId: undefined }),
        `m${i}`,
      );
      f.clock.advance(5_000);
    }
    const pushes = f.jobs('push').filter((j) => j.uid === 'seller');
    // Today bid 2 and 3 were held ('grouped') until the window closed and the digest schedule released them.
    expect((await deliveriesOf(f, 'seller', 'push')).map((d) => [d.status, d.reason ?? null])).toEqual([
      ['queued', null],
      ['queued', null],
      ['queued', null],
    ]);
    expect(pushes.map((j) => j.content.push?.title)).toEqual([
      'New bid on Walnut bowl',
      '2 new bids on Walnut bowl',
      '3 new bids on Walnut bowl',
    ]);
    expect(pushes[2]!.content.push?.body).toBe('Latest: Bidder 3 bid $103.00.');
    // One notification on the device: every platform's collapse key is the group's, the same for the three.
    const messages = pushes.map(fcm);
    const keys = messages.map((m) => [
      m.android.collapseKey,
      m.android.notification.tag,
      m.apns.headers['apns-collapse-id'],
      m.webpush.headers.Topic,
    ]);
    expect(new Set(keys.flat()).size).toBe(1);
    // Web push Topic: at most 32 characters of the URL-safe base64 alphabet (RFC 8030 §5.4).
    expect(messages[0]!.webpush.headers.Topic).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
    // The in-app center keeps collapsing as before: one notification, count 3, unread once.
    const list = await f.notifications('seller');
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ count: 3, title: '3 new bids on Walnut bowl' });
    expect(await f.n.center.unreadCount('seller')).toBe(1);
    expect(await f.store.query(digestPaths.digests())).toHaveLength(0);
  });

  it('outbid three times in 10 s: three pushes at once, one SMS, the emails after the first held for one grouped email', async () => {
    const f = notificationFixture(NOW);
    await f.user('bidder1');
    await f.user('seller');
    for (let i = 1; i <= 3; i++) {
      await submit(f, bid({ bidderId: `b${i}`, amount: 100 + i * 10, previousBidderId: 'bidder1' }), `m${i}`);
      f.clock.advance(5_000);
    }
    const pushes = f.jobs('push').filter((j) => j.uid === 'bidder1');
    expect(pushes.map((j) => j.content.push?.title)).toEqual([
      "You've been outbid",
      'Outbid 2 times on Walnut bowl',
      'Outbid 3 times on Walnut bowl',
    ]);
    expect(new Set(pushes.map((j) => fcm(j).android.collapseKey)).size).toBe(1);
    // No three texts in ten seconds: the first tells them; the rest of the burst is on the device already.
    expect(f.jobs('sms').filter((j) => j.uid === 'bidder1')).toHaveLength(1);
    expect((await deliveriesOf(f, 'bidder1', 'sms')).map((d) => [d.status, d.reason ?? null])).toEqual([
      ['queued', null],
      ['suppressed', 'grouped'],
      ['suppressed', 'grouped'],
    ]);
    // A suppressed SMS of the burst is not a fallback either: the push jobs carry none.
    expect(pushes.slice(1).map((j) => j.fallback)).toEqual([[], []]);
    // Email: the first at once, the rest of the burst as one grouped email when the window closes.
    expect(f.jobs('email').filter((j) => j.uid === 'bidder1')).toHaveLength(1);
    const held = await deliveriesOf(f, 'bidder1', 'email');
    expect(held.map((d) => [d.status, d.reason ?? null])).toEqual([
      ['queued', null],
      ['batched', 'grouped'],
      ['batched', 'grouped'],
    ]);
    f.clock.set(new Date(new Date(NOW).getTime() + BURST_WINDOW_MS));
    expect(await f.n.digests.releaseDue()).toBe(1);
    const emails = f.jobs('email').filter((j) => j.uid === 'bidder1');
    expect(emails).toHaveLength(2);
    expect(emails[1]!.content.email?.subject).toBe('Outbid 2 times on Walnut bowl');
    // The release sends no push or SMS of the burst again.
    expect(f.jobs('push').filter((j) => j.uid === 'bidder1')).toHaveLength(3);
    expect(f.jobs('sms').filter((j) => j.uid === 'bidder1')).toHaveLength(1);
  });

  it('a burst after its window: a new notification and a new text (one text per burst window)', async () => {
    const f = notificationFixture(NOW);
    await f.user('bidder1');
    await f.user('seller');
    await submit(f, bid({ bidderId: 'b1', amount: 110, previousBidderId: 'bidder1' }), 'm1');
    f.clock.advance(BURST_WINDOW_MS + 1_000);
    await submit(f, bid({ bidderId: 'b2', amount: 120, previousBidderId: 'bidder1' }), 'm2');
    expect(f.jobs('sms').filter((j) => j.uid === 'bidder1')).toHaveLength(2);
    expect(f.jobs('push').map((j) => j.content.push?.title)).toContain("You've been outbid");
    expect(await f.notifications('bidder1')).toHaveLength(2);
  });

  it('payment failed twice for one order: both pushes at once, the second replacing the first', async () => {
    const f = notificationFixture(NOW);
    await f.user('buyer');
    const failed = (reason: string) =>
      envelope('order.payment_failed', {
        orderId: 'o1',
        itemTitle: 'Vase',
        buyerId: 'buyer',
        sellerId: 'seller',
        amount: 80,
        currency: 'USD',
        reason,
      });
    await submit(f, failed('card_declined'), 'm1');
    f.clock.advance(20_000);
    await submit(f, failed('insufficient_funds'), 'm2');
    const pushes = f.jobs('push').filter((j) => j.uid === 'buyer');
    expect(pushes).toHaveLength(2);
    expect(pushes[1]!.data.reason).toBe('insufficient_funds');
    expect(fcm(pushes[0]!).android.collapseKey).toBe(fcm(pushes[1]!).android.collapseKey);
  });

  it('types that are not time-critical still wait for the window: story comments are held, one grouped push later', async () => {
    const f = notificationFixture(NOW);
    await f.user('author');
    const comment = (i: number) =>
      envelope('social.story_comment', {
        storyId: 's1',
        storyTitle: 'Glazing day',
        authorId: 'author',
        commenterId: `c${i}`,
        commenterName: `Commenter ${i}`,
        comment: 'Lovely glaze',
      });
    for (let i = 1; i <= 3; i++) {
      await submit(f, comment(i), `m${i}`);
      f.clock.advance(5_000);
    }
    expect(f.jobs('push')).toHaveLength(1);
    expect((await deliveriesOf(f, 'author', 'push')).map((d) => d.reason ?? null)).toEqual([
      null,
      'grouped',
      'grouped',
    ]);
  });
});

describe('both delivery paths route a burst the same way', () => {
  /** auction.ending_soon twice in a minute (an extended auction): to a named watcher and to the watchers' audience. */
  async function endingTwice(direct: boolean) {
    const f = notificationFixture(NOW);
    await f.user('w1', { phoneVerified: false });
    if (!direct) await f.store.set(audiencePaths.watcher('a1', 'w1'), { uid: 'w1' });
    const ending = (minutesLeft: number) =>
      envelope(
        'auction.ending_soon',
        {
          auctionId: 'a1',
          auctionTitle: 'Walnut bowl',
          endsAt: '2026-06-10T14:10:00Z',
          minutesLeft,
          ...(direct ? { watcherIds: ['w1'] } : {}),
        },
        direct ? {} : { audience: { kind: 'auctionWatchers', auctionId: 'a1' } },
      );
    const first = ending(10);
    await f.publisher.publish(TOPICS.domainEvents, first);
    await f.publisher.drain();
    f.clock.advance(30_000);
    const second = ending(5);
    await f.publisher.publish(TOPICS.domainEvents, second);
    await f.publisher.drain();
    if (!direct) {
      // Sanity: the audience path really ran as a fan-out chunk.
      expect(f.publisher.on(TOPICS.fanout).some((m) => (m.data as { kind: string }).kind === 'chunk')).toBe(true);
    }
    const receipts = await Promise.all(
      [first, second].map(
        async (e) => (await f.store.get(`events/${eventIdFor(e.idempotencyKey)}/recipients/w1`)).data,
      ),
    );
    return {
      receipts: receipts.map((r) => r?.channels),
      deliveries: (await f.deliveries())
        .filter((d) => d.uid === 'w1')
        .map((d) => [d.channel, d.status, d.reason ?? null])
        .sort((a, b) => String(a).localeCompare(String(b))),
      pushes: f.jobs('push').map((j) => [j.content.push?.body, fcm(j).webpush.headers.Topic]),
      notifications: (await f.notifications('w1')).map((n) => [n.count, n.body]),
    };
  }

  it('auction ending soon twice in a burst: both pushes at once on both paths, identical decisions', async () => {
    const direct = await endingTwice(true);
    const chunk = await endingTwice(false);
    expect(direct.pushes).toHaveLength(2);
    expect(direct.pushes.map(([body]) => body)).toEqual([
      'Only 10 minutes left to bid.',
      'Only 5 minutes left to bid.',
    ]);
    expect(new Set(direct.pushes.map(([, topic]) => topic)).size).toBe(1);
    expect(direct.receipts[1]).toMatchObject({ push: 'send', inApp: 'send', email: 'batch' });
    expect(direct.notifications).toEqual([[2, 'Only 5 minutes left to bid.']]);
    expect(chunk).toEqual(direct);
  });
});
