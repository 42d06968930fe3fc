import { describe, expect, it } from 'vitest';
import {
  planRecipient,
  rebuildJobs,
  storedJobs,
  withinRateLimits,
} from '../../../src/domain/notifications/recipientPlan.js';
import type { PlanInput } from '../../../src/domain/notifications/recipientPlan.js';
import type { ChannelDecision } from '../../../src/domain/notifications/routing.js';
import { deliveryId } from '../../../src/domain/delivery.js';

const now = new Date('2026-03-02T10:00:00Z');
const notification = {
  type: 'auction.outbid',
  category: 'commerce',
  priority: 'high',
  critical: true,
  vars: { auctionTitle: 'Walnut bowl', bidderName: 'Ben', amount: 'USD 120.00' },
  data: { auctionId: 'a_1', link: '/auctions/a_1' },
  groupKey: 'auction.outbid:a_1',
} as const satisfies PlanInput['notification'];
const input = (over: Partial<PlanInput>): PlanInput => ({
  eventId: 'evt_1',
  uid: 'u_ana',
  locale: 'en',
  notification: { ...notification, vars: { ...notification.vars }, data: { ...notification.data } },
  decisions: [],
  inAppAllowed: true,
  contact: { emailVerified: true, phoneVerified: true },
  burst: undefined,
  webAppUrl: 'https://app.example',
  now,
  ...over,
});

describe('recipient plan (pure)', () => {
  it('suppresses outbound channels over their limit, never the in-app send', () => {
    const routed: ChannelDecision[] = [
      { channel: 'inApp', action: 'send' },
      { channel: 'push', action: 'send' },
      { channel: 'sms', action: 'send' },
    ];
    expect(withinRateLimits(routed, (c) => c === 'push')).toEqual([
      { channel: 'inApp', action: 'send' },
      { channel: 'push', action: 'send' },
      { channel: 'sms', action: 'suppress', reason: 'rate_limited' },
    ]);
  });

  it("a critical notification's primary job carries its fallback channels' content; the rest get their own", () => {
    const plan = planRecipient(
      input({
        decisions: [
          { channel: 'inApp', action: 'send' },
          { channel: 'push', action: 'send' },
        ],
      }),
    );
    expect(plan.notificationId).toBe('evt_1_auction.outbid');
    expect(plan.inApp).toBe(true);
    expect(plan.jobs).toHaveLength(1);
    expect(plan.jobs[0]!.deliveryId).toBe(deliveryId('evt_1', 'u_ana', 'push'));
    expect(plan.jobs[0]!.fallback).toEqual(['sms', 'email']);
    expect(Object.keys(plan.jobs[0]!.content).sort()).toEqual(['email', 'push', 'sms']);
  });

  it('joins an open burst: its notification id, the count after it, the grouped text', () => {
    const plan = planRecipient(
      input({
        notification: {
          ...notification,
          critical: false,
          vars: { ...notification.vars },
          data: { ...notification.data },
        },
        decisions: [
          { channel: 'push', action: 'batch', reason: 'grouped', releaseAt: new Date(now.getTime() + 60_000) },
        ],
        burst: { notificationId: 'evt_0_auction.outbid', count: 3, windowEndsAt: new Date(now.getTime() + 60_000) },
        inAppAllowed: false,
      }),
    );
    expect(plan).toMatchObject({ notificationId: 'evt_0_auction.outbid', count: 4, inApp: false, jobs: [] });
    expect(plan.deliveries).toEqual([expect.objectContaining({ status: 'batched', reason: 'grouped' })]);
  });
});

describe('what a receipt keeps of the jobs (issue 14): storedJobs, and rebuildJobs from it', () => {
  /** Through JSON, as a stored receipt comes back: nothing shared with the plan's objects. */
  const stored = (jobs: Parameters<typeof storedJobs>[0]) =>
    JSON.parse(JSON.stringify(storedJobs(jobs))) as NonNullable<ReturnType<typeof storedJobs>>;

  it('keeps per job only channel, content and fallback; rebuilt, the jobs are the very ones planned', () => {
    const plan = planRecipient(
      input({
        locale: 'de',
        decisions: [
          { channel: 'inApp', action: 'send' },
          { channel: 'push', action: 'send' },
          { channel: 'email', action: 'send' },
        ],
      }),
    );
    // A critical push carrying the SMS fallback, and an email of its own.
    expect(plan.jobs.map((j) => [j.channel, j.fallback])).toEqual([
      ['push', ['sms']],
      ['email', []],
    ]);
    const kept = stored(plan.jobs);
    expect(kept).toEqual({ locale: 'de', createdAt: '2026-03-02T10:00:00.000Z', jobs: expect.any(Array) });
    for (const job of kept.jobs) expect(Object.keys(job).sort()).toEqual(['channel', 'content', 'fallback']);
    expect(rebuildJobs('evt_1', 'u_ana', notification, plan.notificationId, kept)).toStrictEqual(plan.jobs);
  });

  it("inside a burst: the burst's notification id (from the receipt) and the grouped content", () => {
    const plan = planRecipient(
      input({
        notification: { ...notification, critical: false, vars: { ...notification.vars }, data: {} },
        decisions: [{ channel: 'push', action: 'send' }],
        burst: { notificationId: 'evt_0_auction.outbid', count: 2, windowEndsAt: new Date(now.getTime() + 60_000) },
      }),
    );
    expect(plan.jobs[0]).toMatchObject({ notificationId: 'evt_0_auction.outbid', critical: false });
    const rebuilt = rebuildJobs(
      'evt_1',
      'u_ana',
      { ...notification, critical: false, data: {} },
      'evt_0_auction.outbid',
      stored(plan.jobs),
    );
    expect(rebuilt).toStrictEqual(plan.jobs);
    expect(rebuilt[0]!.data).toEqual({ notificationId: 'evt_0_auction.outbid', type: 'auction.outbid' });
  });

  it('nothing to keep without jobs', () => {
    expect(storedJobs([])).toBeUndefined();
  });
});
