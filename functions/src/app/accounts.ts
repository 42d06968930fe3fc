import type { DocData, DocSnapshot, DocumentStore, Transaction } from '../ports.js';
import type { Access, Caller } from '../domain/caller.js';
import { hasRole, requireTrustedIdentity } from '../domain/caller.js';
import { AppError, failedPrecondition, permissionDenied } from '../domain/errors.js';
import { paths } from '../domain/paths.js';

export const ACCOUNT_STATES = ['deleted', 'disabled'] as const;
export type AccountState = (typeof ACCOUNT_STATES)[number];

/** The state an `accountStates/{uid}` document records, or undefined for an active account. */
export function accountStateOf(snapshot: DocSnapshot | undefined): AccountState | undefined {
  if (!snapshot?.exists) return undefined;
  const state = snapshot.data?.state;
  // Anything written there that is not a known state still means "not active".
  return state === 'disabled' ? 'disabled' : 'deleted';
}

/** Whether a user may be acted with (invited, messaged): a profile, and no deleted/disabled state. */
export function isActiveUser(profile: DocSnapshot | undefined, state: DocSnapshot | undefined): boolean {
  return !!profile?.exists && accountStateOf(state) === undefined;
}

/**
 * The account guard every callable runs before its use case (src/functions/callable.ts): one read of the caller's
 * profile and account state.
 * - deleted (erasure ran) or disabled → PERMISSION_DENIED, whatever the still-valid ID token says;
 * - unprovisioned (no `users/{uid}`: the app has not created the profile yet, or erasure removed it) → FAILED_PRECONDITION;
 * - `reach` calls also need a permanent, email-verified identity (`requireTrustedIdentity`).
 * Backend identities (`service` role) have no profile; only their account state is checked.
 * Returns the caller's profile data for use cases that need it.
 */
export async function requireActiveAccount(
  store: Pick<DocumentStore, 'getAll'>,
  caller: Caller,
  access: Access,
): Promise<DocData | undefined> {
  if (access === 'erasure') return undefined;
  const [profile, state] = await store.getAll([paths.user(caller.uid), paths.accountState(caller.uid)]);
  const current = accountStateOf(state);
  if (current === 'deleted') throw new AppError('permission-denied', 'this account has been deleted');
  if (current === 'disabled') throw new AppError('permission-denied', 'this account is disabled');
  const isService = hasRole(caller, 'service');
  if (!isService && !profile?.exists)
    throw failedPrecondition('this account has no profile yet: the app creates it after sign-up');
  if (access === 'reach') requireTrustedIdentity(caller);
  return profile?.data;
}

/**
 * Marks an account deleted or disabled (erasure, before it removes anything; an admin disabling an account). Idempotent:
 * the first state and time stay. Holds nothing but the uid, who and when (like the audit entry of the same act).
 */
export function markAccount(
  tx: Transaction,
  existing: DocSnapshot,
  uid: string,
  state: AccountState,
  by: string,
  at: Date,
): void {
  if (existing.exists && accountStateOf(existing) === 'deleted') return;
  tx.set(paths.accountState(uid), { state, by, at });
}

/** Outside a transaction (erasure). */
export async function markAccountDeleted(store: DocumentStore, uid: string, by: string, at: Date): Promise<void> {
  await store.transaction(async (tx) => {
    const existing = await tx.get(paths.accountState(uid));
    if (accountStateOf(existing) === 'deleted') return;
    markAccount(tx, existing, uid, 'deleted', by, at);
  });
}

export const notActive = () => permissionDenied('this account is not active');
