import type { App } from 'firebase-admin/app';
import type { UserRecord } from 'firebase-admin/auth';
import type { AuthAccount, UserAccounts } from '../../ports.js';

/** The fields of Auth's user record the use cases read (the email sync validates them with zod). */
function toAccount(user: UserRecord): AuthAccount {
  return {
    uid: user.uid,
    disabled: user.disabled,
    ...(user.email ? { email: user.email } : {}),
    emailVerified: user.emailVerified,
    ...(user.customClaims ? { customClaims: { ...user.customClaims } } : {}),
  };
}

const missing = (error: unknown) => (error as { code?: string }).code === 'auth/user-not-found';

/**
 * Firebase Auth through the Admin SDK (the Auth emulator when FIREBASE_AUTH_EMULATOR_HOST is set). The SDK module is
 * imported on first use, so a cold start that never touches Auth does not load it.
 */
export class FirebaseUserAccounts implements UserAccounts {
  constructor(private readonly app: () => App) {}

  private async auth() {
    const { getAuth } = await import('firebase-admin/auth');
    return getAuth(this.app());
  }

  async deleteUser(uid: string): Promise<void> {
    await (await this.auth()).deleteUser(uid).catch((error: unknown) => {
      if (!missing(error)) throw error;
    });
  }

  async setDisabled(uid: string, disabled: boolean): Promise<'updated' | 'missing'> {
    const auth = await this.auth();
    try {
      await auth.updateUser(uid, { disabled });
      // Without this, a disabled account's refresh token would keep minting ID tokens until Auth notices.
      if (disabled) await auth.revokeRefreshTokens(uid);
      return 'updated';
    } catch (error) {
      if (missing(error)) return 'missing';
      throw error;
    }
  }

  async listAccounts(pageToken?: string): Promise<{ accounts: AuthAccount[]; nextPageToken?: string }> {
    const page = await (await this.auth()).listUsers(1000, pageToken);
    return {
      accounts: page.users.map(toAccount),
      ...(page.pageToken ? { nextPageToken: page.pageToken } : {}),
    };
  }

  async setCustomClaims(uid: string, claims: Record<string, unknown>): Promise<'updated' | 'missing'> {
    try {
      // null clears them: Auth stores no empty object.
      await (await this.auth()).setCustomUserClaims(uid, Object.keys(claims).length > 0 ? claims : null);
      return 'updated';
    } catch (error) {
      if (missing(error)) return 'missing';
      throw error;
    }
  }

  async getAccount(uid: string): Promise<AuthAccount | undefined> {
    try {
      return toAccount(await (await this.auth()).getUser(uid));
    } catch (error) {
      if (missing(error)) return undefined;
      throw error;
    }
  }
}
