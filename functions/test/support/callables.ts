import functionsTest from 'firebase-functions-test';
import type { CallableFunction } from 'firebase-functions/v2/https';
import type { Role } from '../../src/domain/caller.js';

const fft = functionsTest();

export interface AsUser {
  uid: string;
  roles?: Role[];
}

/**
 * Invokes a v2 callable the way the Functions runtime does (through firebase-functions-test), as `user`
 * (or unauthenticated when `user` is undefined). Role claims go on the token like custom claims would.
 */
export async function call<R>(fn: CallableFunction<unknown, unknown>, data: unknown, user?: AsUser): Promise<R> {
  const wrapped = fft.wrap(fn as never) as unknown as (request: unknown) => Promise<R>;
  const token = Object.fromEntries((user?.roles ?? []).map((role) => [role, true]));
  return wrapped({
    data,
    rawRequest: {} as never,
    acceptsStreaming: false,
    ...(user ? { auth: { uid: user.uid, token: { uid: user.uid, ...token } } } : {}),
  });
}
