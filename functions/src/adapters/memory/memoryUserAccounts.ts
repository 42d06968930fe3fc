import type { UserAccounts } from '../../ports.js';

/** Auth accounts in memory: remembers which were deleted. */
export class MemoryUserAccounts implements UserAccounts {
  readonly deleted: string[] = [];

  async deleteUser(uid: string): Promise<void> {
    if (!this.deleted.includes(uid)) this.deleted.push(uid);
  }
}
