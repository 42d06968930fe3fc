import { beforeEach, describe, expect, it } from 'vitest';
import type { CallableFunction } from 'firebase-functions/v2/https';
import type { MemoryInfra } from '../../../src/composition/memory.js';
import {
  checkPhoneVerification,
  registerDevice,
  startPhoneVerification,
  unregisterDevice,
} from '../../../src/functions/delivery.js';
import { paths } from '../../../src/domain/paths.js';
import { call } from '../../support/callables.js';
import { NOW } from '../../support/delivery.js';
import { testWorld } from '../../support/world.js';

const fn = (f: unknown) => f as CallableFunction<unknown, unknown>;
const TOKEN = 'fcm-token-maya-iphone-0123456789';

let infra: MemoryInfra;
beforeEach(async () => {
  ({ infra } = await testWorld({ now: NOW, users: ['u1', 'u2'], install: true }));
});

describe('device registry callables', () => {
  it('require sign-in and validate the platform', async () => {
    await expect(
      call(fn(registerDevice), { token: TOKEN, platform: 'ios', appVersion: '3.4.1', locale: 'en' }),
    ).rejects.toMatchObject({ code: 'unauthenticated' });
    const error = await call(
      fn(registerDevice),
      { token: TOKEN, platform: 'symbian', appVersion: '3.4.1', locale: 'en' },
      { uid: 'u1' },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'invalid-argument' });
    expect((error as Error).message).toMatch(/data\.platform/);
  });

  it('registers under the caller, refreshes lastSeenAt, de-duplicates a token across devices and users', async () => {
    const first = await call<{ deviceSecret?: string }>(
      fn(registerDevice),
      { token: TOKEN, platform: 'ios', appVersion: '3.4.1', locale: 'en', deviceId: 'maya-iphone' },
      { uid: 'u1' },
    );
    expect(first.deviceSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    infra.clock.advance(60_000);
    await call(
      fn(registerDevice),
      { token: TOKEN, platform: 'ios', appVersion: '3.5.0', locale: 'en', deviceId: 'maya-iphone' },
      { uid: 'u1' },
    );
    const device = (await infra.store.get(paths.device('u1', 'maya-iphone'))).data!;
    expect(device).toMatchObject({
      token: TOKEN,
      appVersion: '3.5.0',
      createdAt: new Date(NOW),
      lastSeenAt: new Date(Date.parse(NOW) + 60_000),
    });

    // same token, reinstalled app (new id), then another account on the same phone
    await call(
      fn(registerDevice),
      { token: TOKEN, platform: 'ios', appVersion: '3.5.0', locale: 'en', deviceId: 'maya-iphone-2' },
      { uid: 'u1' },
    );
    expect(await infra.store.listIds(paths.devices('u1'))).toEqual(['maya-iphone-2']);
    // another account on the same phone: the app proves it holds the device with the secret it received
    await call(
      fn(registerDevice),
      { token: TOKEN, platform: 'ios', appVersion: '3.5.0', locale: 'de', deviceSecret: first.deviceSecret },
      { uid: 'u2' },
    );
    expect(await infra.store.listIds(paths.devices('u1'))).toEqual([]);
    expect(await infra.store.listIds(paths.devices('u2'))).toHaveLength(1);
  });

  it("unregisters only the caller's own device", async () => {
    await call(
      fn(registerDevice),
      { token: TOKEN, platform: 'web', appVersion: '3.4.0', locale: 'en', deviceId: 'maya-web' },
      { uid: 'u1' },
    );
    await expect(call(fn(unregisterDevice), { deviceId: 'maya-web' }, { uid: 'u2' })).resolves.toEqual({ removed: 0 });
    await expect(call(fn(unregisterDevice), { token: TOKEN }, { uid: 'u1' })).resolves.toEqual({ removed: 1 });
    expect(await infra.store.listIds(paths.devices('u1'))).toEqual([]);
  });
});

describe('phone verification callables', () => {
  it('normalises to E.164, verifies with the code, then marks the phone verified', async () => {
    await infra.store.set(paths.user('u1'), { displayName: 'Maya' });
    await expect(
      call(fn(startPhoneVerification), { phone: '(212) 555-0101', country: 'US' }, { uid: 'u1' }),
    ).resolves.toEqual({ phone: '+12125550101', status: 'pending' });
    await expect(call(fn(checkPhoneVerification), { code: '000000' }, { uid: 'u1' })).resolves.toEqual({
      verified: false,
    });
    expect((await infra.store.get(paths.user('u1'))).data).not.toHaveProperty('phoneVerified');
    const code = infra.delivery.smsVerifier.codes.get('+12125550101')!;
    await expect(call(fn(checkPhoneVerification), { code }, { uid: 'u1' })).resolves.toEqual({
      verified: true,
      phone: '+12125550101',
    });
    expect((await infra.store.get(paths.user('u1'))).data).toMatchObject({
      displayName: 'Maya',
      phone: '+12125550101',
      phoneVerified: true,
    });
  });

  it('rejects numbers libphonenumber finds invalid, naming the field', async () => {
    for (const phone of ['+1 212 555', '12345', '+49 30 1234567']) {
      const error = await call(fn(startPhoneVerification), { phone }, { uid: 'u1' }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'invalid-argument' });
      expect((error as Error).message).toMatch(/data\.phone/);
    }
    expect(infra.delivery.smsVerifier.codes.size).toBe(0);
  });

  it('refuses a check with no verification started', async () => {
    await expect(call(fn(checkPhoneVerification), { code: '123456' }, { uid: 'u1' })).rejects.toMatchObject({
      code: 'failed-precondition',
    });
  });
});
