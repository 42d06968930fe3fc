import { describe, expect, it } from 'vitest';
import { eventIdFor } from '../../../src/app/notifications/eventPipeline.js';
import { TOPICS } from '../../../src/domain/channels.js';
import { AppError } from '../../../src/domain/errors.js';
import { paths } from '../../../src/domain/paths.js';
import { parseInput } from '../../../src/domain/validation.js';
import {
  announcementPath,
  announcementRefInput,
  sendAnnouncementInput,
} from '../../../src/domain/announcements/announcements.js';
import { releaseKey, schedulePath } from '../../../src/domain/scheduling/schedules.js';
import { planEvent } from '../../../src/domain/notifications/plans.js';
import { parseEvent } from '../../../src/domain/notifications/events.js';
import { effectivePreferences } from '../../../src/domain/notifications/preferences.js';
import { as } from '../../support/world.js';
import { envelope, notificationFixture } from '../notifications/fixture.js';

const NOW = '2026-06-10T14:00:00Z';
const DAY = 24 * 60 * 60 * 1000;
const admin = as('root', 'admin');

/** The fixture plus the announcement use cases over the same store, clock and audit log. */
async function fixture() {
  const f = notificationFixture(NOW);
  const { Announcements } = await import('../../../src/app/announcements/announcements.js');
  const { Scheduler } = await import('../../../src/app/scheduling/scheduler.js');
  const scheduler = new Scheduler(f.store, f.clock, f.logger);
  const ann = new Announcements(f.store, f.clock, f.logger, f.audit, scheduler);
  const send = (over: Record<string, unknown> = {}) =>
    ann.send(
      admin,
      parseInput(sendAnnouncementInput, {
        requestId: 'r1',
        segment: { kind: 'role', role: 'creator' },
        title: 'Winter fair',
        body: 'Free shipping this weekend.',
        link: 'https://craft.example/fair',
        ...over,
      }),
    );
  /** What onNotificationEventCreated does in the cloud, for every event written, then the fan-out topic. */
  const deliver = async () => {
    for (const snap of await f.store.query(paths.events()))
      await f.n.pipeline.onDocument(snap.id, snap.data, `attempt-${snap.id}`);
    await f.publisher.drain();
  };
  const told = async (uids: readonly string[]) => {
    const out: string[] = [];
    for (const uid of uids)
      if ((await f.notifications(uid)).some((n) => n.type === 'system.announcement')) out.push(uid);
    return out;
  };
  const auditActions = async () =>
    (await f.store.query('auditLog'))
      .map((s) => s.data as { action: string; details: Record<string, unknown> })
      .filter((e) => e.action.startsWith('announcement.'));
  await f.user('ana', { kind: 'creator' });
  await f.user('ben', { kind: 'collector' });
  await f.user('cara', { kind: 'creator' });
  await f.user('dan');
  await f.user('maya', { kind: 'creator' });
  return { f, ann, scheduler, send, deliver, told, auditActions };
}

const code = async (p: Promise<unknown>) => {
  try {
    await p;
    return 'ok';
  } catch (error) {
    return error instanceof AppError ? `${error.code}: ${error.message}` : String(error);
  }
};

const EVERYONE = ['ana', 'ben', 'cara', 'dan', 'maya'];

describe('sendAnnouncement: input and who', () => {
  it('every field is validated with its name', () => {
    const base = {
      requestId: 'r1',
      segment: { kind: 'all' },
      title: 'Fair',
      body: 'Free shipping.',
      link: 'https://craft.example/fair',
    };
    const problem = (over: Record<string, unknown>) => {
      try {
        parseInput(sendAnnouncementInput, { ...base, ...over });
        return 'ok';
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(problem({})).toBe('ok');
    expect(problem({ link: 'http://craft.example/fair' })).toMatch(/^data\.link: must be an https:\/\/ link/);
    expect(problem({ link: 'javascript:alert(1)' })).toMatch(/^data\.link/);
    expect(problem({ segment: { kind: 'role', role: 'admin' } })).toMatch(/^data\.segment\.role/);
    expect(problem({ segment: { kind: 'followers' } })).toMatch(/^data\.segment\.creatorId/);
    expect(problem({ segment: { kind: 'everyone' } })).toMatch(/^data\.segment\.kind/);
    expect(problem({ title: 'a\nb' })).toMatch(/^data\.title: must not contain control characters/);
    expect(problem({ body: '' })).toMatch(/^data\.body/);
    expect(problem({ sendAt: 'tomorrow' })).toMatch(/^data\.sendAt/);
    expect(problem({ extra: 1 })).toMatch(/extra/);
    expect(() => parseInput(announcementRefInput, { id: 'a/b' })).toThrow(/^data\.id/);
  });

  it('admins only; sendAt at most 30 days ahead; a followers segment names a user', async () => {
    const { ann, send } = await fixture();
    expect(
      await code(
        ann.send(
          as('ana'),
          parseInput(sendAnnouncementInput, {
            requestId: 'x',
            segment: { kind: 'all' },
            title: 't',
            body: 'b',
            link: 'https://craft.example',
          }),
        ),
      ),
    ).toBe('permission-denied: requires the admin role');
    expect(await code(ann.cancel(as('ana'), 'ann_x'))).toBe('permission-denied: requires the admin role');
    expect(await code(send({ requestId: 'far', sendAt: new Date(Date.parse(NOW) + 31 * DAY).toISOString() }))).toBe(
      'invalid-argument: data.sendAt: must be at most 30 days ahead',
    );
    expect(await code(send({ requestId: 'nobody', segment: { kind: 'followers', creatorId: 'ghost' } }))).toBe(
      'not-found: data.segment.creatorId: no such user',
    );
  });

  it('the type defaults to push and in-app, email opt-in, instant', () => {
    const prefs = effectivePreferences(undefined).types['system.announcement'];
    expect(prefs).toEqual({ channels: { push: true, sms: false, email: false, inApp: true }, frequency: 'instant' });
  });

  it('a system.announcement event always fans out to its announcement, whatever the envelope names', () => {
    const event = parseEvent(
      envelope(
        'system.announcement',
        { announcementId: 'ann_1', title: 'T', body: 'B', link: 'https://craft.example/x' },
        { audience: { kind: 'followers', creatorId: 'maya' } },
      ),
    );
    const plan = planEvent(event, { criticalCommissionUsd: 2000 });
    expect(plan.direct).toEqual([]);
    expect(plan.audience?.audience).toEqual({ kind: 'announcement', announcementId: 'ann_1' });
    expect(plan.audience?.notification).toMatchObject({
      type: 'system.announcement',
      category: 'community',
      data: { announcementId: 'ann_1', link: '/announcements/ann_1', url: 'https://craft.example/x' },
    });
  });
});

describe('an announcement goes to its segment, under preferences, once', () => {
  it('a role: every creator who has not opted out, in the app and by push; nobody else; audited with the count', async () => {
    const { f, send, deliver, told, auditActions } = await fixture();
    // cara silenced announcements (frequency off silences a type everywhere, in-app too).
    await f.store.set(paths.preferences('cara'), { types: { 'system.announcement': { frequency: 'off' } } });
    const sent = await send();
    expect(sent).toMatchObject({ status: 'scheduled', segment: { kind: 'role', role: 'creator' }, created: true });
    // Due now: released at once by the call (no wait for the minute's run).
    const eventId = eventIdFor(releaseKey(sent.id, 1));
    expect((await f.store.get(schedulePath(sent.id))).data).toMatchObject({ status: 'released', eventId });
    await deliver();
    expect(await told(EVERYONE)).toEqual(['ana', 'maya']);
    const [note] = (await f.notifications('ana')).filter((n) => n.type === 'system.announcement');
    expect(note).toMatchObject({ title: 'Winter fair', body: 'Free shipping this weekend.' });
    const channels = (await f.deliveries())
      .filter((d) => d.eventId === eventId)
      .map((d) => `${d.uid}:${d.channel}`)
      .sort();
    expect(channels.filter((c) => !c.endsWith(':inApp'))).toEqual(['ana:push', 'maya:push']);
    expect((await f.store.get(announcementPath(sent.id))).data).toMatchObject({ status: 'sent', recipients: 3 });
    const audit = await auditActions();
    expect(audit.map((a) => a.action).sort()).toEqual(['announcement.scheduled', 'announcement.sent']);
    expect(audit.find((a) => a.action === 'announcement.sent')).toMatchObject({
      actorUid: 'root',
      details: { segment: 'role:creator', recipients: 3, eventId },
    });

    // The trigger and the fan-out run again (redelivery): nobody is told twice, the audit entry stays one.
    for (const snap of await f.store.query(paths.events()))
      await f.n.pipeline.onDocument(snap.id, snap.data, 'another-attempt');
    await f.n.pipeline.onFanout({ kind: 'page', eventId }, 'again');
    await f.publisher.drain();
    for (const uid of ['ana', 'maya'])
      expect((await f.notifications(uid)).filter((n) => n.type === 'system.announcement')).toHaveLength(1);
    expect((await auditActions()).filter((a) => a.action === 'announcement.sent')).toHaveLength(1);
    // The same request again answers with the announcement it created.
    expect(await send()).toMatchObject({ id: sent.id, status: 'sent', recipients: 3, created: false });
  });

  it("a creator's followers; everyone; in chunks through the fan-out topic", async () => {
    const { f, send, deliver, told } = await fixture();
    await f.followers('maya', ['ben', 'dan']);
    const a = await send({ requestId: 'followers', segment: { kind: 'followers', creatorId: 'maya' } });
    await deliver();
    expect(await told(EVERYONE)).toEqual(['ben', 'dan']);
    const chunks = f.publisher
      .on(TOPICS.fanout)
      .filter((m) => (m.data as { kind: string }).kind === 'chunk' && (m.data as { eventId: string }).eventId)
      .map((m) => m.data as { eventId: string; uids: string[] });
    expect(chunks.find((c) => c.eventId === eventIdFor(releaseKey(a.id, 1)))?.uids).toEqual(['ben', 'dan']);
    await send({ requestId: 'all', segment: { kind: 'all' }, title: 'Maintenance tonight' });
    await deliver();
    const everyone = [];
    for (const uid of EVERYONE)
      if ((await f.notifications(uid)).some((n) => n.title === 'Maintenance tonight')) everyone.push(uid);
    expect(everyone).toEqual(EVERYONE);
  });

  it('an event that names no announcement scheduled under it reaches no one', async () => {
    const { f, send, told } = await fixture();
    const real = await send();
    // A service publishes its own system.announcement naming a real announcement: another event id, so nobody.
    await f.n.pipeline.submit(
      envelope('system.announcement', {
        announcementId: real.id,
        title: 'Forged',
        body: 'Click here',
        link: 'https://evil.example',
      }),
      'callable',
      'forged',
    );
    await f.n.pipeline.submit(
      envelope('system.announcement', {
        announcementId: 'ann_unknown',
        title: 'Forged',
        body: 'Click here',
        link: 'https://evil.example',
      }),
      'callable',
      'forged-2',
    );
    await f.publisher.drain();
    for (const uid of EVERYONE) expect((await f.notifications(uid)).filter((n) => n.title === 'Forged')).toEqual([]);
    expect(await told(EVERYONE)).toEqual([]);
  });
});

describe('cancelAnnouncement', () => {
  it('a scheduled one: cancelled with its item (which expires), never released; cancelling again changes nothing', async () => {
    const { f, ann, scheduler, send, deliver, told, auditActions } = await fixture();
    const later = await send({ sendAt: '2026-06-10T16:00:00Z' });
    expect(later).toMatchObject({ status: 'scheduled', sendAt: '2026-06-10T16:00:00.000Z', recipients: null });
    expect((await f.store.get(schedulePath(later.id))).data).toMatchObject({ kind: 'announcement', status: 'pending' });
    expect(await ann.cancel(admin, later.id)).toMatchObject({ status: 'cancelled', changed: true });
    expect(await ann.cancel(admin, later.id)).toMatchObject({ status: 'cancelled', changed: false });
    const item = (await f.store.get(schedulePath(later.id))).data!;
    expect(item).toMatchObject({ status: 'cancelled' });
    expect((item.expiresAt as Date).getTime()).toBe(Date.parse(NOW) + 90 * DAY);
    f.clock.set('2026-06-10T16:01:00Z');
    expect(await scheduler.releaseDue()).toMatchObject({ released: 0 });
    await deliver();
    expect(await told(EVERYONE)).toEqual([]);
    expect((await auditActions()).find((a) => a.action === 'announcement.cancelled')).toMatchObject({
      actorUid: 'root',
      details: { segment: 'role:creator', released: false },
    });
    expect(await code(ann.cancel(admin, 'ann_nope'))).toBe('not-found: data.id: no such announcement');
  });

  it('released but not yet fanned out: still cancellable, and the fan-out then tells no one', async () => {
    const { f, ann, send, deliver, told } = await fixture();
    const now = await send();
    expect((await f.store.get(schedulePath(now.id))).data).toMatchObject({ status: 'released' });
    expect(await ann.cancel(admin, now.id)).toMatchObject({ status: 'cancelled', changed: true });
    await deliver();
    expect(await told(EVERYONE)).toEqual([]);
    expect((await f.store.get(announcementPath(now.id))).data).toMatchObject({ status: 'cancelled' });
  });

  it('once its first chunk is out: FAILED_PRECONDITION saying so; its scheduled item cannot be cancelled elsewhere', async () => {
    const { f, ann, scheduler, send, deliver } = await fixture();
    const later = await send({ requestId: 'later', sendAt: '2026-06-10T16:00:00Z' });
    expect(await code(scheduler.cancel(admin, later.id))).toBe(
      'failed-precondition: id: this is an announcement: cancel it with cancelAnnouncement',
    );
    const sent = await send();
    await deliver();
    expect(await code(ann.cancel(admin, sent.id))).toBe(
      'failed-precondition: data.id: this announcement was already sent to 3 users; it can no longer be cancelled',
    );
    expect((await f.store.get(announcementPath(sent.id))).data).toMatchObject({ status: 'sent' });
  });
});

describe('scheduled notifications expire once released (TTL, issue 18)', () => {
  it('the release sets expiresAt (90 days, as the event it became); pending items have none', async () => {
    const { f, send } = await fixture();
    const later = await send({ requestId: 'later', sendAt: '2026-06-10T16:00:00Z' });
    expect((await f.store.get(schedulePath(later.id))).data?.expiresAt).toBeUndefined();
    const now = await send();
    const item = (await f.store.get(schedulePath(now.id))).data!;
    expect(item.status).toBe('released');
    expect((item.expiresAt as Date).getTime()).toBe(Date.parse(NOW) + 90 * DAY);
  });
});
