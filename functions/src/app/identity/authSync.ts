import type { AuthAccount, UserAccounts } from '../../ports.js';

/**
 * The actor of what the server copies from Firebase Auth on its own (reconciliation's account states, the profile's
 * email status): an operator acted in the console or through the Admin SDK, or Auth verified an address.
 */
export const AUTH_SYNC = 'system:auth-sync';

/**
 * Every Firebase Auth account, one non-empty page (at most 1,000, in Auth's order) at a time: the daily passes that
 * copy what operators set in the console (account states, email status, staff roles) walk Auth this way.
 */
export async function* authAccountPages(accounts: Pick<UserAccounts, 'listAccounts'>): AsyncGenerator<AuthAccount[]> {
  let pageToken: string | undefined;
  do {
    const page = await accounts.listAccounts(pageToken);
    pageToken = page.nextPageToken;
    if (page.accounts.length > 0) yield page.accounts;
  } while (pageToken);
}
