import { describe, expect, it } from 'vitest';
import { MemoryUserAccounts } from '../../../src/adapters/memory/memoryUserAccounts.js';
import { authAccountPages } from '../../../src/app/identity/authSync.js';

describe('authAccountPages: the daily passes walk every Auth account a page at a time', () => {
  it('yields every account once, in pages, following the page token to the end', async () => {
    const accounts = new MemoryUserAccounts(2);
    for (const uid of ['a', 'b', 'c', 'd', 'e']) accounts.add(uid);
    const pages: string[][] = [];
    for await (const page of authAccountPages(accounts)) pages.push(page.map((a) => a.uid));
    expect(pages).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('skips an empty page but keeps following its token (Auth may answer one mid-walk)', async () => {
    const answers = [
      { accounts: [{ uid: 'a', disabled: false }], nextPageToken: 't1' },
      { accounts: [], nextPageToken: 't2' },
      { accounts: [{ uid: 'z', disabled: true }] },
    ];
    const tokens: Array<string | undefined> = [];
    const listing = {
      listAccounts: async (token?: string) => (tokens.push(token), answers.shift()!),
    };
    const pages: string[][] = [];
    for await (const page of authAccountPages(listing)) pages.push(page.map((a) => a.uid));
    expect(pages).toEqual([['a'], ['z']]);
    expect(tokens).toEqual([undefined, 't1', 't2']);
  });

  it('yields nothing when Auth has no accounts', async () => {
    const pages: unknown[] = [];
    for await (const page of authAccountPages(new MemoryUserAccounts())) pages.push(page);
    expect(pages).toEqual([]);
  });
});
