import { z } from 'zod';
import { defineContracts } from '../contract.js';

/** The identity and account callables' answers and errors (emailStatus.ts, src/app/accountAdmin.ts). */

export const identityContracts = defineContracts({
  refreshEmailStatus: {
    summary:
      "Copies Firebase Auth's address and emailVerified onto the profile; call it after `user.reload()` once the user " +
      'verified or changed their address, and on sign-in.',
    who: 'own account (unverified users too: that is its point); admin or service role any `uid`',
    roles: ['admin', 'service'],
    output: z.strictObject({
      uid: z.string(),
      email: z.string().nullable(),
      emailVerified: z.boolean(),
      /** true when the profile was updated by this call. */
      changed: z.boolean(),
    }),
    errors: [
      { code: 'permission-denied', when: '`uid` names another user and the caller has neither role' },
      { code: 'not-found', when: 'no Auth account for `uid`' },
      {
        code: 'failed-precondition',
        when: 'the account has no profile yet: the app creates users/{uid} after sign-up',
      },
    ],
  },
  setAccountDisabled: {
    summary: 'Disables or re-enables an account, in Firebase Auth and `accountStates/{uid}` together; audited.',
    who: 'admin role; never on their own account',
    roles: ['admin'],
    output: z.strictObject({ uid: z.string(), disabled: z.boolean(), changed: z.boolean() }),
    errors: [
      { code: 'permission-denied', when: 'the caller has no admin role' },
      { code: 'invalid-argument', when: '`uid` is the caller' },
      { code: 'failed-precondition', when: 'the account was deleted' },
      { code: 'not-found', when: 'no such user' },
    ],
  },
  setStaffRoles: {
    summary:
      "Sets a user's caller roles (admin, compliance, service) as Firebase Auth custom claims, keeping their other " +
      'claims, and mirrors them on `users/{uid}.staffRoles` (which the notification limits and announcement segments ' +
      "read); audited (`staff.roles_set`). `roles` is the complete new set. They reach the user's ID token at its next " +
      'refresh (within the hour).',
    who: 'admin role; an admin cannot remove their own admin role (another admin can)',
    roles: ['admin'],
    output: z.strictObject({
      uid: z.string(),
      roles: z.array(z.enum(['admin', 'compliance', 'service'])),
      /** true when the claims or the mirror were changed by this call; a repeated call changes nothing. */
      changed: z.boolean(),
      /** false when the account has no profile yet: only Auth holds the roles. */
      mirrored: z.boolean(),
    }),
    errors: [
      { code: 'permission-denied', when: 'the caller has no admin role' },
      { code: 'invalid-argument', when: '`roles` would remove the caller’s own admin role' },
      { code: 'failed-precondition', when: 'the account was deleted' },
      { code: 'not-found', when: 'no Auth account for `uid`' },
    ],
  },
});
