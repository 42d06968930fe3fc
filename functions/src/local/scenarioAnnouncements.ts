import { announcementPath } from '../domain/announcements/announcements.js';
import { errorText } from '../domain/errors.js';
import { paths } from '../domain/paths.js';
import type { ScenarioContext, Step } from './scenario.js';

/**
 * The announcements step of `npm start` (issue 18): the admin tells every creator about the winter market now, and
 * schedules a note to Maya's followers for tomorrow, then cancels it; the creators' notification centers are read
 * back, the collectors' show nothing, a cancel of the sent one is refused, and a creator cannot announce at all.
 */
const ANNOUNCEMENT = 'system.announcement';

async function announcementsOf(ctx: ScenarioContext, uid: string): Promise<Array<Record<string, unknown>>> {
  return (await ctx.system.store.query(paths.notifications(uid)))
    .map((s) => s.data!)
    .filter((d) => d.type === ANNOUNCEMENT);
}

async function refused(ctx: ScenarioContext, what: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
    ctx.problems.push(`${what} was not refused`);
  } catch (error) {
    ctx.transcript.detail(`${what} → refused: ${(error as { code?: string }).code ?? ''} "${errorText(error)}"`);
  }
}

export const announcementsStep: Step = {
  id: 'announcements',
  title: '16. Announcements: the admin tells every creator, schedules a note to followers and cancels it',
  at: '2026-11-24T20:00:00Z',
  async run(ctx) {
    const { functions, store } = ctx.system;
    const admin = ctx.system.as('u_admin');

    const market = await functions.call<{ id: string; status: string }>(
      'sendAnnouncement',
      {
        requestId: 'winter-market-2026',
        segment: { kind: 'role', role: 'creator' },
        title: 'Winter market stalls are open',
        body: 'Apply for a stall at the December market by Friday.',
        link: 'https://craft.example/winter-market',
      },
      admin,
    );
    await functions.settle();
    const sent = (await store.get(announcementPath(market.id))).data ?? {};
    ctx.transcript.line(
      `sendAnnouncement to role:creator → ${String(sent.status)}, ${String(sent.recipients ?? '?')} recipients`,
    );

    const creators = (await store.query(paths.users(), { where: [['kind', '==', 'creator']] })).map((s) => s.id);
    const collectors = (await store.query(paths.users(), { where: [['kind', '==', 'collector']] })).map((s) => s.id);
    let told = 0;
    for (const uid of creators) if ((await announcementsOf(ctx, uid)).length > 0) told++;
    let collectorsTold = 0;
    for (const uid of collectors) if ((await announcementsOf(ctx, uid)).length > 0) collectorsTold++;
    ctx.transcript.detail(
      `${told} of ${creators.length} creators have it in their notification center; ${collectorsTold} of ${collectors.length} collectors`,
    );
    if (collectorsTold > 0) ctx.problems.push('a collector got the creators-only announcement');
    if (told === 0) ctx.problems.push('no creator got the announcement');
    const [first] = await announcementsOf(ctx, creators[0]!);
    if (first) ctx.transcript.detail(`${creators[0]}: "${String(first.title)}: ${String(first.body)}"`);

    const later = await functions.call<{ id: string; status: string }>(
      'sendAnnouncement',
      {
        requestId: 'maya-studio-sale',
        segment: { kind: 'followers', creatorId: 'u_maya' },
        title: "Maya's studio sale tomorrow",
        body: 'Seconds and test pieces, from 10:00.',
        link: 'https://craft.example/u/maya',
        sendAt: '2026-11-25T09:00:00Z',
      },
      admin,
    );
    await functions.call('cancelAnnouncement', { id: later.id }, admin);
    ctx.transcript.line(
      `sendAnnouncement to followers:u_maya for tomorrow 09:00 → ${later.status}; cancelled → ${String((await store.get(announcementPath(later.id))).data?.status)}`,
    );

    await refused(ctx, 'cancelAnnouncement of the sent one', () =>
      functions.call('cancelAnnouncement', { id: market.id }, admin),
    );
    await refused(ctx, 'Maya (a creator, no admin claim) announces', () =>
      functions.call(
        'sendAnnouncement',
        {
          requestId: 'maya-self',
          segment: { kind: 'all' },
          title: 'Hi',
          body: 'Hello',
          link: 'https://craft.example',
        },
        ctx.system.as('u_maya'),
      ),
    );
  },
};
