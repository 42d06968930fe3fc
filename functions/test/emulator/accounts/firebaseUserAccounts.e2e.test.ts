import { getAuth } from 'firebase-admin/auth';
import { describe, expect, it } from 'vitest';
import { FirebaseUserAccounts } from '../../../src/adapters/firebaseAuth/firebaseUserAccounts.js';
import { adminApp } from '../../../src/composition/cloud.js';

/** The UserAccounts adapter against the Auth emulator: what Firebase Auth really does with disable, revoke and paging. */
const accounts = new FirebaseUserAccounts(adminApp);
const run = `${process.pid}${Date.now().toString(36)}`;
const auth = () => getAuth(adminApp());

describe('FirebaseUserAccounts (auth emulator)', () => {
  it('disables with refresh tokens revoked, re-enables, and says missing for an unknown uid', async () => {
    const uid = `dis-${run}`;
    await auth().createUser({ uid, email: `${uid}@studio.example` });
    const before = (await auth().getUser(uid)).tokensValidAfterTime;

    await new Promise((resolve) => setTimeout(resolve, 1100)); // tokensValidAfterTime has one-second resolution
    await expect(accounts.setDisabled(uid, true)).resolves.toBe('updated');
    const disabled = await auth().getUser(uid);
    expect(disabled.disabled).toBe(true);
    expect(Date.parse(disabled.tokensValidAfterTime!)).toBeGreaterThan(Date.parse(before ?? '1970-01-01'));

    await expect(accounts.setDisabled(uid, false)).resolves.toBe('updated');
    expect((await auth().getUser(uid)).disabled).toBe(false);

    await expect(accounts.setDisabled(`nobody-${run}`, true)).resolves.toBe('missing');
    await expect(accounts.deleteUser(`nobody-${run}`)).resolves.toBeUndefined();
  });

  it('lists every account with its disabled flag, page by page', async () => {
    const uids = Array.from({ length: 5 }, (_, i) => `list-${run}-${i}`);
    for (const [i, uid] of uids.entries()) await auth().createUser({ uid, disabled: i % 2 === 0 });
    const seen = new Map<string, boolean>();
    let pageToken: string | undefined;
    do {
      const page = await accounts.listAccounts(pageToken);
      for (const a of page.accounts) seen.set(a.uid, a.disabled);
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(uids.map((uid) => seen.get(uid))).toEqual([true, false, true, false, true]);
  });
});
