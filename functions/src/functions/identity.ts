import { callable, inputFrom } from './callable.js';
import { docWritten } from './triggers.js';

/** The schema and call limit (with zod), loaded on the function's first call. */
const emailStatus = () => import('../app/identity/emailStatus.js');

/**
 * The profile's `email` and `emailVerified` follow Firebase Auth (src/app/identity/emailStatus.ts; README "Email
 * verification"). The app calls this after `user.reload()` once the user has verified or changed their address, and
 * on sign-in; it reads the account from Auth with the Admin SDK. `own` access: an unverified user must be able to call
 * it, that is its point.
 */
export const refreshEmailStatus = callable(
  inputFrom(emailStatus, 'refreshEmailStatusSchema'),
  (data, { caller, services: s }) => s.identity.emailStatus.refresh(caller, data),
  { limit: inputFrom(emailStatus, 'REFRESH_EMAIL_LIMIT') },
);

/** A profile created (after sign-up) or its address edited: Auth's address and verification replace the client's. */
export const onUserProfileWritten = docWritten('users/{uid}', ({ params, before, after }, s) =>
  s.identity.emailStatus.onProfileWritten(params.uid, before, after),
);

/** The roles' schema and call limit, loaded on the function's first call. */
const staffRoles = () => import('../app/identity/staffRoles.js');

/**
 * Admins set a user's caller roles (admin, compliance, service): the Auth custom claims through the Admin SDK, and
 * their mirror `users/{uid}.staffRoles`, audited (src/app/identity/staffRoles.ts). `reach` and a consumed App Check
 * token, like the other admin account actions.
 */
export const setStaffRoles = callable(
  inputFrom(staffRoles, 'setStaffRolesSchema'),
  (data, { caller, services: s }) => s.identity.staffRoles.set(caller, data),
  { access: 'reach', appCheck: 'consume', limit: inputFrom(staffRoles, 'SET_STAFF_ROLES_LIMIT') },
);
