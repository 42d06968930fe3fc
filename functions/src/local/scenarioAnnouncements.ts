import { announcementPath } from '../domain/announcements/announcements.js';
import { errorText } from '../domain/errors.js';
import { paths } from '../domain/paths.js';
import { seededAuthAccounts } from './seededAuth.js';
import type { ScenarioContext, Step } from './scenario.js';

/**
 * The announcements step of `npm start` (issue 18): the admin tells every creator about the winter market now, and
 * schedules a note to Maya's followers for tomorrow, then cancels it; the creators' notification centers are read
 * back, the collectors' show nothing, a cancel of the sent one is refused, and a creator cannot announce at all. Then
 * a staff segment: the compliance staff (users/{uid}.staffRoles, the mirror setStaffRoles keeps of the Auth claims)
 * get the quarterly review note, and nobody else (the admin included) does.
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
  title:
    '16. Announcements: the admin tells every creator, schedules a note to followers and cancels it, tells the compliance staff',
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
      `sendAnnouncement to role:creator → ${String(sent.status)}, ${String(sent.recipients ?? '?')} recipients ` +
        `(${String(sent.pages ?? '?')} page of at most ${String(sent.pageSize ?? '?')} profiles read)`,
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
    await staffAnnouncement(ctx);

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

/** A staff segment: the compliance staff by their mirrored role, under their preferences like everyone. */
async function staffAnnouncement(ctx: ScenarioContext): Promise<void> {
  const { functions, store } = ctx.system;
  const admin = ctx.system.as('u_admin');
  // The mirror is kept by setStaffRoles (the seed gives u_compliance the claim; the profile learns it here).
  if (
    !((await store.get(paths.user('u_compliance'))).data?.staffRoles as unknown[] | undefined)?.includes('compliance')
  ) {
    await seededAuthAccounts(ctx, 'u_admin', 'u_compliance');
    await functions.call(
      'setStaffRoles',
      { uid: 'u_compliance', roles: ['compliance'], reason: 'Compliance desk (seeded claim)' },
      admin,
    );
  }
  const review = await functions.call<{ id: string }>(
    'sendAnnouncement',
    {
      requestId: 'q4-compliance-review',
      segment: { kind: 'staff', role: 'compliance' },
      title: 'Q4 compliance review',
      body: 'Flagged listings and export requests are due for review by 5 December.',
      link: 'https://craft.example/admin/compliance',
    },
    admin,
  );
  await functions.settle();
  const doc = (await store.get(announcementPath(review.id))).data ?? {};
  const holders = (await store.query(paths.users(), { where: [['staffRoles', 'array-contains', 'compliance']] })).map(
    (s) => s.id,
  );
  const told = [];
  for (const uid of ['u_compliance', 'u_admin', 'u_maya'])
    if ((await announcementsOf(ctx, uid)).some((n) => n.title === 'Q4 compliance review')) told.push(uid);
  ctx.transcript.line(
    `sendAnnouncement to staff:compliance → ${String(doc.status)}, ${String(doc.recipients ?? '?')} recipient(s) ` +
      `(users whose staffRoles hold compliance: ${holders.join(', ')}); told: ${told.join(', ') || 'nobody'}`,
  );
  if (told.join() !== 'u_compliance') ctx.problems.push(`the compliance announcement reached ${told.join(', ')}`);
}
