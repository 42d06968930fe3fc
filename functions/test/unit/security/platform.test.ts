import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createGroup, sendMessage } from '../../../src/functions/messaging.js';
import { checkPhoneVerification, startPhoneVerification } from '../../../src/functions/delivery.js';
import { getSearchKey } from '../../../src/functions/search.js';
import { APP_CHECK_ENFORCED } from '../../../src/functions/callable.js';
import { CALL_LIMITS } from '../../../src/app/callLimits.js';
import { useServices } from '../../../src/functions/runtime.js';
import type { World } from './support.js';
import { expectRefused, invoke, world } from './support.js';

/** Platform protections: App Check (enforced; replay-protected where calls cost money or reach people), rate limits. */

let w: World;
beforeEach(async () => {
  w = await world(['alice', 'bob']);
});
afterAll(() => useServices(undefined));

describe('App Check', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('is enforced wherever the code is deployed, and only the Functions emulator runs without it', async () => {
    expect(APP_CHECK_ENFORCED).toBe(true);
    vi.stubEnv('FUNCTIONS_EMULATOR', 'true');
    vi.resetModules();
    const inEmulator = await import('../../../src/functions/callable.js');
    expect(inEmulator.APP_CHECK_ENFORCED).toBe(false);
  });

  it('a replayed limited-use token is refused on calls that consume it, and nothing changes', async () => {
    const app = { appId: '1:123:ios:abc' };
    await expectRefused(
      w,
      () =>
        invoke(createGroup, { title: 'G', memberIds: ['bob'] }, { uid: 'alice' }, { ...app, alreadyConsumed: true }),
      'unauthenticated',
      'already used',
    );
    await expectRefused(
      w,
      () =>
        invoke(startPhoneVerification, { phone: '+12125550101' }, { uid: 'alice' }, { ...app, alreadyConsumed: true }),
      'unauthenticated',
      'already used',
    );
    const { conversationId } = await invoke<{ conversationId: string }>(
      createGroup,
      { title: 'G', memberIds: ['bob'] },
      { uid: 'alice' },
      { ...app, alreadyConsumed: false },
    );
    // High-volume calls enforce App Check without consuming tokens: the flag does not concern them.
    await expect(
      invoke(
        sendMessage,
        { conversationId, type: 'text', text: 'hi', clientMessageId: 'c1' },
        { uid: 'alice' },
        { ...app, alreadyConsumed: true },
      ),
    ).resolves.toMatchObject({ duplicate: false });
  });
});

describe('per-user rate limits', () => {
  it('createGroup: beyond the hourly limit RESOURCE_EXHAUSTED with a retry hint, then allowed again', async () => {
    const { max } = CALL_LIMITS.createGroup;
    for (let i = 0; i < max; i++) await invoke(createGroup, { title: `G${i}`, memberIds: ['bob'] }, { uid: 'alice' });
    const error = (await expectRefused(
      w,
      () => invoke(createGroup, { title: 'one too many', memberIds: ['bob'] }, { uid: 'alice' }),
      'resource-exhausted',
      'try again in',
    )) as Error & {
      details?: { retryAfterSeconds: number };
    };
    expect(error.details?.retryAfterSeconds).toBe(3600);
    // Another user has their own allowance.
    await expect(invoke(createGroup, { title: 'Bob’s', memberIds: ['alice'] }, { uid: 'bob' })).resolves.toMatchObject({
      created: true,
    });
    w.infra.clock.advance(3_600_000);
    await expect(
      invoke(createGroup, { title: 'next hour', memberIds: ['bob'] }, { uid: 'alice' }),
    ).resolves.toMatchObject({ created: true });
  });

  it('checkPhoneVerification: guesses are limited whatever they return', async () => {
    await invoke(startPhoneVerification, { phone: '+12125550101' }, { uid: 'alice' });
    for (let i = 0; i < CALL_LIMITS.checkPhoneVerification.max; i++) {
      await expect(invoke(checkPhoneVerification, { code: String(100000 + i) }, { uid: 'alice' })).resolves.toEqual({
        verified: false,
      });
    }
    const code = w.infra.delivery.smsVerifier.codes.get('+12125550101')!;
    await expectRefused(
      w,
      () => invoke(checkPhoneVerification, { code }, { uid: 'alice' }),
      'resource-exhausted',
      'try again in',
    );
  });

  it('backend identities are not limited by the per-user limits', async () => {
    for (let i = 0; i <= CALL_LIMITS.searchKey.max; i++)
      await invoke(getSearchKey, {}, { uid: 'svc', roles: ['service'] });
  });
});
