import type { CallableRequest, CallableOptions } from 'firebase-functions/v2/https';
import { HttpsError, onCall } from 'firebase-functions/v2/https';
import type { z } from 'zod';
import type { Caller } from '../domain/caller.js';
import { callerFromClaims } from '../domain/caller.js';
import { AppError } from '../domain/errors.js';
import { parseInput } from '../domain/validation.js';
import type { Services } from '../composition.js';
import { REGION } from './options.js';
import { services } from './runtime.js';

export interface CallContext {
  caller: Caller;
  services: Services;
  request: CallableRequest<unknown>;
}

/**
 * A callable function: requires Firebase Auth (UNAUTHENTICATED otherwise), validates `data` with zod
 * (INVALID_ARGUMENT naming the field), and maps the use cases' AppErrors to HttpsErrors with the same code.
 */
export function callable<S extends z.ZodType, R>(
  schema: S,
  handler: (data: z.output<S>, ctx: CallContext) => Promise<R>,
  options: Omit<CallableOptions, 'region'> = {},
) {
  return onCall({ region: REGION, ...options }, async (request) => {
    if (!request.auth) throw new HttpsError('unauthenticated', 'sign in to call this function');
    const caller = callerFromClaims(request.auth.uid, request.auth.token as Record<string, unknown>);
    try {
      const data = parseInput(schema, request.data ?? {});
      return await handler(data, { caller, services: services(), request });
    } catch (error) {
      throw toHttpsError(error);
    }
  });
}

export function toHttpsError(error: unknown): HttpsError {
  if (error instanceof HttpsError) return error;
  if (error instanceof AppError) return new HttpsError(error.code, error.message, error.details);
  services().infra.logger.error('callable failed', { error: error instanceof Error ? error.stack ?? error.message : String(error) });
  return new HttpsError('internal', 'internal error');
}
