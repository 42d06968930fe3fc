import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../../src/app/scheduling/scheduler.js';
import { eventIdFor } from '../../../src/app/notifications/eventPipeline.js';
import { AppError } from '../../../src/domain/errors.js';
import { paths } from '../../../src/domain/paths.js';
import type { DocumentStore } from '../../../src/ports.js';
import {
  SCHEDULES_COLLECTION,
  releaseKey,
  rescheduleInput,
  scheduleInput,
  schedulePath,
} from '../../../src/domain/scheduling/schedules.js';
import { as } from '../../support/world.js';
import { notificationFixture } from '../notifications/fixture.js';

const NOW = '2026-06-10T14:00:00Z';
const MINUTE = 60_000;
const at = (iso: string) => new Date(iso);

function setup(store?: (s: DocumentStore) => DocumentStore) {
  const f = notificationFixture(NOW);
  const scheduler = new Scheduler(store ? store(f.store) : f.store, f.clock, f.logger, {
    pageSize: 2,
    maxPages: 10,
    concurrency: 2,
  });
  const item = async (id: string) => (await f.store.get(schedulePath(id))).data;
  const events = async () => (await f.store.query(paths.events())).map((s) => ({ id: s.id, ...s.data }));
  /** The pipeline's trigger on every event the release wrote (what onNotificationEventCreated does in the cloud). */
  const deliver = async () => {
    for (const e of await events()) await f.n.pipeline.onDocument(e.id, (await f.event(e.id))!, `attempt-${e.id}`);
  };
  const input = (over: Record<string, unknown> = {}) =>
    scheduleInput.parse({
      requestId: 'r1',
      at: '2026-06-10T15:00:00Z',
      title: 'Bid on the raku bowl',
      body: 'The auction you saved ends tonight.',
      link: '/auctions/a1',
      ...over,
    });
  return { f, scheduler, item, events, deliver, input };
}

const code = async (p: Promise<unknown>) => {
  try {
    await p;
    return 'ok';
  } catch (error) {
    return error instanceof AppError ? `${error.code}: ${error.message}` : String(error);
  }
};

describe('scheduleNotification: who, when, what', () => {
  it('users schedule for themselves only; service and admin for anyone; 1 minute to 30 days ahead', async () => {
    const { scheduler, input } = setup();
    const ana = as('ana');
    expect(await scheduler.schedule(ana, input())).toMatchObject({
      status: 'pending',
      dueAt: '2026-06-10T15:00:00.000Z',
      recipientId: 'ana',
      created: true,
    });
    expect(await code(scheduler.schedule(ana, input({ requestId: 'r2', recipientId: 'ben' })))).toBe(
      'permission-denied: recipientId: you may only schedule notifications for yourself',
    );
    expect(await scheduler.schedule(as('billing', 'service'), input({ recipientId: 'ben' }))).toMatchObject({
      recipientId: 'ben',
      created: true,
    });
    expect(await scheduler.schedule(as('root', 'admin'), input({ recipientId: 'ben' }))).toMatchObject({
      created: true,
    });
    expect(await code(scheduler.schedule(ana, input({ requestId: 'r3', at: '2026-06-10T14:00:30Z' })))).toBe(
      'invalid-argument: at: must be at least 1 minute in the future',
    );
    expect(await code(scheduler.schedule(ana, input({ requestId: 'r4', at: '2026-07-10T14:00:01Z' })))).toBe(
      'invalid-argument: at: must be at most 30 days ahead',
    );
    expect(await scheduler.schedule(ana, input({ requestId: 'r5', at: '2026-07-10T14:00:00Z' }))).toMatchObject({
      created: true,
    });
  });

  it('the same request id again answers with the item it created, not a second one', async () => {
    const { f, scheduler, input } = setup();
    const first = await scheduler.schedule(as('ana'), input());
    f.clock.advance(10 * MINUTE);
    const again = await scheduler.schedule(as('ana'), input({ at: '2026-06-11T09:00:00Z' }));
    expect(again).toEqual({ ...first, created: false });
    expect(await f.store.query(SCHEDULES_COLLECTION)).toHaveLength(1);
  });

  it('inputs are validated with zod, naming the field: real dates only, app links only, no extra fields', () => {
    const base = { requestId: 'r1', at: '2026-06-10T15:00:00Z', title: 't', body: 'b' };
    const field = (over: Record<string, unknown>) => {
      const r = scheduleInput.safeParse({ ...base, ...over });
      return r.success ? 'ok' : r.error.issues[0]!.path.join('.');
    };
    expect(field({})).toBe('ok');
    expect(field({ at: '2026-02-30T10:00:00Z' })).toBe('at');
    expect(field({ at: 'tomorrow' })).toBe('at');
    expect(field({ at: '2026-06-10T15:00:00' })).toBe('at');
    expect(field({ link: 'https://evil.example/phish' })).toBe('link');
    expect(field({ title: 'two\nlines' })).toBe('title');
    expect(field({ recipientId: 'a/b' })).toBe('recipientId');
    expect(field({ extra: 1 })).toBe('');
    expect(rescheduleInput.safeParse({ id: 'x', at: '2026-13-01T00:00:00Z' }).success).toBe(false);
  });
});

describe('release: due items become events once', () => {
  it('nothing before its time; at its time one event, delivered once, even when two runs race', async () => {
    const { f, scheduler, item, events, deliver, input } = setup();
    await f.user('ana');
    const { id } = await scheduler.schedule(as('ana'), input());
    f.clock.set('2026-06-10T14:59:00Z');
    expect(await scheduler.releaseDue()).toMatchObject({ released: 0 });
    expect(await events()).toEqual([]);

    f.clock.set('2026-06-10T15:00:00Z');
    const [a, b] = await Promise.all([scheduler.releaseDue(), scheduler.releaseDue()]);
    expect(a.released + b.released).toBe(1);
    expect(await scheduler.releaseDue()).toMatchObject({ released: 0 });
    const eventId = eventIdFor(releaseKey(id, 1));
    expect(await events()).toEqual([
      expect.objectContaining({
        id: eventId,
        type: 'reminder.due',
        idempotencyKey: releaseKey(id, 1),
        payload: {
          scheduleId: id,
          recipientId: 'ana',
          title: 'Bid on the raku bowl',
          body: 'The auction you saved ends tonight.',
          link: '/auctions/a1',
        },
      }),
    ]);
    expect(await item(id)).toMatchObject({ status: 'released', eventId });

    await deliver();
    await deliver(); // the trigger redelivered
    const notes = await f.notifications('ana');
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({
      type: 'reminder.due',
      title: 'Bid on the raku bowl',
      body: 'The auction you saved ends tonight.',
    });
    expect(f.jobs('push').filter((j) => j.uid === 'ana')).toHaveLength(1);
  });

  it("under the recipient's quiet hours: in-app at once, the push held for the morning", async () => {
    const { f, scheduler, deliver, input } = setup();
    // 15:00 UTC is midnight in Tokyo: quiet hours (22:00–07:00).
    await f.user('kenji', { timeZone: 'Asia/Tokyo' });
    await scheduler.schedule(as('kenji'), input());
    f.clock.set('2026-06-10T15:00:30Z');
    await scheduler.releaseDue();
    await deliver();
    expect(await f.notifications('kenji')).toHaveLength(1);
    expect(f.jobs('push').filter((j) => j.uid === 'kenji')).toEqual([]);
    const digests = (await f.store.query('digests')).filter((d) => d.data!.uid === 'kenji');
    expect(digests[0]?.data).toMatchObject({ status: 'pending', releaseAt: new Date('2026-06-10T22:00:00Z') });
  });

  it('walks a backlog page by page, oldest first, and stops when nothing is due', async () => {
    const { f, scheduler, input } = setup();
    for (let i = 0; i < 5; i++)
      await scheduler.schedule(as('ana'), input({ requestId: `r${i}`, at: `2026-06-10T15:0${i}:00Z` }));
    await scheduler.schedule(as('ana'), input({ requestId: 'later', at: '2026-06-11T15:00:00Z' }));
    f.clock.set('2026-06-10T16:00:00Z');
    expect(await scheduler.releaseDue()).toEqual({ released: 5, skipped: 0, failed: 0, pages: 3 });
    const pending = await f.store.query(SCHEDULES_COLLECTION, { where: [['status', '==', 'pending']] });
    expect(pending).toHaveLength(1);
  });

  it('a crash in the release leaves the item pending; the next run releases it once', async () => {
    let failCommits = 1;
    const { f, scheduler, item, events, input } = setup((store) => {
      // The first release transaction dies before it commits (the instance crashed, the network went).
      const wrapped = Object.create(store) as DocumentStore;
      wrapped.transaction = async (fn) =>
        store.transaction(async (tx) => {
          const result = await fn(tx);
          if (failCommits-- > 0) throw new Error('instance crashed');
          return result;
        });
      return wrapped;
    });
    failCommits = 0;
    const { id } = await scheduler.schedule(as('ana'), input());
    failCommits = 1;
    f.clock.set('2026-06-10T15:00:00Z');
    expect(await scheduler.releaseDue()).toMatchObject({ released: 0, failed: 1 });
    expect(await item(id)).toMatchObject({ status: 'pending' });
    expect(await events()).toEqual([]);
    f.clock.advance(MINUTE);
    expect(await scheduler.releaseDue()).toMatchObject({ released: 1, failed: 0 });
    expect(await events()).toHaveLength(1);
  });

  it('an event already written under the key is kept as it is: the re-submit is a duplicate, delivered once', async () => {
    const { f, scheduler, events, deliver, input } = setup();
    await f.user('ana');
    const { id } = await scheduler.schedule(as('ana'), input());
    // The same key already reached the pipeline by another door (publishEvent) and was delivered.
    const key = releaseKey(id, 1);
    const raw = {
      type: 'reminder.due',
      idempotencyKey: key,
      occurredAt: '2026-06-10T15:00:00Z',
      payload: { scheduleId: id, recipientId: 'ana', title: 'Bid on the raku bowl', body: 'Earlier copy.' },
    };
    await f.n.pipeline.submit(raw, 'callable', 'first');
    f.clock.set('2026-06-10T15:00:00Z');
    expect(await scheduler.releaseDue()).toMatchObject({ released: 1 });
    expect(await events()).toEqual([expect.objectContaining({ id: eventIdFor(key), source: 'callable' })]);
    await deliver();
    expect(await f.notifications('ana')).toHaveLength(1);
  });
});

describe('cancel and reschedule', () => {
  it('reschedule moves the release and makes it a new event; cancel stops it; both refuse once delivered', async () => {
    const { f, scheduler, item, events, input } = setup();
    const ana = as('ana');
    const { id } = await scheduler.schedule(ana, input());
    expect(await scheduler.reschedule(ana, id, at('2026-06-10T18:00:00Z'))).toMatchObject({
      changed: true,
      dueAt: '2026-06-10T18:00:00.000Z',
    });
    expect(await scheduler.reschedule(ana, id, at('2026-06-10T18:00:00Z'))).toMatchObject({ changed: false });
    f.clock.set('2026-06-10T15:00:00Z');
    expect(await scheduler.releaseDue()).toMatchObject({ released: 0 });
    f.clock.set('2026-06-10T18:00:00Z');
    expect(await scheduler.releaseDue()).toMatchObject({ released: 1 });
    expect((await events())[0]).toMatchObject({ idempotencyKey: releaseKey(id, 2) });
    expect(await item(id)).toMatchObject({ status: 'released', version: 2 });
    expect(await code(scheduler.cancel(ana, id))).toBe(
      'failed-precondition: id: this notification was already delivered',
    );
    expect(await code(scheduler.reschedule(ana, id, at('2026-06-11T18:00:00Z')))).toBe(
      'failed-precondition: id: this notification was already delivered',
    );

    const other = await scheduler.schedule(ana, input({ requestId: 'r2', at: '2026-06-10T19:00:00Z' }));
    expect(await scheduler.cancel(ana, other.id)).toMatchObject({ status: 'cancelled', changed: true });
    expect(await scheduler.cancel(ana, other.id)).toMatchObject({ status: 'cancelled', changed: false });
    expect(await code(scheduler.reschedule(ana, other.id, at('2026-06-10T20:00:00Z')))).toMatch(/cancelled/);
    f.clock.set('2026-06-10T20:00:00Z');
    expect(await scheduler.releaseDue()).toMatchObject({ released: 0 });
    expect(await events()).toHaveLength(1);
  });

  it('the scheduler and the recipient may change it; others are told it does not exist; service and admin may', async () => {
    const { scheduler, input } = setup();
    const { id } = await scheduler.schedule(as('billing', 'service'), input({ recipientId: 'ana' }));
    expect(await code(scheduler.cancel(as('mallory'), id))).toBe('not-found: id: no such scheduled notification');
    expect(await code(scheduler.cancel(as('mallory'), 'sch_nothing'))).toBe(
      'not-found: id: no such scheduled notification',
    );
    expect(await scheduler.reschedule(as('ana'), id, at('2026-06-12T09:00:00Z'))).toMatchObject({ changed: true });
    expect(await scheduler.reschedule(as('root', 'admin'), id, at('2026-06-12T10:00:00Z'))).toMatchObject({
      changed: true,
    });
    expect(await code(scheduler.reschedule(as('ana'), id, at('2026-08-12T10:00:00Z')))).toBe(
      'invalid-argument: at: must be at most 30 days ahead',
    );
    expect(await scheduler.cancel(as('billing', 'service'), id)).toMatchObject({ status: 'cancelled' });
  });

  it.each(['cancel', 'reschedule'] as const)(
    'a %s landing between the release reading the item and committing: the release retries and skips it',
    async (action) => {
      let hook: (() => Promise<unknown>) | undefined;
      const { f, scheduler, item, events, input } = setup((store) => {
        // Inside the release's transaction, right after it read the item, the change commits (another instance).
        const wrapped = Object.create(store) as DocumentStore;
        wrapped.transaction = (fn) =>
          store.transaction((tx) => {
            const get = tx.get.bind(tx);
            return fn(
              Object.assign(Object.create(tx), {
                get: async (path: string) => {
                  const snap = await get(path);
                  const run = path.startsWith(`${SCHEDULES_COLLECTION}/`) ? hook : undefined;
                  hook = undefined;
                  if (run) await run();
                  return snap;
                },
              }),
            );
          });
        return wrapped;
      });
      const ana = as('ana');
      const { id } = await scheduler.schedule(ana, input());
      f.clock.set('2026-06-10T15:00:00Z');
      let changed: unknown;
      hook = async () => {
        changed =
          action === 'cancel'
            ? await scheduler.cancel(ana, id)
            : await scheduler.reschedule(ana, id, at('2026-06-10T16:00:00Z'));
      };
      expect(await scheduler.releaseDue()).toMatchObject({ released: 0, skipped: 1 });
      expect(changed).toMatchObject({ changed: true });
      expect((await item(id))?.status).toBe(action === 'cancel' ? 'cancelled' : 'pending');
      expect(await events()).toEqual([]);
      if (action === 'reschedule') {
        f.clock.set('2026-06-10T16:00:00Z');
        expect(await scheduler.releaseDue()).toMatchObject({ released: 1 });
        expect(await events()).toEqual([expect.objectContaining({ idempotencyKey: releaseKey(id, 2) })]);
      }
    },
  );

  it.each(['cancel', 'reschedule'] as const)(
    'a %s landing between the release query and its claim: the claim sees it and skips',
    async (action) => {
      let hook: (() => Promise<unknown>) | undefined;
      const { f, scheduler, item, events, input } = setup((store) => {
        const wrapped = Object.create(store) as DocumentStore;
        wrapped.query = async (path, spec) => {
          const page = await store.query(path, spec);
          const run = hook;
          hook = undefined;
          if (run) await run();
          return page;
        };
        return wrapped;
      });
      const ana = as('ana');
      const { id } = await scheduler.schedule(ana, input());
      f.clock.set('2026-06-10T15:00:00Z');
      hook = () =>
        action === 'cancel' ? scheduler.cancel(ana, id) : scheduler.reschedule(ana, id, at('2026-06-10T16:00:00Z'));
      expect(await scheduler.releaseDue()).toMatchObject({ released: 0, skipped: 1 });
      expect((await item(id))?.status).toBe(action === 'cancel' ? 'cancelled' : 'pending');
      expect(await events()).toEqual([]);
    },
  );
});
