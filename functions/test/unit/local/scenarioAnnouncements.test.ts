import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paths } from '../../../src/domain/paths.js';
import type { LocalSystem } from '../../../src/local/localSystem.js';
import { startLocalSystem } from '../../../src/local/localSystem.js';
import type { ScenarioResult } from '../../../src/local/scenario.js';
import { SCENARIO_START, runScenario } from '../../../src/local/scenario.js';

/** `npm start`'s announcements step on its own, asserting on what the system stored (not on the transcript). */
let system: LocalSystem;
let result: ScenarioResult;

beforeAll(async () => {
  system = await startLocalSystem({ now: SCENARIO_START });
  result = await runScenario(system, { only: ['announcements'] });
}, 60_000);

afterAll(() => system?.stop());

const announcementsOf = async (uid: string) =>
  (await system.store.query(paths.notifications(uid))).filter((s) => s.data?.type === 'system.announcement');

describe('npm start: announcements', () => {
  it('runs without a problem', () => {
    expect(result.problems).toEqual([]);
    expect(result.steps.map((s) => s.id)).toEqual(['announcements']);
  });

  it('every creator has the market announcement once; no collector has any; the cancelled one reached no one', async () => {
    const users = (await system.store.query(paths.users())).map((s) => ({ uid: s.id, kind: s.data?.kind }));
    const creators = users.filter((u) => u.kind === 'creator');
    expect(creators.length).toBeGreaterThan(3);
    for (const { uid } of creators) {
      const got = await announcementsOf(uid);
      // A creator who turned community notifications off is handled but told nothing.
      expect(got.length, uid).toBeLessThanOrEqual(1);
      for (const n of got) expect(n.data?.title).toBe('Winter market stalls are open');
    }
    expect((await Promise.all(creators.map((c) => announcementsOf(c.uid)))).flat().length).toBeGreaterThan(0);
    for (const { uid } of users.filter((u) => u.kind === 'collector'))
      for (const n of await announcementsOf(uid)) expect(n.data?.title, uid).not.toBe('Winter market stalls are open');
    const announcements = (await system.store.query('announcements')).map((s) => s.data!);
    expect(announcements.map((a) => a.status).sort()).toEqual(['cancelled', 'sent', 'sent']);
  });

  it('the staff segment: only the user whose mirrored staffRoles hold compliance has the review note', async () => {
    const holders = (
      await system.store.query(paths.users(), { where: [['staffRoles', 'array-contains', 'compliance']] })
    ).map((s) => s.id);
    expect(holders).toEqual(['u_compliance']);
    const told: string[] = [];
    for (const s of await system.store.query(paths.users()))
      if ((await announcementsOf(s.id)).some((n) => n.data?.title === 'Q4 compliance review')) told.push(s.id);
    expect(told).toEqual(['u_compliance']);
    const review = (await system.store.query('announcements'))
      .map((s) => s.data!)
      .find((a) => (a.segment as { kind: string }).kind === 'staff');
    expect(review).toMatchObject({ segment: { kind: 'staff', role: 'compliance' }, status: 'sent', recipients: 1 });
  });
});
