import functionsTest from 'firebase-functions-test';
import type { CallableFunction } from 'firebase-functions/v2/https';
import { expect } from 'vitest';
import type { Services } from '../../../src/composition/services.js';
import type { MemoryInfra } from '../../../src/composition/memory.js';
import type { Role } from '../../../src/domain/caller.js';
import { testWorld } from '../../support/world.js';

const fft = functionsTest();

/** Who calls: a uid, role claims, and any other ID-token claims (email, email_verified, firebase.sign_in_provider). */
export interface Who {
  uid: string;
  roles?: Role[];
  claims?: Record<string, unknown>;
}

/**
 * Invokes a callable through its real wrapper (firebase-functions-test), as `who` (unauthenticated when undefined);
 * `app` is the verified App Check data the SDK would attach (`alreadyConsumed` on replayed limited-use tokens).
 */
export async function invoke<R = unknown>(
  fn: unknown,
  data: unknown,
  who?: Who,
  app?: { appId: string; alreadyConsumed?: boolean },
): Promise<R> {
  const wrapped = fft.wrap(fn as CallableFunction<unknown, unknown> as never) as unknown as (
    request: unknown,
  ) => Promise<R>;
  const roles = Object.fromEntries((who?.roles ?? []).map((role) => [role, true]));
  return wrapped({
    data,
    rawRequest: {} as never,
    acceptsStreaming: false,
    ...(app
      ? {
          app: {
            appId: app.appId,
            token: { app_id: app.appId },
            ...(app.alreadyConsumed === undefined ? {} : { alreadyConsumed: app.alreadyConsumed }),
          },
        }
      : {}),
    ...(who ? { auth: { uid: who.uid, token: { uid: who.uid, ...roles, ...(who.claims ?? {}) } } } : {}),
  });
}

export interface World {
  infra: MemoryInfra;
  services: Services;
  /**
   * Everything in the store, for "nothing changed" checks, except the per-user call counters (`callLimits/`), which
   * count every attempt by design.
   */
  dump(): Record<string, Record<string, unknown>>;
}

/** The test world (test/support/world.ts) installed for the callables, with a user of the default profile for each uid. */
export async function world(uids: string[], now = '2026-11-21T10:00:00.000Z'): Promise<World> {
  const { infra, services } = await testWorld({ now, users: uids, install: true });
  const dump = () =>
    Object.fromEntries(
      Object.entries(structuredClone(infra.store.dump())).filter(([path]) => !path.startsWith('callLimits/')),
    ) as Record<string, Record<string, unknown>>;
  return { infra, services, dump };
}

/**
 * The call is refused with `code`, its message names `field` when given (and never a document path), and the store
 * is exactly as it was.
 */
export async function expectRefused(
  w: World,
  call: () => Promise<unknown>,
  code: string,
  field?: string | RegExp,
): Promise<Error> {
  const before = w.dump();
  const error = (await call().then(
    (value) => {
      throw new Error(`expected ${code}, but the call succeeded with ${JSON.stringify(value)}`);
    },
    (e: unknown) => e,
  )) as Error & { code?: string };
  expect(error, error.message).toMatchObject({ code });
  if (field !== undefined)
    expect(error.message).toMatch(
      typeof field === 'string' ? new RegExp(field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : field,
    );
  expect(error.message).not.toMatch(/\b(users|conversations|deliveries|auditLog)\/[^\s]+/);
  expect(w.dump()).toEqual(before);
  return error;
}
