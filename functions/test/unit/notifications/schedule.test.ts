import { describe, expect, it } from 'vitest';
import { bid, envelope, notificationFixture } from './fixture.js';
import { effectivePreferences } from '../../../src/domain/notifications/preferences.js';
import { holdUntil } from '../../../src/domain/notifications/routing.js';
import { inWindow, localDay, nextDigestTime, nextLocalTime } from '../../../src/domain/notifications/schedule.js';
import { parseEvent } from '../../../src/domain/notifications/events.js';
import { planEvent } from '../../../src/domain/notifications/plans.js';
import type { PlannedNotification } from '../../../src/domain/notifications/plans.js';

const at = (iso: string) => new Date(iso);

function planned(type: string, payload: Record<string, unknown>, uid: string): PlannedNotification {
  return planEvent(parseEvent(envelope(type, payload)), { criticalCommissionUsd: 2000 }).direct.find(
    (d) => d.uid === uid,
  )!.notification;
}
const shipped = planned(
  'order.shipped',
  { orderId: 'o1', itemTitle: 'Vase', buyerId: 'buyer', carrier: 'DHL', trackingNumber: 'T1' },
  'buyer',
);
const outbid = planned('auction.bid_placed', bid().payload, 'bidder1');
const won = planned(
  'auction.won',
  { auctionId: 'a1', auctionTitle: 'Bowl', winnerId: 'w', sellerId: 's', amount: 5, currency: 'USD' },
  'w',
);

describe('local windows across zones and DST', () => {
  it('America/New_York, spring-forward night (2026-03-08): quiet hours 22:00–07:00 end at 07:00 EDT = 11:00Z', () => {
    // 01:30 EST (06:30Z) is inside quiet hours; 02:00 → 03:00 happens in between.
    const now = at('2026-03-08T06:30:00Z');
    expect(inWindow(now, 'America/New_York', '22:00', '07:00')).toBe(true);
    expect(nextLocalTime(now, 'America/New_York', '07:00').toISOString()).toBe('2026-03-08T11:00:00.000Z');
    // 06:59 EDT is 10:59Z: still quiet; 07:00 EDT = 11:00Z: over.
    expect(inWindow(at('2026-03-08T10:59:00Z'), 'America/New_York', '22:00', '07:00')).toBe(true);
    expect(inWindow(at('2026-03-08T11:00:00Z'), 'America/New_York', '22:00', '07:00')).toBe(false);
  });

  it('America/New_York, fall-back night (2026-11-01): 07:00 EST = 12:00Z, and the repeated 01:xx hour stays quiet', () => {
    expect(inWindow(at('2026-11-01T05:30:00Z'), 'America/New_York', '22:00', '07:00')).toBe(true); // 01:30 EDT
    expect(inWindow(at('2026-11-01T06:30:00Z'), 'America/New_York', '22:00', '07:00')).toBe(true); // 01:30 EST
    expect(nextLocalTime(at('2026-11-01T06:30:00Z'), 'America/New_York', '07:00').toISOString()).toBe(
      '2026-11-01T12:00:00.000Z',
    );
  });

  it('a time that does not exist on the change night moves forward with the clocks (02:30 → 03:30 EDT)', () => {
    expect(nextLocalTime(at('2026-03-08T05:00:00Z'), 'America/New_York', '02:30').toISOString()).toBe(
      '2026-03-08T07:30:00.000Z',
    );
  });

  it('Asia/Kolkata (+05:30): quiet until 07:00 IST = 01:30Z', () => {
    expect(inWindow(at('2026-06-10T01:29:00Z'), 'Asia/Kolkata', '22:00', '07:00')).toBe(true);
    expect(inWindow(at('2026-06-10T01:30:00Z'), 'Asia/Kolkata', '22:00', '07:00')).toBe(false);
    expect(nextLocalTime(at('2026-06-09T17:00:00Z'), 'Asia/Kolkata', '07:00').toISOString()).toBe(
      '2026-06-10T01:30:00.000Z',
    );
  });

  it('Pacific/Chatham (+12:45 standard, +13:45 in southern summer): hours start at :15 UTC', () => {
    // June: +12:45. 07:00 local on 11 June = 18:15Z on 10 June.
    expect(nextLocalTime(at('2026-06-10T12:00:00Z'), 'Pacific/Chatham', '07:00').toISOString()).toBe(
      '2026-06-10T18:15:00.000Z',
    );
    // December: +13:45. 07:00 local on 11 Dec = 17:15Z on 10 Dec.
    expect(nextLocalTime(at('2026-12-10T12:00:00Z'), 'Pacific/Chatham', '07:00').toISOString()).toBe(
      '2026-12-10T17:15:00.000Z',
    );
    // An hourly digest leaves at the next local hour, which is :15 past the UTC hour.
    expect(nextDigestTime(at('2026-06-10T12:20:00Z'), 'Pacific/Chatham', 'hourly', '09:00').toISOString()).toBe(
      '2026-06-10T13:15:00.000Z',
    );
  });

  it('working hours on weekdays; a window crossing midnight belongs to the day it opened', () => {
    // Wednesday 2026-06-10 10:00 in Berlin (08:00Z).
    expect(inWindow(at('2026-06-10T08:00:00Z'), 'Europe/Berlin', '09:00', '17:00', [1, 2, 3, 4, 5])).toBe(true);
    // Saturday.
    expect(inWindow(at('2026-06-13T08:00:00Z'), 'Europe/Berlin', '09:00', '17:00', [1, 2, 3, 4, 5])).toBe(false);
    // Friday night shift 22:00–06:00 counts on Saturday 03:00.
    expect(inWindow(at('2026-06-13T01:00:00Z'), 'Europe/Berlin', '22:00', '06:00', [5])).toBe(true);
    // Next weekday 09:00 after Friday evening is Monday.
    expect(nextLocalTime(at('2026-06-12T18:00:00Z'), 'Europe/Berlin', '09:00', [1, 2, 3, 4, 5]).toISOString()).toBe(
      '2026-06-15T07:00:00.000Z',
    );
  });

  it('the rate-limit day is the local day', () => {
    expect(localDay(at('2026-06-10T20:00:00Z'), 'Asia/Kolkata')).toBe('2026-06-11');
    expect(localDay(at('2026-06-10T20:00:00Z'), 'America/New_York')).toBe('2026-06-10');
  });
});

describe('holding rules', () => {
  const prefs = effectivePreferences(undefined);
  const ctx = (now: string, zone: string, p = prefs) => ({
    prefs: p,
    timeZone: zone,
    now: at(now),
    emailVerified: true,
    phoneVerified: true,
  });

  it('non-critical waits out quiet hours; outbid breaks through by default; auction won does not', () => {
    const night = ctx('2026-03-08T06:30:00Z', 'America/New_York');
    expect(holdUntil(shipped, night)).toEqual({ reason: 'quiet_hours', releaseAt: at('2026-03-08T11:00:00Z') });
    expect(holdUntil(outbid, night)).toBeUndefined();
    expect(holdUntil(won, night)).toEqual({ reason: 'quiet_hours', releaseAt: at('2026-03-08T11:00:00Z') });
  });

  it('outside working hours non-critical waits for the window; critical goes', () => {
    const p = effectivePreferences({
      workingHours: { enabled: true, start: '09:00', end: '17:00', days: [1, 2, 3, 4, 5] },
      quietHours: { enabled: false },
    });
    // Kolkata, Wednesday 19:00 IST (13:30Z) → Thursday 09:00 IST = 03:30Z.
    expect(holdUntil(shipped, ctx('2026-06-10T13:30:00Z', 'Asia/Kolkata', p))).toEqual({
      reason: 'outside_working_hours',
      releaseAt: at('2026-06-11T03:30:00Z'),
    });
    expect(holdUntil(outbid, ctx('2026-06-10T13:30:00Z', 'Asia/Kolkata', p))).toBeUndefined();
    // Inside working hours commerce goes at once.
    expect(holdUntil(shipped, ctx('2026-06-10T05:00:00Z', 'Asia/Kolkata', p))).toBeUndefined();
  });
});

describe('digests leave when the window opens, once', () => {
  it('an order shipped at night in New York (change night) is held, then released at 07:00 EDT exactly once', async () => {
    const f = notificationFixture('2026-03-08T06:30:00Z');
    await f.user('buyer', { timeZone: 'America/New_York' });
    await f.n.pipeline.submit(
      envelope('order.shipped', {
        orderId: 'o1',
        itemTitle: 'Vase',
        buyerId: 'buyer',
        carrier: 'DHL',
        trackingNumber: 'T1',
      }),
      'callable',
      'a',
    );
    await f.n.pipeline.submit(
      envelope('order.delivered', { orderId: 'o1', itemTitle: 'Vase', buyerId: 'buyer', sellerId: 'seller' }),
      'callable',
      'b',
    );
    expect(f.jobs('push')).toHaveLength(0);
    expect((await f.deliveries()).map((d) => d.status)).toEqual(['batched', 'batched', 'batched', 'batched']);
    expect(await f.notifications('buyer')).toHaveLength(2); // the in-app center is silent: it gets them at once

    f.clock.set('2026-03-08T10:59:00Z');
    expect(await f.n.digests.releaseDue()).toBe(0);
    f.clock.set('2026-03-08T11:00:00Z');
    expect(await f.n.digests.releaseDue()).toBe(1);
    expect(await f.n.digests.releaseDue()).toBe(0);
    f.clock.set('2026-03-08T11:30:00Z');
    expect(await f.n.digests.releaseDue()).toBe(0);

    // One push and one email, each summarising both.
    const [push] = f.jobs('push');
    expect(f.jobs('push')).toHaveLength(1);
    expect(f.jobs('email')).toHaveLength(1);
    expect(push!.content.push).toEqual({ title: '2 new updates', body: 'Vase is on its way · Vase was delivered' });
  });

  it('twelve comments on one story in five minutes → one grouped in-app notification and two pushes, not twelve', async () => {
    // Bids to the seller used to burst this way; they are time-critical now and collapse on the device instead
    // (burstCollapse.test.ts). Types that are not time-critical still wait for the window.
    const f = notificationFixture('2026-06-10T14:00:00Z');
    await f.user('author');
    for (let i = 1; i <= 12; i++) {
      await f.n.pipeline.submit(
        envelope('social.story_comment', {
          storyId: 's1',
          storyTitle: 'Glazing day',
          authorId: 'author',
          commenterId: `c${i}`,
          commenterName: `Commenter ${i}`,
          comment: 'Lovely glaze',
        }),
        'pubsub',
        `m${i}`,
      );
      f.clock.advance(20_000);
    }
    const list = await f.notifications('author');
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      count: 12,
      title: '12 new comments on Glazing day',
      body: 'Latest from Commenter 12.',
      read: false,
    });
    expect(await f.n.center.unreadCount('author')).toBe(1);
    expect(f.jobs('push')).toHaveLength(1); // the first, at once
    f.clock.set('2026-06-10T14:05:00Z');
    await f.n.digests.releaseDue();
    const pushes = f.jobs('push');
    expect(pushes).toHaveLength(2);
    expect(pushes[1]!.content.push?.title).toBe('11 new comments on Glazing day');
    expect(pushes[1]!.groupKey).toBe('social.story_comment:s1');
  });
});
