import { z } from 'zod';
import type { DocumentStore, UserAccounts } from '../../ports.js';
import type { Caller, Role } from '../../domain/caller.js';
import { ROLES, callerFromClaims, requireRole } from '../../domain/caller.js';
import { failedPrecondition, invalidArgument, notFound, permissionDenied } from '../../domain/errors.js';
import { paths } from '../../domain/paths.js';
import { staffRolesSchema } from '../../domain/users.js';
import { docId, noteText } from '../../domain/validation.js';
import type { CallLimit } from '../callLimits.js';
import type { AuditLog } from '../audit.js';
import { accountStateOf } from '../accounts.js';
import { STAFF_REASON_MAX } from '../staffAccess.js';
import { AUTH_SYNC, authAccountPages } from './authSync.js';

/** setStaffRoles's input: whose roles, the complete new set (an empty list removes every role), and why (audited). */
export const setStaffRolesSchema = z.strictObject({
  uid: docId('a user id'),
  roles: z
    .array(z.enum(ROLES, { error: `must be one of ${ROLES.join(', ')}` }))
    .max(ROLES.length, `must list at most ${ROLES.length} roles`)
    .refine((roles) => new Set(roles).size === roles.length, 'must not list a role twice'),
  reason: noteText(STAFF_REASON_MAX).pipe(z.string().min(1, 'must say why (it is audited)')),
});
export type SetStaffRolesInput = z.infer<typeof setStaffRolesSchema>;

/** Granting roles is rare: a slip in a script must not rewrite hundreds of accounts' claims. */
export const SET_STAFF_ROLES_LIMIT: CallLimit = { key: 'setStaffRoles', max: 60, windowMs: 60 * 60_000 };

export interface StaffRolesResult {
  uid: string;
  /**
   * The roles the account holds now, in ROLES order: the ones asked for, unless another admin's call set others
   * meanwhile (Auth's latest write wins, and the mirror follows it).
   */
  roles: Role[];
  /** True when the claims or the profile's mirror were changed by this call. */
  changed: boolean;
  /** False when the account has no profile (a backend identity, or not provisioned yet): only Auth holds the roles. */
  mirrored: boolean;
}

/** Claims as JSON with their keys sorted, so two equal claim sets compare equal. */
const canonical = (claims: Record<string, unknown>) =>
  JSON.stringify(
    Object.keys(claims)
      .sort()
      .map((key) => [key, claims[key]]),
  );

const sameRoles = (a: readonly string[] | undefined, b: readonly string[]) =>
  a !== undefined && a.length === b.length && a.every((role, i) => role === b[i]);

/**
 * The account's custom claims with `roles` as the caller roles and every other claim kept: a role is written as
 * `{role: true}` (what callerFromClaims reads first); the older `roles: [...]` list loses the caller roles (it could
 * otherwise grant back a role just removed) and keeps any other entry.
 */
export function claimsWithRoles(claims: Record<string, unknown>, roles: readonly Role[]): Record<string, unknown> {
  const next: Record<string, unknown> = { ...claims };
  for (const role of ROLES) delete next[role];
  if (Array.isArray(next.roles)) {
    const others = next.roles.filter((r) => !(ROLES as readonly unknown[]).includes(r));
    if (others.length > 0) next.roles = others;
    else delete next.roles;
  }
  for (const role of roles) next[role] = true;
  return next;
}

/**
 * Sets the caller-role claims (admin, compliance, service; src/domain/caller.ts) on a Firebase Auth account and
 * mirrors them onto `users/{uid}.staffRoles`, which code that sees no ID token reads (the notification limits' admin
 * row, announcement segments). Before this callable the claims were set outside the app (console scripts), and no
 * profile said who was staff.
 *
 * - Admins only. An admin cannot take away their own admin role (nor can anyone leave the project with none by
 *   mistake that way): another admin has to; adding or removing their other roles is allowed.
 * - Auth first, then the mirror with its audit entry in one transaction. Auth has no transactions; a failure between
 *   the two leaves the claims set and the mirror old, and the admin's retry (same input) finds the claims equal and
 *   writes the mirror. Idempotent: a call that changes nothing writes nothing and audits nothing.
 * - Other custom claims on the account are kept (claimsWithRoles).
 * - The roles reach the user's ID token at its next refresh (within the hour); until then callables still see the old
 *   token's roles. The mirror changes at once.
 * - A profile is never created here: the app creates `users/{uid}` after sign-up, and the rules refuse a client's
 *   profile that holds `staffRoles`, so an account without one gets the claims and `mirrored: false`.
 */
export class StaffRoles {
  constructor(
    private readonly store: DocumentStore,
    private readonly audit: AuditLog,
    private readonly accounts: UserAccounts,
  ) {}

  async set(caller: Caller, input: SetStaffRolesInput): Promise<StaffRolesResult> {
    requireRole(caller, 'admin');
    const roles = ROLES.filter((role) => input.roles.includes(role));
    if (input.uid === caller.uid && !roles.includes('admin'))
      throw invalidArgument('data.roles: you cannot remove your own admin role; another admin can', {
        fields: ['data.roles'],
      });
    const [self, account, state] = await Promise.all([
      this.accounts.getAccount(caller.uid),
      this.accounts.getAccount(input.uid),
      this.store.get(paths.accountState(input.uid)),
    ]);
    // The token's roles can be an hour old: an admin whose role was just removed must not use it to grant roles
    // (their own back, or anyone's). Auth's current claims decide.
    if (!self || !callerFromClaims(caller.uid, self.customClaims ?? {}).roles.has('admin'))
      throw permissionDenied('your admin role has been removed; sign in again');
    // An erased account gets no roles (its profile is gone; the tombstone keeps it from being re-created).
    if (accountStateOf(state) === 'deleted') throw failedPrecondition('data.uid: this account was deleted');
    if (!account) throw notFound('data.uid: no such user');
    const claims = account.customClaims ?? {};
    const before = ROLES.filter((role) => callerFromClaims(input.uid, claims).roles.has(role));
    const next = claimsWithRoles(claims, roles);
    // Compared whatever the keys' order (claimsWithRoles re-adds the role keys last).
    const claimsChanged = canonical(next) !== canonical(claims);
    if (claimsChanged && (await this.accounts.setCustomClaims(input.uid, next)) === 'missing')
      throw notFound('data.uid: no such user');

    return this.store.transaction(async (tx) => {
      const profile = await tx.get(paths.user(input.uid));
      // The mirror says what Auth holds now, read after the profile in this transaction, not this call's `roles`:
      // two admins' calls racing could otherwise leave the mirror of the first with the claims of the second. A call
      // whose transaction commits last read Auth after every claims write that preceded it, and a transaction that
      // read the profile before another call's mirror write retries (and reads Auth again).
      const current = await this.accounts.getAccount(input.uid);
      if (!current) throw notFound('data.uid: no such user');
      const held = ROLES.filter((role) => callerFromClaims(input.uid, current.customClaims ?? {}).roles.has(role));
      const mirrored = profile.exists;
      const mirror = mirrored ? staffRolesSchema.parse(profile.data?.staffRoles) : undefined;
      const mirrorChanged = mirrored && !sameRoles(mirror, held);
      if (mirrorChanged) tx.update(paths.user(input.uid), { staffRoles: held });
      const changed = claimsChanged || mirrorChanged;
      if (changed)
        this.audit.recordIn(tx, {
          actorUid: caller.uid,
          action: 'staff.roles_set',
          target: { type: 'user', id: input.uid },
          details: {
            roles: held,
            ...(sameRoles(held, roles) ? {} : { asked: roles }),
            before,
            reason: input.reason,
            claimsChanged,
            mirrored,
          },
        });
      return { uid: input.uid, roles: held, changed, mirrored };
    });
  }

  /**
   * Copies the role claims Auth holds onto every profile whose mirror says otherwise (scripts/mirror-staff-roles.ts):
   * for accounts given roles before setStaffRoles existed, or by an operator with the Admin SDK. Pages through Auth
   * (1,000 accounts a page); each profile that differs is rewritten in a transaction that re-reads it, with an audit
   * entry by `auth-sync`. Idempotent: a second pass writes nothing. Profiles never created are left alone.
   */
  async mirrorFromAuth(): Promise<{ scanned: number; mirrored: number }> {
    const totals = { scanned: 0, mirrored: 0 };
    for await (const page of authAccountPages(this.accounts)) {
      totals.scanned += page.length;
      const profiles = await this.store.getAll(page.map((a) => paths.user(a.uid)));
      for (const [i, listed] of page.entries()) {
        const rolesOf = (claims: Record<string, unknown> | undefined) =>
          ROLES.filter((role) => callerFromClaims(listed.uid, claims ?? {}).roles.has(role));
        const profile = profiles[i]!;
        if (
          !profile.exists ||
          sameRoles(staffRolesSchema.parse(profile.data?.staffRoles), rolesOf(listed.customClaims))
        )
          continue;
        // The page may be minutes old: a role set or removed through setStaffRoles since must not be undone here.
        const account = await this.accounts.getAccount(listed.uid);
        if (!account) continue;
        const roles = rolesOf(account.customClaims);
        // An account without roles and without a mirror needs none: only a mirror that exists and differs is fixed.
        if (roles.length === 0 && profile.data?.staffRoles === undefined) continue;
        const wrote = await this.store.transaction(async (tx) => {
          const current = await tx.get(paths.user(account.uid));
          if (!current.exists || sameRoles(staffRolesSchema.parse(current.data?.staffRoles), roles)) return false;
          tx.update(paths.user(account.uid), { staffRoles: roles });
          this.audit.recordIn(tx, {
            actorUid: AUTH_SYNC,
            action: 'staff.roles_mirrored',
            target: { type: 'user', id: account.uid },
            details: { roles },
          });
          return true;
        });
        if (wrote) totals.mirrored++;
      }
    }
    return totals;
  }
}
