import { permissionDenied } from './errors.js';

/** Role claims on a Firebase Auth token that allow acting beyond one's own data. */
export const ROLES = ['admin', 'compliance', 'service'] as const;
export type Role = (typeof ROLES)[number];

/** How the caller signed in, from the ID token: what they may do before they are a full, verified account. */
export interface CallerIdentity {
  /** Firebase anonymous sign-in (`firebase.sign_in_provider == 'anonymous'`). */
  readonly anonymous: boolean;
  /**
   * The token carries an email Firebase has not verified (`email` without `email_verified: true`). Sign-ins without an
   * email (phone, whose number the sign-in itself verifies; custom tokens minted by our backends) are not unverified.
   */
  readonly unverifiedEmail: boolean;
}

/** The authenticated user (or backend identity) a use case acts for. */
export interface Caller {
  readonly uid: string;
  readonly roles: ReadonlySet<Role>;
  /** Absent for callers built in-process (tests, scripts): they count as verified, permanent accounts. */
  readonly identity?: CallerIdentity;
}

/** Reads role claims from a decoded ID token: `{admin: true}` or `{roles: ['compliance']}` both count. */
export function callerFromClaims(uid: string, claims: Record<string, unknown>): Caller {
  const roles = new Set<Role>();
  const listed = Array.isArray(claims.roles) ? claims.roles : [];
  for (const role of ROLES) {
    if (claims[role] === true || listed.includes(role)) roles.add(role);
  }
  return { uid, roles, identity: identityFromClaims(claims) };
}

export function identityFromClaims(claims: Record<string, unknown>): CallerIdentity {
  const firebase = claims.firebase as { sign_in_provider?: unknown } | undefined;
  const hasEmail = typeof claims.email === 'string' && claims.email.length > 0;
  return {
    anonymous: firebase?.sign_in_provider === 'anonymous',
    unverifiedEmail: hasEmail && claims.email_verified !== true,
  };
}

export const hasRole = (caller: Caller, ...roles: Role[]) => roles.some((role) => caller.roles.has(role));

export function requireRole(caller: Caller, ...roles: Role[]): void {
  if (!hasRole(caller, ...roles)) {
    throw permissionDenied(`requires the ${roles.join(' or ')} role`);
  }
}

/** A caller may act on their own data; admins (and the listed roles) on anyone's. */
export function requireSelfOr(caller: Caller, uid: string, ...roles: Role[]): void {
  if (caller.uid !== uid && !hasRole(caller, 'admin', ...roles)) {
    throw permissionDenied('you may only act on your own data');
  }
}

/**
 * What a callable asks of its caller's account (checked once, in the callable wrapper, before the use case runs):
 * - `own`: an active, provisioned account (`users/{uid}` exists, not deleted or disabled) acting on its own data at no
 *   real cost; anonymous and email-unverified users may (settings, notification center, blocks, read receipts, search
 *   in what they can already read, leaving a group, reporting, their GDPR export);
 * - `reach`: as `own`, and the caller is neither anonymous nor email-unverified: the call reaches other people
 *   (conversations, messages, membership, moderation) or costs money (SMS verification, exports);
 * - `erasure`: only a signed-in uid: deleting one's account works whatever state it is in (a half-finished erasure
 *   must be retryable, and an unprovisioned account may still hold data).
 * Callers with the `service` role are backend identities: they have no `users/{uid}` profile and no email.
 */
export const ACCESS_LEVELS = ['own', 'reach', 'erasure'] as const;
export type Access = (typeof ACCESS_LEVELS)[number];

/** Refuses anonymous and email-unverified callers for what reaches other people or costs money. */
export function requireTrustedIdentity(caller: Caller): void {
  if (hasRole(caller, 'service')) return;
  if (caller.identity?.anonymous)
    throw permissionDenied('sign in with a permanent account to do this (anonymous accounts cannot)');
  if (caller.identity?.unverifiedEmail) throw permissionDenied('verify your email address to do this');
}
