import { describe, expect, it } from 'vitest';
import { EventReminders } from '../../../src/app/scheduling/reminders.js';
import { Scheduler } from '../../../src/app/scheduling/scheduler.js';
import { paths } from '../../../src/domain/paths.js';
import { TOPICS } from '../../../src/domain/channels.js';
import {
  REMINDER_OFFSETS,
  SCHEDULES_COLLECTION,
  reminderChange,
  reminderId,
  schedulePath,
} from '../../../src/domain/scheduling/schedules.js';
import type { AuctionSource } from '../../../src/domain/scheduling/schedules.js';
import { notificationFixture } from '../notifications/fixture.js';

const NOW = '2026-06-10T14:00:00Z';
const HOUR = 3_600_000;

function setup() {
  const f = notificationFixture(NOW);
  const reminders = new EventReminders(f.store, f.clock, f.logger);
  const scheduler = new Scheduler(f.store, f.clock, f.logger);
  let seq = 0;
  /** An event through the intake (publishEvent), then the reminders trigger on the document it recorded. */
  const publish = async (type: string, payload: Record<string, unknown>, occurredAt: string, extra = {}) => {
    const raw = { type, idempotencyKey: `${type}-${++seq}`, occurredAt, payload, ...extra };
    const { eventId } = await f.n.pipeline.submit(raw, 'callable', `a${seq}`);
    const data = (await f.store.get(paths.event(eventId))).data;
    return { eventId, data, outcome: await reminders.onEventWritten(eventId, undefined, data) };
  };
  const reminder = async (kind: 'auction' | 'workshop', ref: string, label: '24h' | '1h') =>
    (await f.store.get(schedulePath(reminderId(kind, ref, label)))).data;
  const count = async () => (await f.store.query(SCHEDULES_COLLECTION)).length;
  return { f, reminders, scheduler, publish, reminder, count };
}

const auction = (endsAt: string) => ({ auctionId: 'a1', auctionTitle: 'Raku tea bowl', sellerId: 'seller', endsAt });
const workshop = (startsAt: string) => ({
  eventRef: 'w1',
  eventTitle: 'Natural dyes for beginners',
  kind: 'workshop',
  startsAt,
  location: 'Berlin, Kreuzberg',
  hostId: 'host',
});

describe('reminders kept by auction announcements', () => {
  it('auction.listed creates the 24 h and 1 h reminders; the same event twice changes nothing', async () => {
    const { f, reminders, publish, reminder, count } = setup();
    const listed = await publish('auction.listed', auction('2026-06-13T18:00:00Z'), '2026-06-10T13:59:00Z');
    expect(listed.outcome).toEqual({ status: 'applied', changes: { '24h': 'created', '1h': 'created' } });
    expect(await reminder('auction', 'a1', '24h')).toMatchObject({
      kind: 'auction',
      status: 'pending',
      dueAt: new Date('2026-06-12T18:00:00Z'),
      recipientId: null,
      message: {
        type: 'auction.ending_soon',
        payload: { auctionId: 'a1', auctionTitle: 'Raku tea bowl', minutesLeft: 1440 },
        audience: { kind: 'auctionWatchers', auctionId: 'a1' },
      },
    });
    expect(await reminder('auction', 'a1', '1h')).toMatchObject({ dueAt: new Date('2026-06-13T17:00:00Z') });
    // The trigger redelivered; the same key by another door (a second events/ document).
    expect(await reminders.onEventWritten(listed.eventId, undefined, listed.data)).toEqual({
      status: 'applied',
      changes: { '24h': 'unchanged', '1h': 'unchanged' },
    });
    expect(await reminders.onEventWritten('other-doc', undefined, listed.data)).toMatchObject({ status: 'applied' });
    expect(await count()).toBe(2);
    // The pipeline's own status updates are not announcements.
    expect(
      await reminders.onEventWritten(listed.eventId, listed.data, { ...listed.data, status: 'processed' }),
    ).toMatchObject({ status: 'ignored' });
    expect(f.logger.lines.filter((l) => l.message === 'reminders applied')).toHaveLength(3);
  });

  it('a new end time reschedules them; an older announcement arriving late does not move them back', async () => {
    const { publish, reminder } = setup();
    await publish('auction.listed', auction('2026-06-13T18:00:00Z'), '2026-06-10T13:00:00Z');
    const moved = await publish('auction.listed', auction('2026-06-14T20:00:00Z'), '2026-06-10T13:30:00Z');
    expect(moved.outcome).toMatchObject({ changes: { '24h': 'rescheduled', '1h': 'rescheduled' } });
    expect(await reminder('auction', 'a1', '1h')).toMatchObject({
      status: 'pending',
      dueAt: new Date('2026-06-14T19:00:00Z'),
      message: { payload: { endsAt: '2026-06-14T20:00:00.000Z' } },
    });
    const late = await publish('auction.listed', auction('2026-06-13T18:00:00Z'), '2026-06-10T12:00:00Z');
    expect(late.outcome).toMatchObject({ changes: { '24h': 'older than the event applied' } });
    expect(await reminder('auction', 'a1', '1h')).toMatchObject({ dueAt: new Date('2026-06-14T19:00:00Z') });
  });

  it('auction.cancelled cancels them for good, even when it arrives before the announcement', async () => {
    const { f, scheduler, publish, reminder } = setup();
    await publish('auction.listed', auction('2026-06-13T18:00:00Z'), '2026-06-10T13:00:00Z');
    const cancelled = await publish(
      'auction.cancelled',
      { auctionId: 'a1', auctionTitle: 'Raku tea bowl', sellerId: 'seller', reason: 'Cracked in the kiln' },
      '2026-06-10T13:10:00Z',
    );
    expect(cancelled.outcome).toMatchObject({ changes: { '24h': 'cancelled', '1h': 'cancelled' } });
    expect(await reminder('auction', 'a1', '24h')).toMatchObject({ status: 'cancelled' });
    await publish('auction.listed', auction('2026-06-15T18:00:00Z'), '2026-06-10T13:20:00Z');
    expect(await reminder('auction', 'a1', '24h')).toMatchObject({ status: 'cancelled' });

    // Out of order: the cancellation first leaves tombstones the late announcement respects.
    await publish(
      'auction.cancelled',
      { auctionId: 'a2', auctionTitle: 'Walnut bowl', sellerId: 'seller' },
      '2026-06-10T13:10:00Z',
    );
    await publish('auction.listed', { ...auction('2026-06-13T18:00:00Z'), auctionId: 'a2' }, '2026-06-10T13:00:00Z');
    expect(await reminder('auction', 'a2', '1h')).toMatchObject({ status: 'cancelled' });
    f.clock.set('2026-06-16T00:00:00Z');
    expect(await scheduler.releaseDue()).toMatchObject({ released: 0 });
  });

  it('a reminder whose moment has passed is not created; a released one is re-armed when the end moves later', async () => {
    const { f, scheduler, publish, reminder } = setup();
    // Ends in 30 minutes: neither reminder makes sense any more.
    const soon = await publish('auction.listed', auction('2026-06-10T14:30:00Z'), '2026-06-10T13:59:00Z');
    expect(soon.outcome).toMatchObject({ changes: { '24h': 'its moment has passed', '1h': 'its moment has passed' } });
    expect(await reminder('auction', 'a1', '24h')).toBeUndefined();

    await publish('auction.listed', auction('2026-06-12T18:00:00Z'), '2026-06-10T14:00:00Z');
    f.clock.set('2026-06-11T18:00:00Z');
    expect(await scheduler.releaseDue()).toMatchObject({ released: 1 });
    expect(await reminder('auction', 'a1', '24h')).toMatchObject({ status: 'released', version: 1 });
    // Extended by two days: a new "ends in 24 h" is due, as a new event (version 2, a new idempotency key).
    const extended = await publish('auction.listed', auction('2026-06-14T18:00:00Z'), '2026-06-11T18:05:00Z');
    expect(extended.outcome).toMatchObject({ changes: { '24h': 're-armed', '1h': 'rescheduled' } });
    expect(await reminder('auction', 'a1', '24h')).toMatchObject({
      status: 'pending',
      version: 2,
      dueAt: new Date('2026-06-13T18:00:00Z'),
    });
  });

  it('when due, the reminder is an auction.ending_soon event the pipeline fans out to the watchers', async () => {
    const { f, scheduler, publish } = setup();
    await publish('auction.listed', auction('2026-06-11T18:00:00Z'), '2026-06-10T13:59:00Z');
    f.clock.set('2026-06-10T18:00:00Z');
    expect(await scheduler.releaseDue()).toMatchObject({ released: 1 });
    const [event] = (await f.store.query(paths.events())).filter((e) => e.data?.type === 'auction.ending_soon');
    expect(event?.data).toMatchObject({
      payload: { auctionId: 'a1', minutesLeft: 1440, endsAt: '2026-06-11T18:00:00.000Z' },
      audience: { kind: 'auctionWatchers', auctionId: 'a1' },
    });
    const result = await f.n.pipeline.onDocument(event!.id, event!.data, 'release');
    expect(result).toEqual({ eventId: event!.id, status: 'processed' });
    expect(f.publisher.on(TOPICS.fanout).map((m) => m.data)).toContainEqual({ kind: 'page', eventId: event!.id });
  });
});

describe('reminders kept by community event announcements', () => {
  it('community.event creates them for its audience and host; moved, then cancelled by community.event_cancelled', async () => {
    const { f, scheduler, publish, reminder } = setup();
    await f.user('host');
    const audience = { kind: 'followers', creatorId: 'host' };
    await publish('community.event', workshop('2026-06-12T10:00:00Z'), '2026-06-10T13:00:00Z', { audience });
    expect(await reminder('workshop', 'w1', '24h')).toMatchObject({
      kind: 'workshop',
      status: 'pending',
      dueAt: new Date('2026-06-11T10:00:00Z'),
      message: {
        type: 'community.event_starting_soon',
        payload: { eventRef: 'w1', hoursLeft: 24, location: 'Berlin, Kreuzberg', hostId: 'host' },
        audience,
      },
    });
    await publish('community.event', workshop('2026-06-12T12:00:00Z'), '2026-06-10T13:30:00Z', { audience });
    expect(await reminder('workshop', 'w1', '1h')).toMatchObject({ dueAt: new Date('2026-06-12T11:00:00Z') });

    f.clock.set('2026-06-11T12:00:00Z');
    expect(await scheduler.releaseDue()).toMatchObject({ released: 1 });
    const [event] = (await f.store.query(paths.events())).filter(
      (e) => e.data?.type === 'community.event_starting_soon',
    );
    await f.n.pipeline.onDocument(event!.id, event!.data, 'release');
    expect(await f.notifications('host')).toEqual([
      expect.objectContaining({
        type: 'community.event_starting_soon',
        title: 'Natural dyes for beginners starts soon',
        body: 'Starts in 24 hours at Berlin, Kreuzberg.',
      }),
    ]);

    const cancelled = await publish(
      'community.event_cancelled',
      { eventRef: 'w1', eventTitle: 'Natural dyes for beginners', hostId: 'host' },
      '2026-06-11T12:30:00Z',
    );
    expect(cancelled.outcome).toMatchObject({ changes: { '24h': 'cancelled', '1h': 'cancelled' } });
    expect(await reminder('workshop', 'w1', '24h')).toMatchObject({ status: 'released' });
    expect(await reminder('workshop', 'w1', '1h')).toMatchObject({ status: 'cancelled' });
    f.clock.set('2026-06-12T11:00:00Z');
    expect(await scheduler.releaseDue()).toMatchObject({ released: 0 });
  });

  it('ignores other events, malformed ones and deletions', async () => {
    const { reminders, count } = setup();
    expect(await reminders.onEventWritten('e1', undefined, { type: 'order.placed', payload: {} })).toMatchObject({
      status: 'ignored',
      reason: 'not a reminder event',
    });
    expect(
      await reminders.onEventWritten('e2', undefined, {
        type: 'auction.listed',
        idempotencyKey: 'k',
        occurredAt: new Date(NOW),
        payload: { auctionId: 'a1', auctionTitle: 'x', sellerId: 's', endsAt: '2026-02-30T10:00:00Z' },
      }),
    ).toMatchObject({ status: 'ignored', reason: expect.stringMatching(/^payload\.endsAt/) });
    expect(await reminders.onEventWritten('e3', { type: 'auction.listed' }, undefined)).toMatchObject({
      reason: 'deleted',
    });
    expect(await count()).toBe(0);
  });
});

describe('reminderChange (pure)', () => {
  const source = (target: string): AuctionSource => ({
    kind: 'auction',
    ref: 'a1',
    title: 't',
    target: new Date(target),
  });
  const now = new Date(NOW);
  it('the offsets are 24 h and 1 h', () => {
    expect(REMINDER_OFFSETS.map((o) => o.ms / HOUR)).toEqual([24, 1]);
  });
  it('a pending reminder that would now be late is cancelled, not sent late', () => {
    const created = reminderChange(
      undefined,
      { kind: 'announce', source: source('2026-06-12T14:00:00Z'), at: now },
      '24h',
      now,
    );
    expect(created).toMatchObject({ action: 'write', item: { status: 'pending' } });
    const item = created.action === 'write' ? created.item : undefined;
    const moved = reminderChange(
      item,
      { kind: 'announce', source: source('2026-06-11T10:00:00Z'), at: new Date(now.getTime() + 1000) },
      '24h',
      now,
    );
    expect(moved).toMatchObject({ action: 'write', reason: 'its moment has passed', item: { status: 'cancelled' } });
  });
});
