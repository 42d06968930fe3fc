import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { syncAccountStates } from '../../../src/functions/accounts.js';
import { useServices } from '../../../src/functions/runtime.js';
import type { MemoryUserAccounts } from '../../../src/adapters/memory/memoryUserAccounts.js';
import { paths } from '../../../src/domain/paths.js';
import type { World } from '../security/support.js';
import { world } from '../security/support.js';

/**
 * The deployed daily pass (syncAccountStates) copies what Firebase Auth holds and the app mirrors: the disabled flag
 * (accountStates) and, since the limits and staff announcements read it, the role claims (users/{uid}.staffRoles) for
 * claims set in the console or with the Admin SDK rather than through setStaffRoles.
 */
let w: World;
const auth = () => w.infra.accounts as MemoryUserAccounts;
const staffRoles = async (uid: string) => (await w.infra.store.get(paths.user(uid))).data?.staffRoles;
const run = () => syncAccountStates.run({ scheduleTime: '2026-11-21T04:10:00Z', jobName: 'syncAccountStates' });

beforeEach(async () => {
  w = await world(['ann', 'bob', 'cleo']);
  for (const uid of ['ann', 'bob', 'cleo']) auth().add(uid, false);
});
afterAll(() => useServices(undefined));

describe('syncAccountStates (daily)', () => {
  it('mirrors role claims set outside the app onto the profile, removes a revoked one, and a second run writes nothing', async () => {
    await auth().setCustomClaims('ann', { admin: true });
    await auth().setCustomClaims('bob', { compliance: true, tier: 'gold' });
    await w.infra.store.update(paths.user('cleo'), { staffRoles: ['admin'] }); // revoked in the console since
    auth().add('dora', true); // disabled in the console: the pass still copies that

    await run();
    expect(await staffRoles('ann')).toEqual(['admin']);
    expect(await staffRoles('bob')).toEqual(['compliance']);
    expect(await staffRoles('cleo')).toEqual([]);
    expect((await w.infra.store.get(paths.accountState('dora'))).data?.state).toBe('disabled');

    const audits = async () =>
      (await w.infra.store.query('auditLog')).filter((d) => d.data?.action === 'staff.roles_mirrored').length;
    expect(await audits()).toBe(3);
    await run();
    expect(await audits()).toBe(3);
  });
});
