import { z } from 'zod';
import type { Clock, DocumentStore, Logger, UserAccounts } from '../ports.js';
import type { Caller } from '../domain/caller.js';
import { requireRole } from '../domain/caller.js';
import { failedPrecondition, invalidArgument, notFound } from '../domain/errors.js';
import { paths } from '../domain/paths.js';
import { docId, noteText } from '../domain/validation.js';
import { STAFF_REASON_MAX } from './staffAccess.js';
import type { AuditLog } from './audit.js';
import { accountStateOf, markAccount } from './accounts.js';
import { AUTH_SYNC, authAccountPages } from './identity/authSync.js';
import { EmailStatusSync } from './identity/emailStatus.js';

/** Who wrote a state that reconciliation found in Firebase Auth (an operator used the console or the Admin SDK). */
export { AUTH_SYNC };

/**
 * A state younger than this is left alone by reconciliation when Auth disagrees: `setDisabled` writes the state
 * before it disables the Auth account, so for a moment the two disagree on purpose.
 */
export const RECONCILE_GRACE_MS = 10 * 60_000;

/** setAccountDisabled's input: whom, which way, and why (audited). */
export const setDisabledSchema = z.strictObject({
  uid: docId('a user id'),
  disabled: z.boolean(),
  reason: noteText(STAFF_REASON_MAX).pipe(z.string().min(1, 'must say why (it is audited)')),
});
export type SetDisabledInput = z.infer<typeof setDisabledSchema>;

/**
 * Disabling accounts, kept true in two places: Firebase Auth's `disabled` flag (no sign-in, no new ID tokens) and
 * `accountStates/{uid}` (which the callables' account guard and the rules read, so an ID token issued before the
 * account was disabled stops working at once, not within the hour it stays valid).
 *
 * Auth has no trigger for "user disabled", so two paths keep them together:
 * - `setDisabled` (admins, audited) writes both: the state first (the lock takes effect immediately), then Auth;
 * - `reconcile` (daily) pages through Auth and copies the flag an operator set in the console or through the Admin SDK.
 * A deleted account's state is final: neither path touches it.
 *
 * The same daily pass copies Auth's email and its verification onto profiles that disagree (EmailStatusSync.apply, the
 * logic refreshEmailStatus runs): a user who changed their address in Auth and whose app never called the refresh
 * stops getting mail at the old address within a day.
 */
export class AccountAdmin {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    private readonly accounts: UserAccounts,
    private readonly logger: Logger,
    private readonly emails: Pick<EmailStatusSync, 'apply'> = new EmailStatusSync(
      store,
      clock,
      audit,
      accounts,
      logger,
    ),
  ) {}

  async setDisabled(
    caller: Caller,
    input: SetDisabledInput,
  ): Promise<{ uid: string; disabled: boolean; changed: boolean }> {
    requireRole(caller, 'admin');
    if (input.uid === caller.uid)
      throw invalidArgument('data.uid: you cannot disable or re-enable your own account', { fields: ['data.uid'] });
    const [profile, state] = await this.store.getAll([paths.user(input.uid), paths.accountState(input.uid)]);
    if (accountStateOf(state) === 'deleted') throw failedPrecondition('data.uid: this account was deleted');
    const known = !!profile?.exists || !!state?.exists;
    if (input.disabled) {
      // An account with neither a profile nor a state may still exist in Auth (signed up, never provisioned).
      if (!known && (await this.accounts.setDisabled(input.uid, true)) === 'missing')
        throw notFound('data.uid: no such user');
      // The state first: the callables and the rules refuse the account from this commit on.
      const changed = await this.writeState(input.uid, true, caller.uid, { reason: input.reason, source: 'admin' });
      if (known && (await this.accounts.setDisabled(input.uid, true)) === 'missing') {
        this.logger.warn('disabled an account that has no Auth user', { uid: input.uid });
      }
      return { uid: input.uid, disabled: true, changed };
    }
    // Re-enabling: Auth first. If that call fails, nothing changed here and the admin retries; the other order could
    // leave the app unlocked for an account Auth still refuses, which reconciliation would then lock again.
    if ((await this.accounts.setDisabled(input.uid, false)) === 'missing' && !known)
      throw notFound('data.uid: no such user');
    const changed = await this.writeState(input.uid, false, caller.uid, { reason: input.reason, source: 'admin' });
    return { uid: input.uid, disabled: false, changed };
  }

  /**
   * Copies Auth's `disabled` flag into `accountStates` for every account: disabled in Auth and active here → disabled
   * here; enabled in Auth and disabled here (for longer than the grace period) → active. And Auth's email and its
   * verification into the profiles that say otherwise (`emailsSynced`). Idempotent; audited per change.
   */
  async reconcile(): Promise<{ scanned: number; disabled: number; enabled: number; emailsSynced: number }> {
    const totals = { scanned: 0, disabled: 0, enabled: 0, emailsSynced: 0 };
    for await (const page of authAccountPages(this.accounts)) {
      totals.scanned += page.length;
      const [states, profiles] = await Promise.all([
        this.store.getAll(page.map((a) => paths.accountState(a.uid))),
        this.store.getAll(page.map((a) => paths.user(a.uid))),
      ]);
      const now = this.clock.now().getTime();
      for (const [i, account] of page.entries()) {
        const state = states[i];
        const current = accountStateOf(state);
        // Only profiles that disagree open a transaction (which re-reads the profile and skips erased accounts).
        if (current !== 'deleted' && EmailStatusSync.differs(profiles[i]?.data, account)) {
          if ((await this.emails.apply(account, 'daily')).outcome === 'updated') totals.emailsSynced++;
        }
        if (account.disabled && current === undefined) {
          if (await this.writeState(account.uid, true, AUTH_SYNC, { source: 'auth' })) totals.disabled++;
        } else if (!account.disabled && current === 'disabled') {
          const at = state?.data?.at instanceof Date ? state.data.at.getTime() : 0;
          if (now - at < RECONCILE_GRACE_MS) continue;
          if (await this.writeState(account.uid, false, AUTH_SYNC, { source: 'auth' })) totals.enabled++;
        }
      }
    }
    this.logger.info('account states reconciled with Firebase Auth', totals);
    return totals;
  }

  /** Sets or clears the disabled state with its audit entry, in one transaction; false when it already was so. */
  private writeState(
    uid: string,
    disabled: boolean,
    by: string,
    details: { reason?: string; source: 'admin' | 'auth' },
  ): Promise<boolean> {
    return this.store.transaction(async (tx) => {
      const existing = await tx.get(paths.accountState(uid));
      const current = accountStateOf(existing);
      if (current === 'deleted' || (current === 'disabled') === disabled) return false;
      const at = this.clock.now();
      if (disabled) markAccount(tx, existing, uid, 'disabled', by, at);
      else tx.delete(paths.accountState(uid));
      this.audit.recordIn(tx, {
        actorUid: by,
        action: disabled ? 'account.disabled' : 'account.enabled',
        target: { type: 'user', id: uid },
        details,
      });
      return true;
    });
  }
}
