import type { CallableRequest, CallableOptions, HttpsError } from 'firebase-functions/v2/https';
import type * as HttpsV2 from 'firebase-functions/v2/https';
import type { z } from 'zod';
import type { Access, Caller } from '../domain/caller.js';
import { callerFromClaims, hasRole } from '../domain/caller.js';
import { AlreadyExistsError, AppError, DocNotFoundError } from '../domain/errors.js';
import { requireActiveAccount } from '../app/accounts.js';
import type { CallLimit } from '../app/callLimits.js';
import { consumeCall } from '../app/callLimits.js';
import type { SecretName } from '../config.js';
import { REGION, secretParams } from './options.js';
import type { UseCases } from './runtime.js';
import { services } from './runtime.js';
import { lazyFunction } from './lazyFunction.js';

/**
 * v2/https (with the Admin SDK's token verification: most of a callable's cold start) is required when the first
 * callable is built, so an instance serving a trigger never loads it (lazyFunction.ts).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const https = () => require('firebase-functions/v2/https') as typeof HttpsV2;

export interface CallContext {
  caller: Caller;
  /** The use cases (not the adapters: permission checks and sequencing belong to the use case). */
  services: UseCases;
  request: CallableRequest<unknown>;
}

export type CallableSettings = Omit<
  CallableOptions,
  'region' | 'enforceAppCheck' | 'consumeAppCheckToken' | 'secrets'
> & {
  /** The secrets the use case may read (see SECRETS in options.ts). */
  secrets?: readonly SecretName[];
  /** What the caller's account must be (see `Access` in src/domain/caller.ts); `own` unless said otherwise. */
  access?: Access;
  /**
   * App Check: every callable requires a valid token from our apps (`enforce`, the default); `consume` also spends
   * it (replay protection: one limited-use token per call) for calls that cost money or reach other people at low
   * volume (phone verification, exports, creating conversations, adding members, erasure). High-volume calls
   * (sending messages, the notification center) enforce without consuming: limited-use tokens have exchange quotas.
   */
  appCheck?: 'enforce' | 'consume';
  /**
   * Per-user call limit (src/app/callLimits.ts): RESOURCE_EXHAUSTED with a retry hint beyond it. A loader when the
   * limit lives in a use-case module (loaded on the first call, like the schema).
   */
  limit?: CallLimit | (() => Promise<CallLimit>);
};

/**
 * App Check is enforced wherever the code is deployed. The Functions emulator (FUNCTIONS_EMULATOR=true) runs without
 * enforcement, so local apps, the emulator tier and the browser tier work without a debug provider; a token they do
 * send is still decoded there, and a consumed token's replay still refused. firebase-functions-test invokes the
 * handler directly (no HTTP layer), so the unit tier is unaffected either way.
 */
export const APP_CHECK_ENFORCED = process.env.FUNCTIONS_EMULATOR !== 'true';

/**
 * A callable's input schema, or (what the wrappers pass) a loader for it: the schema module, and zod with it, is
 * imported on the function's first call, not when the deploy surface is imported (`inputFrom` below).
 */
export type Input<S extends z.ZodType> = S | (() => Promise<S>);

/** `inputFrom(() => import('../app/x/inputs.js'), 'fooInput')`: that export (a schema, a call limit), loaded on the first call. */
export function inputFrom<M, K extends keyof M>(load: () => Promise<M>, name: K): () => Promise<M[K]> {
  let schema: Promise<M[K]> | undefined;
  return () => (schema ??= load().then((module) => module[name]));
}

/** zod and the validation helpers, loaded by the first call of any callable (Node caches the module after that). */
const validation = () => import('../domain/validation.js');

/**
 * A callable function. Before the handler runs, in this order:
 * 0. App Check (the SDK, before this code): UNAUTHENTICATED without a valid token from our apps; a replayed
 *    limited-use token on `appCheck: 'consume'` callables is refused here;
 * 1. Firebase Auth: UNAUTHENTICATED without a signed-in user;
 * 2. the account guard (`requireActiveAccount`): deleted or disabled accounts are refused (PERMISSION_DENIED),
 *    unprovisioned ones (no `users/{uid}`) too (FAILED_PRECONDITION), and `access: 'reach'` callables also refuse
 *    anonymous and email-unverified users;
 * 2b. the per-user call limit, when the callable has one (RESOURCE_EXHAUSTED with `retryAfterSeconds`);
 * 3. `data` is validated with zod after keys that could reach an object's prototype (`__proto__`, `constructor`,
 *    `prototype`) are refused: INVALID_ARGUMENT naming the field.
 * Use cases' AppErrors become HttpsErrors with the same code; anything else is INTERNAL without details (logged).
 * The answer leaves with its Dates as ISO-8601 strings (`toWire`).
 */
export function callable<S extends z.ZodType, R>(
  schema: Input<S>,
  handler: (data: z.output<S>, ctx: CallContext) => Promise<R>,
  settings: CallableSettings = {},
) {
  const { access = 'own', appCheck = 'enforce', limit, secrets, ...options } = settings;
  const consume = appCheck === 'consume';
  const shared = {
    region: REGION,
    enforceAppCheck: APP_CHECK_ENFORCED,
    ...(consume ? { consumeAppCheckToken: true } : {}),
    ...(secrets ? { secrets: secretParams(secrets) } : {}),
  };
  return lazyFunction(() =>
    https().onCall({ ...shared, ...options }, async (request) => {
      const { HttpsError } = https();
      if (!request.auth) throw new HttpsError('unauthenticated', 'sign in to call this function');
      // The SDK marks a limited-use token it has seen before; refusing it is ours to do.
      if (consume && request.app?.alreadyConsumed)
        throw new HttpsError('unauthenticated', 'this App Check token was already used: get a new limited-use token');
      const caller = callerFromClaims(request.auth.uid, request.auth.token as Record<string, unknown>);
      try {
        const [s, { parseInput, rejectUnsafeKeys }, resolved] = await Promise.all([
          services(),
          validation(),
          typeof schema === 'function' ? schema() : schema,
        ]);
        await requireActiveAccount(s.infra.store, caller, access);
        if (limit && !hasRole(caller, 'service')) {
          const callLimit = typeof limit === 'function' ? await limit() : limit;
          await consumeCall(s.infra.store, s.infra.clock, caller.uid, callLimit);
        }
        const raw = request.data ?? {};
        rejectUnsafeKeys(raw);
        const data = parseInput(resolved, raw);
        return toWire(await handler(data, { caller, services: s, request }));
      } catch (error) {
        throw await toHttpsError(error);
      }
    }),
  );
}

export async function toHttpsError(error: unknown): Promise<HttpsError> {
  const { HttpsError } = https();
  if (error instanceof HttpsError) return error;
  // The store's own errors name a document path: the client learns the code, not where things are kept.
  if (error instanceof DocNotFoundError) return new HttpsError('not-found', 'not found');
  if (error instanceof AlreadyExistsError) return new HttpsError('already-exists', 'already exists');
  if (error instanceof AppError) return new HttpsError(error.code, error.message, error.details);
  // The Error itself, so Error Reporting groups by where it was thrown (src/adapters/functionsLogger.ts).
  (await services()).infra.logger.error('callable failed', { error });
  return new HttpsError('internal', 'internal error');
}

/**
 * The answer as the client should receive it: every Date (deep, in arrays and plain objects) as its ISO-8601 string.
 * The callable protocol's encoder walks a Date's own entries (it has none) and sends `{}`; converting here, once,
 * means no use case has to remember it and the output contracts can promise `string` (ISO datetime). Other values
 * pass unchanged (class instances too: the encoder decides what they become). An invalid Date (whose ISO form
 * throws) leaves as null rather than failing an answer whose work is done.
 */
export function toWire<T>(value: T): T {
  return convert(value) as T;
}

function convert(value: unknown): unknown {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (Array.isArray(value)) return value.map(convert);
  if (value !== null && typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) return value;
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[key] = convert(v);
    return out;
  }
  return value;
}
