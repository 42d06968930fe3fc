import type { z } from 'zod';
import type { Role } from '../domain/caller.js';

/**
 * What a callable promises its clients beyond its input schema: its answer (as the client receives it, after the
 * callable protocol's JSON encoding) and the errors its use case raises. The API reference (docs/API.md,
 * docs/api.json) and the typed client (client/) are generated from these and the input schemas
 * (functions/scripts/api-reference.ts); test/unit/api/outputs.test.ts parses real answers with `output`.
 * The errors every callable shares (sign-in, the account guard, the call limit, input validation) are added by the
 * generator from the wrapper's options, so they are not repeated here.
 */
export interface ErrorCase {
  /** The HttpsError code the client sees (`FunctionsError.code` is `functions/<code>`). */
  code:
    | 'invalid-argument'
    | 'not-found'
    | 'already-exists'
    | 'permission-denied'
    | 'failed-precondition'
    | 'resource-exhausted'
    | 'unavailable'
    | 'aborted';
  when: string;
}

export interface CallableContract {
  /** One sentence: what it does. */
  summary: string;
  /** Role claims that widen what the caller may do (`{admin: true}` or `{roles: ['admin']}` on the ID token). */
  roles?: readonly Role[];
  /** Who may call it, beyond the account level the wrapper enforces (own data, membership, roles). */
  who: string;
  output: z.ZodType;
  /**
   * What the reference states as the input when the wrapper's own schema is looser (publishEvent takes `unknown` and
   * leaves validation to the pipeline, which records rejections).
   */
  documentedInput?: z.ZodType;
  errors: readonly ErrorCase[];
}

export const defineContracts = <const T extends Record<string, CallableContract>>(contracts: T): T => contracts;

/** Errors of the callables that act on another user's data when the caller names one (`uid` + `reason`). */
export const ACTING_FOR_OTHERS: readonly ErrorCase[] = [
  { code: 'permission-denied', when: '`uid` names another user and the caller has no admin role' },
  { code: 'invalid-argument', when: '`uid` names another user without a `reason` (staff access is audited)' },
];
