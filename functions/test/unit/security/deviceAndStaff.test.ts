import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { registerDevice, unregisterDevice } from '../../../src/functions/delivery.js';
import { getUserProfile } from '../../../src/functions/compliance.js';
import { getUnreadCount, listNotifications, markAllNotificationsRead } from '../../../src/functions/notifications.js';
import { useServices } from '../../../src/functions/runtime.js';
import { paths } from '../../../src/domain/paths.js';
import type { World } from './support.js';
import { expectRefused, invoke, world } from './support.js';

let w: World;
const TOKEN = 'fcm-token-victims-phone-0123456789abcdef';
const device = (extra: Record<string, unknown> = {}) => ({
  token: TOKEN,
  platform: 'android',
  appVersion: '5.0.0',
  locale: 'en-GB',
  ...extra,
});

beforeEach(async () => {
  w = await world(['victim', 'attacker', 'ops', 'officer']);
});
afterAll(() => useServices(undefined));

describe('moving a device token between accounts needs proof of holding the device', () => {
  it("registering someone else's token without the device secret is refused and changes nothing", async () => {
    const { deviceId, deviceSecret } = await invoke<{ deviceId: string; deviceSecret: string }>(
      registerDevice,
      device({ deviceId: 'pixel' }),
      { uid: 'victim' },
    );
    expect(deviceSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await expectRefused(
      w,
      () => invoke(registerDevice, device(), { uid: 'attacker' }),
      'permission-denied',
      'data.deviceSecret',
    );
    await expectRefused(
      w,
      () => invoke(registerDevice, device({ deviceSecret: 'A'.repeat(43) }), { uid: 'attacker' }),
      'permission-denied',
      'data.deviceSecret',
    );
    expect(await w.infra.store.listIds(paths.devices('victim'))).toEqual([deviceId]);
    // The secret is stored only as a hash.
    expect(JSON.stringify(w.dump())).not.toContain(deviceSecret);
  });

  it('the app on the device (which holds the secret) moves it to the account now signed in', async () => {
    const { deviceSecret } = await invoke<{ deviceSecret: string }>(registerDevice, device({ deviceId: 'pixel' }), {
      uid: 'victim',
    });
    await expect(
      invoke(registerDevice, device({ deviceId: 'pixel', deviceSecret }), { uid: 'attacker' }),
    ).resolves.toEqual({ deviceId: 'pixel' });
    expect(await w.infra.store.listIds(paths.devices('victim'))).toEqual([]);
    expect(await w.infra.store.listIds(paths.devices('attacker'))).toEqual(['pixel']);
    // The same account re-registering needs no proof, and gets no new secret.
    await expect(invoke(registerDevice, device({ deviceId: 'pixel' }), { uid: 'attacker' })).resolves.toEqual({
      deviceId: 'pixel',
    });
  });

  it('a registration made before device secrets existed cannot be moved; its owner re-registering mints the secret', async () => {
    const now = new Date('2026-01-01T00:00:00Z');
    await w.infra.store.set(paths.device('victim', 'old-phone'), {
      deviceId: 'old-phone',
      token: TOKEN,
      platform: 'android',
      appVersion: '4.0.0',
      locale: 'en',
      lastSeenAt: now,
      createdAt: now,
    });
    await expectRefused(
      w,
      () => invoke(registerDevice, device(), { uid: 'attacker' }),
      'permission-denied',
      'data.deviceSecret',
    );
    await expectRefused(
      w,
      () => invoke(registerDevice, device({ deviceSecret: 'B'.repeat(43) }), { uid: 'attacker' }),
      'permission-denied',
      'data.deviceSecret',
    );

    const { deviceSecret } = await invoke<{ deviceSecret?: string }>(
      registerDevice,
      device({ deviceId: 'old-phone' }),
      { uid: 'victim' },
    );
    expect(deviceSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // from now on the device can prove itself, like any other
    await expect(
      invoke(registerDevice, device({ deviceId: 'old-phone', deviceSecret }), { uid: 'attacker' }),
    ).resolves.toEqual({ deviceId: 'old-phone' });
    expect(await w.infra.store.listIds(paths.devices('victim'))).toEqual([]);
  });

  it("unregistering by token only ever touches the caller's own devices", async () => {
    await invoke(registerDevice, device({ deviceId: 'pixel' }), { uid: 'victim' });
    await expect(invoke(unregisterDevice, { token: TOKEN }, { uid: 'attacker' })).resolves.toEqual({ removed: 0 });
    expect(await w.infra.store.listIds(paths.devices('victim'))).toEqual(['pixel']);
  });
});

describe('staff access goes through audited callables', () => {
  const staffEntries = async () =>
    (await w.infra.store.query('auditLog')).map((d) => d.data!).filter((d) => String(d.action).startsWith('staff.'));

  it("getUserProfile: admins and compliance read a user's private profile with a reason, audited", async () => {
    await expectRefused(
      w,
      () => invoke(getUserProfile, { uid: 'victim', reason: 'curious' }, { uid: 'attacker' }),
      'permission-denied',
    );
    await expectRefused(
      w,
      () => invoke(getUserProfile, { uid: 'victim' }, { uid: 'officer', roles: ['compliance'] }),
      'invalid-argument',
      'data.reason',
    );
    await expectRefused(
      w,
      () => invoke(getUserProfile, { uid: 'victim', reason: '   ' }, { uid: 'officer', roles: ['compliance'] }),
      'invalid-argument',
      'data.reason',
    );
    const profile = await invoke<Record<string, unknown>>(
      getUserProfile,
      { uid: 'victim', reason: 'chargeback dispute 77' },
      { uid: 'officer', roles: ['compliance'] },
    );
    expect(profile).toMatchObject({ uid: 'victim', email: 'victim@example.com' });
    expect(await staffEntries()).toEqual([
      expect.objectContaining({
        actorUid: 'officer',
        action: 'staff.user_profile_read',
        target: { type: 'user', id: 'victim' },
        details: { reason: 'chargeback dispute 77', roles: ['compliance'] },
      }),
    ]);
  });

  it("an admin's reads and changes of another user's notification center are audited, each with its reason", async () => {
    await expectRefused(
      w,
      () => invoke(listNotifications, { uid: 'victim' }, { uid: 'ops', roles: ['admin'] }),
      'invalid-argument',
      'data.reason',
    );
    await invoke(listNotifications, { uid: 'victim', reason: 'ticket 12' }, { uid: 'ops', roles: ['admin'] });
    await invoke(getUnreadCount, { uid: 'victim', reason: 'ticket 12' }, { uid: 'ops', roles: ['admin'] });
    await invoke(markAllNotificationsRead, { uid: 'victim', reason: 'ticket 12' }, { uid: 'ops', roles: ['admin'] });
    expect((await staffEntries()).map((e) => e.action).sort()).toEqual([
      'staff.notifications_list',
      'staff.notifications_mark_all_read',
      'staff.notifications_unread_count',
    ]);
    // A user's own calls are not staff access.
    await invoke(listNotifications, {}, { uid: 'victim' });
    expect(await staffEntries()).toHaveLength(3);
  });
});
