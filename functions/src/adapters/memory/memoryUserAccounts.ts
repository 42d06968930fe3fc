import type { AuthAccount, UserAccounts } from '../../ports.js';

/**
 * Auth accounts in memory: `add` creates one; remembers which were deleted. Pages hold `pageSize` accounts in uid
 * order, like Auth's listUsers.
 */
export class MemoryUserAccounts implements UserAccounts {
  readonly deleted: string[] = [];
  readonly accounts = new Map<string, AuthAccount>();
  /** Refresh-token revocations, in order. */
  readonly revoked: string[] = [];

  constructor(private readonly pageSize = 1000) {}

  /** `email`: Auth's address and its verification (omitted: an account without email, as custom-token sign-ins make). */
  add(uid: string, disabled = false, email?: { email: string; emailVerified: boolean }): void {
    this.accounts.set(uid, { uid, disabled, ...(email ?? {}) });
  }

  /** What Auth does when the user verifies, changes (`emailVerified` false until verified) or removes their address. */
  setEmail(uid: string, email: string | undefined, emailVerified: boolean): void {
    const account = this.accounts.get(uid);
    if (!account) throw new Error(`no Auth account ${uid}`);
    const { email: _old, ...rest } = account;
    this.accounts.set(uid, { ...rest, ...(email ? { email } : {}), emailVerified });
  }

  /** Replaces the custom claims, as Auth's setCustomUserClaims does (an empty object clears them). */
  async setCustomClaims(uid: string, claims: Record<string, unknown>): Promise<'updated' | 'missing'> {
    const account = this.accounts.get(uid);
    if (!account) return 'missing';
    if (Object.keys(claims).length > 0) account.customClaims = structuredClone(claims);
    else delete account.customClaims;
    return 'updated';
  }

  async getAccount(uid: string): Promise<AuthAccount | undefined> {
    const account = this.accounts.get(uid);
    return account ? structuredClone(account) : undefined;
  }

  async deleteUser(uid: string): Promise<void> {
    this.accounts.delete(uid);
    if (!this.deleted.includes(uid)) this.deleted.push(uid);
  }

  async setDisabled(uid: string, disabled: boolean): Promise<'updated' | 'missing'> {
    const account = this.accounts.get(uid);
    if (!account) return 'missing';
    account.disabled = disabled;
    if (disabled) this.revoked.push(uid);
    return 'updated';
  }

  async listAccounts(pageToken?: string): Promise<{ accounts: AuthAccount[]; nextPageToken?: string }> {
    const all = [...this.accounts.values()].sort((a, b) => (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0));
    const start = pageToken ? all.findIndex((a) => a.uid > pageToken) : 0;
    const page = start < 0 ? [] : all.slice(start, start + this.pageSize);
    const more = start >= 0 && start + this.pageSize < all.length;
    return {
      accounts: page.map((a) => structuredClone(a)),
      ...(more ? { nextPageToken: page[page.length - 1]!.uid } : {}),
    };
  }
}
