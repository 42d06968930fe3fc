import { MemoryUserAccounts } from '../adapters/memory/memoryUserAccounts.js';
import { seedAuthUsers } from './seedDocuments.js';
import type { ScenarioContext } from './scenario.js';

/**
 * The in-memory Auth starts empty (on the emulators the seed creates the accounts). A step whose callable reads Auth
 * (setStaffRoles reads the caller's current claims and the target's account) first adds the seeded accounts it needs,
 * with the seed's claims, as the emulators' seed would have created them. Nothing when the account exists.
 */
export async function seededAuthAccounts(ctx: Pick<ScenarioContext, 'system'>, ...uids: string[]): Promise<void> {
  const accounts = ctx.system.infra.accounts;
  if (!(accounts instanceof MemoryUserAccounts)) return;
  for (const uid of uids) {
    if (await accounts.getAccount(uid)) continue;
    const seeded = seedAuthUsers(ctx.system.seed).find((u) => u.uid === uid);
    if (!seeded) throw new Error(`no seeded user ${uid}`);
    accounts.add(uid, false, seeded.email ? { email: seeded.email, emailVerified: seeded.emailVerified } : undefined);
    await accounts.setCustomClaims(uid, { ...seeded.customClaims });
  }
}
