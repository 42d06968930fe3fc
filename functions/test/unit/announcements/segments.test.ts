import { describe, expect, it } from 'vitest';
import { maxAgeOf } from '../../../src/domain/compliance/retention.js';
import { eventIdFor } from '../../../src/app/notifications/eventPipeline.js';
import type { FanoutMessage } from '../../../src/app/notifications/eventPipeline.js';
import { TOPICS } from '../../../src/domain/channels.js';
import { paths } from '../../../src/domain/paths.js';
import { parseInput } from '../../../src/domain/validation.js';
import {
  announcementPath,
  announcementPagePath,
  sendAnnouncementInput,
} from '../../../src/domain/announcements/announcements.js';
import { releaseKey } from '../../../src/domain/scheduling/schedules.js';
import type { DocumentStore, QuerySpec } from '../../../src/ports.js';
import { as } from '../../support/world.js';
import { notificationFixture } from '../notifications/fixture.js';

/**
 * Announcement segments at scale (issue 18): the fan-out walks a segment in pages of at most `pageSize` documents
 * (here 2, so five users are three pages), each page claimed once against the announcement; and the staff segment
 * (users/{uid}.staffRoles, the mirror of the Auth claims).
 */
const NOW = '2026-06-10T14:00:00Z';
const admin = as('root', 'admin');
const PAGE = 2;

async function fixture(pageSize = PAGE) {
  const f = notificationFixture(NOW);
  const { Announcements } = await import('../../../src/app/announcements/announcements.js');
  const { Scheduler } = await import('../../../src/app/scheduling/scheduler.js');
  const ann = new Announcements(
    f.store,
    f.clock,
    f.logger,
    f.audit,
    new Scheduler(f.store, f.clock, f.logger),
    pageSize,
  );
  const send = (over: Record<string, unknown> = {}) =>
    ann.send(
      admin,
      parseInput(sendAnnouncementInput, {
        requestId: 'r1',
        segment: { kind: 'all' },
        title: 'Maintenance tonight',
        body: 'The shop is down from 2 to 3.',
        link: 'https://craft.example/status',
        ...over,
      }),
    );
  /** Every query on `users` (the segment reads), with its spec. */
  const userQueries: QuerySpec[] = [];
  const store = f.store as DocumentStore;
  const query = store.query.bind(store);
  store.query = (collection, spec) => {
    if (collection === 'users') userQueries.push(spec ?? {});
    return query(collection, spec);
  };
  /** Runs every event written through the trigger, without draining the fan-out topic. */
  const trigger = async () => {
    for (const snap of await f.store.query(paths.events()))
      await f.n.pipeline.onDocument(snap.id, snap.data, `attempt-${snap.id}`);
  };
  /** How many announcements (of any title) each of `uids` holds in the app. */
  const told = async (uids: readonly string[], title = 'Maintenance tonight') => {
    const out: Record<string, number> = {};
    for (const uid of uids) out[uid] = (await f.notifications(uid)).filter((n) => n.title === title).length;
    return out;
  };
  const fanout = () => f.publisher.on(TOPICS.fanout).map((m) => m.data as FanoutMessage);
  const sentAudits = async () =>
    (await f.store.query('auditLog')).map((s) => s.data!).filter((e) => e.action === 'announcement.sent');
  return { f, ann, send, trigger, told, fanout, userQueries, sentAudits };
}

const FIVE = ['u1', 'u2', 'u3', 'u4', 'u5'];
const once = (uids: readonly string[]) => Object.fromEntries(uids.map((uid) => [uid, 1]));
const none = (uids: readonly string[]) => Object.fromEntries(uids.map((uid) => [uid, 0]));

describe('a segment larger than a page', () => {
  it('reaches everyone exactly once, reading at most a page per step; a replayed page sends nothing twice', async () => {
    const { f, send, trigger, told, fanout, userQueries, sentAudits } = await fixture();
    for (const uid of FIVE) await f.user(uid, { kind: uid === 'u2' ? 'creator' : 'collector' });
    const sent = await send();
    const eventId = eventIdFor(releaseKey(sent.id, 1));
    await trigger();
    await f.publisher.drain();

    expect(await told(FIVE)).toEqual(once(FIVE));
    // Never one unbounded read: every read of users/ is a page of at most 2, in document-id order, after a cursor.
    expect(userQueries).toHaveLength(3);
    for (const spec of userQueries) {
      expect(spec.limit).toBe(PAGE);
      expect(spec.orderBy).toEqual([{ field: '__name__' }]);
    }
    expect(userQueries.map((s) => s.startAfter)).toEqual([undefined, ['u2'], ['u4']]);
    const pages = fanout().filter((m) => m.kind === 'page');
    expect(pages.map((m) => (m.kind === 'page' ? (m.cursor ?? null) : ''))).toEqual([null, 'u2', 'u4']);
    const chunks = fanout().flatMap((m) => (m.kind === 'chunk' ? [m.uids] : []));
    expect(chunks).toEqual([['u1', 'u2'], ['u3', 'u4'], ['u5']]);
    expect((await f.store.get(announcementPath(sent.id))).data).toMatchObject({
      status: 'sent',
      recipients: 5,
      pages: 3,
      pageSize: PAGE,
    });
    // Done pages keep their outcome, not their members.
    const page2 = (await f.store.get(announcementPagePath(sent.id, 'u2'))).data!;
    expect(page2).toMatchObject({ done: true, members: 2, next: 'u4' });
    expect(page2.uids).toBeUndefined();
    // A claim expires with the pipeline's records (a TTL policy on pages.expiresAt), so one left holding uids by a
    // page that never finished does not stay for ever.
    expect((page2.expiresAt as Date).getTime() - (page2.createdAt as Date).getTime()).toBe(maxAgeOf('pages'));

    // Pub/Sub redelivers the middle page and the first: nothing is read, published or told again.
    const published = f.publisher.published.length;
    await f.n.pipeline.onFanout({ kind: 'page', eventId, cursor: 'u2' }, 'again');
    await f.n.pipeline.onFanout({ kind: 'page', eventId }, 'again');
    await f.publisher.drain();
    expect(f.publisher.published.length).toBe(published);
    expect(await told(FIVE)).toEqual(once(FIVE));
    expect(await sentAudits()).toEqual([
      expect.objectContaining({ details: { segment: 'all', recipients: 5, eventId } }),
    ]);
  });

  it('a crash after a page is claimed: its retry publishes the same members and the same next page, nobody twice or skipped', async () => {
    const { f, send, trigger, told, fanout } = await fixture();
    for (const uid of FIVE) await f.user(uid);
    const sent = await send();
    const eventId = eventIdFor(releaseKey(sent.id, 1));
    await trigger();
    // The first page's message, then the second page crashes while publishing (its claim is committed).
    const [firstPage] = f.publisher.on(TOPICS.fanout);
    await f.n.pipeline.onFanout(firstPage!.data, 'a1');
    const publish = f.publisher.publish.bind(f.publisher);
    let failures = 0;
    f.publisher.publish = async (topic, data, attributes) => {
      if ((data as FanoutMessage).kind === 'page' && failures++ === 0) throw new Error('Pub/Sub unavailable');
      return publish(topic, data, attributes);
    };
    // A user signs up in the middle of the segment meanwhile: the retry keeps to what the claim recorded.
    const second = { kind: 'page', eventId, cursor: 'u2' } as const;
    await expect(f.n.pipeline.onFanout(second, 'a2')).rejects.toThrow(/unavailable/);
    await f.user('u3a');
    expect((await f.store.get(announcementPath(sent.id))).data).toMatchObject({ status: 'sending', recipients: 4 });
    await f.n.pipeline.onFanout(second, 'a2-retry');
    await f.publisher.drain();

    const everyone = [...FIVE, 'u3a'];
    const counts = await told(everyone);
    // u3a joined after page 2 was claimed (u3, u4): the walk resumes after u4, so u3a is not in this announcement.
    expect(counts).toEqual({ ...once(FIVE), u3a: 0 });
    expect((await f.store.get(announcementPath(sent.id))).data).toMatchObject({ status: 'sent', recipients: 5 });
    // The crashed page's chunk went out twice (before the crash and on its retry); the receipts made it once.
    const page2Chunks = fanout().filter((m) => m.kind === 'chunk' && m.uids[0] === 'u3');
    expect(page2Chunks).toHaveLength(2);
    expect(page2Chunks.every((m) => m.kind === 'chunk' && m.uids.join() === 'u3,u4')).toBe(true);
  });

  it('a role segment filters each page and moves on by the documents read, not the members', async () => {
    const { f, send, trigger, told } = await fixture();
    // Creators u1 and u5 only: the pages [u1 u2] [u3 u4] [u5] hold one, none and one of them.
    for (const uid of FIVE) await f.user(uid, { kind: uid === 'u1' || uid === 'u5' ? 'creator' : 'collector' });
    const sent = await send({ segment: { kind: 'role', role: 'creator' } });
    await trigger();
    await f.publisher.drain();
    expect(await told(FIVE)).toEqual({ u1: 1, u2: 0, u3: 0, u4: 0, u5: 1 });
    expect((await f.store.get(announcementPath(sent.id))).data).toMatchObject({
      status: 'sent',
      recipients: 2,
      pages: 3,
    });
  });

  it('cancelled while sending: the pages claimed went, the rest never do; audited with how many it reached', async () => {
    const { f, ann, send, trigger, told } = await fixture();
    for (const uid of FIVE) await f.user(uid);
    const sent = await send();
    await trigger();
    const [firstPage] = f.publisher.on(TOPICS.fanout);
    await f.n.pipeline.onFanout(firstPage!.data, 'a1');
    expect(await ann.cancel(admin, sent.id)).toMatchObject({ status: 'cancelled', recipients: 2, changed: true });
    await f.publisher.drain();
    expect(await told(FIVE)).toEqual({ ...once(['u1', 'u2']), ...none(['u3', 'u4', 'u5']) });
    const doc = (await f.store.get(announcementPath(sent.id))).data!;
    expect(doc).toMatchObject({ status: 'cancelled', recipients: 2, pages: 1 });
    const cancelled = (await f.store.query('auditLog'))
      .map((s) => s.data!)
      .find((e) => e.action === 'announcement.cancelled');
    expect(cancelled).toMatchObject({ details: { segment: 'all', released: true, recipients: 2 } });
  });

  it('an exact multiple of the page size ends on an empty page, and an empty segment is sent to nobody', async () => {
    const { f, send, trigger, told } = await fixture();
    for (const uid of ['u1', 'u2', 'u3', 'u4']) await f.user(uid);
    const sent = await send();
    const empty = await send({ requestId: 'nobody', segment: { kind: 'staff', role: 'compliance' } });
    await trigger();
    await f.publisher.drain();
    expect(await told(['u1', 'u2', 'u3', 'u4'])).toEqual(once(['u1', 'u2', 'u3', 'u4']));
    expect((await f.store.get(announcementPath(sent.id))).data).toMatchObject({
      status: 'sent',
      recipients: 4,
      pages: 3,
    });
    expect((await f.store.get(announcementPath(empty.id))).data).toMatchObject({
      status: 'sent',
      recipients: 0,
      pages: 1,
    });
  });
});

describe('a staff segment', () => {
  it('reaches exactly the users whose mirrored staffRoles hold the role, under their preferences', async () => {
    const { f, send, trigger, told, userQueries } = await fixture();
    await f.user('ada', { staffRoles: ['admin'] });
    await f.user('bo', { staffRoles: ['compliance', 'admin'] });
    await f.user('cy', { staffRoles: ['service'] });
    await f.user('di');
    await f.user('ed', { staffRoles: ['admin'] });
    await f.user('fay', { staffRoles: 'admin' }); // not a list: no role (the mirror is read tolerantly)
    // Staff mute announcements like anyone: ed opted out.
    await f.store.set(paths.preferences('ed'), { types: { 'system.announcement': { frequency: 'off' } } });
    const sent = await send({ segment: { kind: 'staff', role: 'admin' }, title: 'Admin rota' });
    expect(sent).toMatchObject({ segment: { kind: 'staff', role: 'admin' } });
    await trigger();
    await f.publisher.drain();
    const everyone = ['ada', 'bo', 'cy', 'di', 'ed', 'fay'];
    expect(await told(everyone, 'Admin rota')).toEqual({ ada: 1, bo: 1, cy: 0, di: 0, ed: 0, fay: 0 });
    // ed was in the segment (handed to the fan-out, muted there); nobody else outside it was read as a member.
    expect((await f.store.get(announcementPath(sent.id))).data).toMatchObject({ status: 'sent', recipients: 3 });
    expect(userQueries[0]).toMatchObject({ where: [['staffRoles', 'array-contains', 'admin']], limit: PAGE });
    const audit = (await f.store.query('auditLog'))
      .map((s) => s.data as { action: string; details: { segment: string } })
      .filter((e) => e.action.startsWith('announcement.'));
    expect(audit.map((a) => a.details.segment)).toEqual(['staff:admin', 'staff:admin']);
  });

  it('names one of the staff roles, by field', () => {
    const problem = (segment: unknown) => {
      try {
        parseInput(sendAnnouncementInput, {
          requestId: 'r',
          segment,
          title: 't',
          body: 'b',
          link: 'https://x.example',
        });
        return 'ok';
      } catch (error) {
        return (error as Error).message;
      }
    };
    for (const role of ['admin', 'compliance', 'service']) expect(problem({ kind: 'staff', role })).toBe('ok');
    expect(problem({ kind: 'staff', role: 'creator' })).toMatch(/^data\.segment\.role/);
    expect(problem({ kind: 'staff' })).toMatch(/^data\.segment\.role/);
    expect(problem({ kind: 'role', role: 'admin' })).toMatch(/^data\.segment\.role/);
  });
});
