import { permissionDenied } from './errors.js';

/** Role claims on a Firebase Auth token that allow acting beyond one's own data. */
export const ROLES = ['admin', 'compliance', 'service'] as const;
export type Role = (typeof ROLES)[number];

/** The authenticated user (or backend identity) a use case acts for. */
export interface Caller {
  readonly uid: string;
  readonly roles: ReadonlySet<Role>;
}

/** Reads role claims from a decoded ID token: `{admin: true}` or `{roles: ['compliance']}` both count. */
export function callerFromClaims(uid: string, claims: Record<string, unknown>): Caller {
  const roles = new Set<Role>();
  const listed = Array.isArray(claims.roles) ? claims.roles : [];
  for (const role of ROLES) {
    if (claims[role] === true || listed.includes(role)) roles.add(role);
  }
  return { uid, roles };
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
