import { paths } from '../domain/paths.js';
import { errorText } from '../domain/errors.js';
import { SCHEDULES_COLLECTION, reminderId, schedulePath } from '../domain/scheduling/schedules.js';
import type { ScenarioContext, Step } from './scenario.js';

/**
 * The scheduling step of `npm start` (issue 18): commerce announces when the walnut bowl auction ends (only the 1 h
 * reminder is still ahead), Lena announces a workshop and then cancels it (both reminders cancelled), Ben sets himself a
 * reminder and moves it (he may not set one for Maya), then the minute-by-minute release runs twice past their times:
 * one event each, Ben's reminder and the watchers' "ends soon" read back from their notification centers.
 */
let n = 0;
async function publish(ctx: ScenarioContext, type: string, payload: Record<string, unknown>, extra = {}) {
  const result = await ctx.system.functions.call<{ eventId: string; status: string }>(
    'publishEvent',
    {
      type,
      idempotencyKey: `scenario:scheduling:${type}:${++n}`,
      occurredAt: ctx.system.clock.now().toISOString(),
      payload,
      ...extra,
    },
    ctx.system.as('svc_commerce'),
  );
  await ctx.system.functions.settle();
  if (result.status !== 'processed') ctx.problems.push(`${type} was ${result.status}`);
}

async function reminderState(ctx: ScenarioContext, kind: 'auction' | 'workshop', ref: string): Promise<string> {
  const states = [];
  for (const label of ['24h', '1h'] as const) {
    const item = (await ctx.system.store.get(schedulePath(reminderId(kind, ref, label)))).data;
    states.push(
      `${label}: ${item ? `${String(item.status)} for ${(item.dueAt as Date).toISOString().slice(11, 16)} UTC` : 'none (already past)'}`,
    );
  }
  return states.join(', ');
}

export const schedulingStep: Step = {
  id: 'scheduling',
  title:
    '14. Scheduled notifications: a reminder set, moved and delivered once; reminders before an auction and a workshop',
  at: '2026-11-24T18:30:00Z',
  async run(ctx) {
    const { functions, store, clock } = ctx.system;
    const ben = ctx.system.as('u_ben');

    await publish(ctx, 'auction.listed', {
      auctionId: 'auc_walnut_bowl',
      auctionTitle: 'Walnut bowl, hand-turned',
      sellerId: 'u_maya',
      endsAt: '2026-11-24T20:00:00Z',
    });
    ctx.transcript.line(
      `auction.listed (ends 20:00 UTC) → reminders ${await reminderState(ctx, 'auction', 'auc_walnut_bowl')}`,
    );

    const workshop = {
      eventRef: 'ws_indigo_dye',
      eventTitle: 'Indigo dyeing for beginners',
      kind: 'workshop',
      startsAt: '2026-11-26T10:00:00Z',
      location: 'Berlin, Kreuzberg',
      hostId: 'u_lena',
    };
    await publish(ctx, 'community.event', workshop, { audience: { kind: 'followers', creatorId: 'u_lena' } });
    ctx.transcript.line(
      `community.event (starts 26 Nov 10:00 UTC) → ${await reminderState(ctx, 'workshop', 'ws_indigo_dye')}`,
    );
    await publish(ctx, 'community.event_cancelled', {
      eventRef: 'ws_indigo_dye',
      eventTitle: workshop.eventTitle,
      hostId: 'u_lena',
    });
    ctx.transcript.line(`community.event_cancelled → ${await reminderState(ctx, 'workshop', 'ws_indigo_dye')}`);

    const reminder = await functions.call<{ id: string; dueAt: string }>(
      'scheduleNotification',
      {
        requestId: 'walnut-bowl',
        at: '2026-11-24T18:45:00Z',
        title: 'Last look at the walnut bowl',
        body: 'The auction ends at 20:00 UTC. Decide on your top bid.',
        link: '/auctions/auc_walnut_bowl',
      },
      ben,
    );
    const moved = await functions.call<{ dueAt: string }>(
      'rescheduleNotification',
      { id: reminder.id, at: '2026-11-24T18:50:00Z' },
      ben,
    );
    ctx.transcript.line(`Ben schedules a reminder for 18:45 UTC and moves it to ${moved.dueAt.slice(11, 16)} UTC`);
    try {
      await functions.call(
        'scheduleNotification',
        { requestId: 'for-maya', at: '2026-11-24T19:00:00Z', recipientId: 'u_maya', title: 'Hi', body: 'Hello' },
        ben,
      );
      ctx.problems.push('Ben scheduled a notification for Maya');
    } catch (error) {
      ctx.transcript.detail(
        `Ben schedules one for Maya → refused: ${(error as { code?: string }).code ?? ''} "${errorText(error)}"`,
      );
    }

    // The clock passes 18:50 and 19:00; Cloud Scheduler runs the release every minute (here twice at each stop).
    for (const at of ['2026-11-24T18:50:00Z', '2026-11-24T19:00:00Z']) {
      clock.set(at);
      await functions.runSchedules(['releaseScheduledNotifications']);
      await functions.runSchedules(['releaseScheduledNotifications']);
    }
    const released = await store.query(SCHEDULES_COLLECTION, { where: [['status', '==', 'released']] });
    const events = await store.query(paths.events(), {
      where: [['type', 'in', ['reminder.due', 'auction.ending_soon']]],
    });
    const fromSchedule = events.filter(
      (e) => typeof e.data?.idempotencyKey === 'string' && String(e.data.idempotencyKey).startsWith('scheduled:'),
    );
    ctx.transcript.line(
      `release ran 4 times: ${released.length} items released, ${fromSchedule.length} events written`,
    );
    if (fromSchedule.length !== released.length) ctx.problems.push('a scheduled item was released more than once');
    for (const uid of ['u_ben', 'u_jonas', 'u_liam']) {
      const notes = (await store.query(paths.notifications(uid)))
        .map((s) => s.data!)
        .filter(
          (d) =>
            ['reminder.due', 'auction.ending_soon'].includes(String(d.type)) &&
            (d.createdAt as Date) >= new Date('2026-11-24T18:30:00Z'),
        );
      for (const d of notes) ctx.transcript.detail(`${uid}: ${String(d.type)} "${String(d.title)}: ${String(d.body)}"`);
    }
  },
};
