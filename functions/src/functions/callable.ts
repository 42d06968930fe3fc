import type { CallableRequest, CallableOptions } from 'firebase-functions/v2/https';
import { HttpsError, onCall } from 'firebase-functions/v2/https';
import type { z } from 'zod';
import type { Access, Caller } from '../domain/caller.js';
import { callerFromClaims } from '../domain/caller.js';
import { AlreadyExistsError, AppError, DocNotFoundError } from '../domain/errors.js';
import { parseInput, rejectUnsafeKeys } from '../domain/validation.js';
import { requireActiveAccount } from '../app/accounts.js';
import type { Services } from '../composition.js';
import { REGION } from './options.js';
import { services } from './runtime.js';

export interface CallContext {
  caller: Caller;
  services: Services;
  request: CallableRequest<unknown>;
}

export type CallableSettings = Omit<CallableOptions, 'region'> & {
  /** What the caller's account must be (see `Access` in src/domain/caller.ts); `own` unless said otherwise. */
  access?: Access;
};

/**
 * A callable function. Before the handler runs, in this order:
 * 1. Firebase Auth: UNAUTHENTICATED without a signed-in user;
 * 2. the account guard (`requireActiveAccount`): deleted or disabled accounts are refused (PERMISSION_DENIED),
 *    unprovisioned ones (no `users/{uid}`) too (FAILED_PRECONDITION), and `access: 'reach'` callables also refuse
 *    anonymous and email-unverified users;
 * 3. `data` is validated with zod after keys that could reach an object's prototype (`__proto__`, `constructor`,
 *    `prototype`) are refused: INVALID_ARGUMENT naming the field.
 * Use cases' AppErrors become HttpsErrors with the same code; anything else is INTERNAL without details (logged).
 */
export function callable<S extends z.ZodType, R>(
  schema: S,
  handler: (data: z.output<S>, ctx: CallContext) => Promise<R>,
  settings: CallableSettings = {},
) {
  const { access = 'own', ...options } = settings;
  return onCall({ region: REGION, ...options }, async (request) => {
    if (!request.auth) throw new HttpsError('unauthenticated', 'sign in to call this function');
    const caller = callerFromClaims(request.auth.uid, request.auth.token as Record<string, unknown>);
    try {
      const s = services();
      await requireActiveAccount(s.infra.store, caller, access);
      const raw = request.data ?? {};
      rejectUnsafeKeys(raw);
      const data = parseInput(schema, raw);
      return await handler(data, { caller, services: s, request });
    } catch (error) {
      throw toHttpsError(error);
    }
  });
}

export function toHttpsError(error: unknown): HttpsError {
  if (error instanceof HttpsError) return error;
  // The store's own errors name a document path: the client learns the code, not where things are kept.
  if (error instanceof DocNotFoundError) return new HttpsError('not-found', 'not found');
  if (error instanceof AlreadyExistsError) return new HttpsError('already-exists', 'already exists');
  if (error instanceof AppError) return new HttpsError(error.code, error.message, error.details);
  services().infra.logger.error('callable failed', { error: error instanceof Error ? error.stack ?? error.message : String(error) });
  return new HttpsError('internal', 'internal error');
}
