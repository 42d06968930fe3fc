import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { callable } from '../../../src/functions/callable.js';
import { permissionDenied } from '../../../src/domain/errors.js';
import { requireRole } from '../../../src/domain/caller.js';
import { call } from '../../support/callables.js';
import { bareWorld, testWorld } from '../../support/world.js';

// A callable defined here only to exercise the shared wrapper every real callable uses.
const echo = callable(
  z.object({ name: z.string().min(1), count: z.number().int().positive() }),
  async (data, { caller }) => {
    if (data.name === 'forbidden') throw permissionDenied('not for you');
    if (data.name === 'admin-only') requireRole(caller, 'admin');
    if (data.name === 'boom') throw new Error('secret internals');
    return { uid: caller.uid, roles: [...caller.roles], name: data.name };
  },
);

/** Services whose store holds a profile for u1 (the account guard refuses callers without one). */
async function withProfile() {
  await testWorld({ users: [{ uid: 'u1', displayName: 'User One' }], install: true });
}

describe('callable wrapper', () => {
  beforeEach(withProfile);
  afterEach(() => bareWorld({ install: true }));

  it('rejects unauthenticated calls', async () => {
    await expect(call(echo, { name: 'a', count: 1 })).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it('rejects bad data with INVALID_ARGUMENT naming each field', async () => {
    const error = await call(echo, { name: '', count: 'x' }, { uid: 'u1' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'invalid-argument' });
    expect((error as Error).message).toMatch(/data\.name/);
    expect((error as Error).message).toMatch(/data\.count/);
  });

  it('passes the caller and its role claims to the use case', async () => {
    await expect(call(echo, { name: 'admin-only', count: 1 }, { uid: 'u1', roles: ['admin'] })).resolves.toEqual({
      uid: 'u1',
      roles: ['admin'],
      name: 'admin-only',
    });
    await expect(call(echo, { name: 'admin-only', count: 1 }, { uid: 'u1' })).rejects.toMatchObject({
      code: 'permission-denied',
    });
  });

  it('maps AppErrors to the same code and hides unexpected errors as INTERNAL', async () => {
    await expect(call(echo, { name: 'forbidden', count: 1 }, { uid: 'u1' })).rejects.toMatchObject({
      code: 'permission-denied',
      message: 'not for you',
    });
    const error = await call(echo, { name: 'boom', count: 1 }, { uid: 'u1' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'internal' });
    expect((error as Error).message).not.toMatch(/secret internals/);
  });
});
