import { z } from 'zod';
import type { AuthAccount, Clock, DocData, DocumentStore, Logger, UserAccounts } from '../../ports.js';
import { fieldOps } from '../../ports.js';
import type { Caller } from '../../domain/caller.js';
import { requireRole } from '../../domain/caller.js';
import { failedPrecondition, notFound } from '../../domain/errors.js';
import { paths } from '../../domain/paths.js';
import { authEmailSchema, emailStatusPatch } from '../../domain/users.js';
import { docId } from '../../domain/validation.js';
import type { CallLimit } from '../callLimits.js';
import type { AuditLog } from '../audit.js';
import { accountStateOf } from '../accounts.js';
import { AUTH_SYNC } from './authSync.js';

/** refreshEmailStatus's input: nothing (the caller's own account), or, for admins and backends, whose. */
export const refreshEmailStatusSchema = z.strictObject({ uid: docId('a user id').optional() });
export type RefreshEmailStatusInput = z.infer<typeof refreshEmailStatusSchema>;

/** A client calls it after sign-in and after the user verifies or changes the address: a few times a session. */
export const REFRESH_EMAIL_LIMIT: CallLimit = { key: 'refreshEmailStatus', max: 30, windowMs: 60 * 60_000 };

/**
 * What started a sync: the Auth account's creation, a profile write, the client's refresh after verifying, or the
 * daily pass over every Auth account (AccountAdmin.reconcile), which catches what no client refreshed.
 */
export type EmailSyncSource = 'auth-created' | 'profile-written' | 'refresh' | 'daily';

export type EmailSyncResult =
  | { outcome: 'no-auth-account' }
  | { outcome: 'no-profile' }
  | { outcome: 'unchanged' | 'updated'; email: string | null; emailVerified: boolean };

const authEmailOf = (account: AuthAccount) =>
  authEmailSchema.parse({ email: account.email, emailVerified: account.emailVerified });

/**
 * Keeps `users/{uid}.email` and `emailVerified` equal to what Firebase Auth holds, which email delivery trusts
 * (`emailVerified` false: no email is sent; the address is the one the email channel reads at send time). Auth has no
 * event for "verified" or "changed address", so four paths lead here, each reading the account from Auth with the
 * Admin SDK (never the client's word or the ID token's claims, which may be an hour old):
 * - `onAuthUserCreated` (the v1 Auth trigger), for a profile a backend wrote before the account existed;
 * - `onUserProfileWritten`, when a profile is created or its `email` changes (the app creates the profile after
 *   sign-up, and the rules let an unverified user edit `email`: Auth's address replaces what the client wrote);
 * - `refreshEmailStatus`, which the app calls after `user.reload()` once the user has verified or changed the address;
 * - the daily `syncAccountStates` pass (AccountAdmin.reconcile: `apply` on each listed account that differs), so an
 *   address changed in Auth stops receiving mail within a day even when no app ever calls the refresh.
 * Each path is idempotent: it writes only what differs from Auth, in a transaction that re-reads the profile, with an
 * audit entry naming what changed (not the address). Profiles without an Auth account (backend fixtures) and erased
 * accounts are left alone.
 */
export class EmailStatusSync {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    private readonly accounts: UserAccounts,
    private readonly logger: Logger,
  ) {}

  /** Copies Auth's address and verification onto the profile; `actor` is who asked (audited). */
  async sync(uid: string, source: EmailSyncSource, actor = AUTH_SYNC): Promise<EmailSyncResult> {
    const account = await this.accounts.getAccount(uid);
    if (!account) return { outcome: 'no-auth-account' };
    return this.apply(account, source, actor);
  }

  /**
   * Whether a profile (as read, outside a transaction) disagrees with this Auth account: a pass over many accounts
   * calls `apply`, and so opens a transaction, only for those.
   */
  static differs(profile: DocData | undefined, account: AuthAccount): boolean {
    return profile !== undefined && emailStatusPatch(profile, authEmailOf(account)) !== undefined;
  }

  /**
   * `sync` for an account already read from Auth (a page of listAccounts in the daily pass): the same transaction,
   * which re-reads the profile, so an account read a little earlier still writes only what differs from it.
   */
  async apply(account: AuthAccount, source: EmailSyncSource, actor = AUTH_SYNC): Promise<EmailSyncResult> {
    const { uid } = account;
    const auth = authEmailOf(account);
    if (account.email !== undefined && auth.email === undefined)
      this.logger.warn('Auth holds an address the profile schema refuses: treated as none', { uid });
    const result = await this.store.transaction(async (tx): Promise<EmailSyncResult> => {
      const [profile, state] = await tx.getAll([paths.user(uid), paths.accountState(uid)]);
      // Erasure deletes the profile; a sync that lost the race must not bring the address back.
      if (!profile?.exists || accountStateOf(state) === 'deleted') return { outcome: 'no-profile' };
      const current = profile.data ?? {};
      const patch = emailStatusPatch(current, auth);
      const status = { email: auth.email ?? null, emailVerified: auth.emailVerified };
      if (!patch) return { outcome: 'unchanged', ...status };
      const update: DocData = {
        email: patch.email ?? fieldOps.delete(),
        emailVerified: patch.emailVerified,
        emailSyncedAt: this.clock.now(),
      };
      tx.update(paths.user(uid), update);
      this.audit.recordIn(tx, {
        actorUid: actor,
        action: 'user.email_synced',
        target: { type: 'user', id: uid },
        // Whether the address changed and what Auth says, never the address itself (the audit trail outlives it).
        details: {
          source,
          addressChanged: current.email !== patch.email,
          emailVerified: patch.emailVerified,
          wasVerified: current.emailVerified === true,
        },
      });
      return { outcome: 'updated', ...status };
    });
    if (result.outcome === 'updated') this.logger.info('profile email synced from Firebase Auth', { uid, source });
    return result;
  }

  /** The profile trigger: on creation, and when `email` changed (anything else the client edits is not Auth's). */
  async onProfileWritten(uid: string, before: DocData | undefined, after: DocData | undefined): Promise<void> {
    if (!after) return;
    if (before && before.email === after.email && before.emailVerified === after.emailVerified) return;
    await this.sync(uid, 'profile-written');
  }

  /**
   * The callable: the caller's own account (after verifying or changing the address in Auth, and on sign-in), or any
   * account for admins and backends (support tooling). Answers what the profile now says.
   */
  async refresh(
    caller: Caller,
    input: RefreshEmailStatusInput,
  ): Promise<{ uid: string; email: string | null; emailVerified: boolean; changed: boolean }> {
    const uid = input.uid ?? caller.uid;
    if (uid !== caller.uid) requireRole(caller, 'admin', 'service');
    const result = await this.sync(uid, 'refresh', caller.uid);
    if (result.outcome === 'no-auth-account') throw notFound('data.uid: no such user');
    if (result.outcome === 'no-profile')
      throw failedPrecondition('this account has no profile yet: the app creates it after sign-up');
    return { uid, email: result.email, emailVerified: result.emailVerified, changed: result.outcome === 'updated' };
  }
}
