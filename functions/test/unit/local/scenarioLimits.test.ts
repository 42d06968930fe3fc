import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryId } from '../../../src/domain/delivery.js';
import { LIMITS } from '../../../src/domain/notifications/limits.js';
import { paths } from '../../../src/domain/paths.js';
import type { LocalSystem } from '../../../src/local/localSystem.js';
import { startLocalSystem } from '../../../src/local/localSystem.js';
import type { ScenarioResult } from '../../../src/local/scenario.js';
import { SCENARIO_START, runScenario } from '../../../src/local/scenario.js';
import { LIMIT_USERS, counterOf } from '../../../src/local/scenarioLimits.js';

/** `npm start`'s limits-per-role step on its own, asserting on what the system stored (not on the transcript). */
let system: LocalSystem;
let result: ScenarioResult;

beforeAll(async () => {
  system = await startLocalSystem({ now: SCENARIO_START });
  result = await runScenario(system, { only: ['limitsPerRole'] });
}, 60_000);

afterAll(() => system?.stop());

const profile = async (uid: string) => (await system.store.get(paths.user(uid))).data;

describe('npm start: limits per role', () => {
  it('runs without a problem', () => {
    expect(result.problems).toEqual([]);
    expect(result.steps.map((s) => s.id)).toEqual(['limitsPerRole']);
  });

  it('setStaffRoles set the admin claim in Auth and its mirror, audited once; the listing made Jonas a seller', async () => {
    expect((await system.infra.accounts.getAccount(LIMIT_USERS.admin))?.customClaims).toEqual({ admin: true });
    expect(await profile(LIMIT_USERS.admin)).toMatchObject({ staffRoles: ['admin'] });
    const audit = (await system.store.query('auditLog')).filter((d) => d.data?.action === 'staff.roles_set');
    expect(audit.map((d) => d.data?.target)).toEqual([{ type: 'user', id: LIMIT_USERS.admin }]);
    expect(await profile(LIMIT_USERS.seller)).toMatchObject({ kind: 'collector', sells: true });
    expect((await profile(LIMIT_USERS.buyer))?.sells).toBeUndefined();
  });

  it("each role's in-app counter carries that role's row of the table", async () => {
    // Jonas and Nora also hear of the third order (in-app is not over their limits).
    const notified = { buyer: 1, seller: 2, creator: 1, admin: 2 };
    for (const [role, uid] of Object.entries(LIMIT_USERS) as Array<[keyof typeof LIMITS, string]>) {
      expect((await counterOf({ system }, uid, 'inApp')).data, uid).toMatchObject({
        count: notified[role],
        limit: LIMITS[role].inApp,
        role,
      });
    }
    expect((await counterOf({ system }, LIMIT_USERS.buyer, 'email')).data).toMatchObject({ limit: 50, role: 'buyer' });
    expect((await counterOf({ system }, LIMIT_USERS.creator, 'email')).data).toMatchObject({
      limit: 150,
      role: 'creator',
    });
  });

  it('at 100 emails the seller is suppressed as rate_limited, the admin still gets email (limit 200)', async () => {
    const email = async (uid: string) =>
      (await system.store.get(paths.delivery(deliveryId('paid_ord_bowl_3', uid, 'email')))).data;
    expect(await email(LIMIT_USERS.seller)).toMatchObject({ status: 'suppressed', reason: 'rate_limited' });
    expect((await email(LIMIT_USERS.admin))?.status).not.toBe('suppressed');
    expect((await counterOf({ system }, LIMIT_USERS.seller, 'email')).data).toMatchObject({ count: 100, limit: 100 });
    expect((await counterOf({ system }, LIMIT_USERS.admin, 'email')).data).toMatchObject({
      count: 101,
      limit: 200,
      role: 'admin',
    });
  });
});
