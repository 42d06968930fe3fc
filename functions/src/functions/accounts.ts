import { CALL_LIMITS } from '../app/callLimits.js';
import { callable, inputFrom } from './callable.js';
import { scheduled } from './triggers.js';

/** Admins disable or re-enable an account: Firebase Auth and `accountStates/{uid}` together, audited (src/app/accountAdmin.ts). */
export const setAccountDisabled = callable(
  inputFrom(() => import('../app/accountAdmin.js'), 'setDisabledSchema'),
  (data, { caller, services: s }) => s.accounts.setDisabled(caller, data),
  { access: 'reach', appCheck: 'consume', limit: CALL_LIMITS.staffRead },
);

/**
 * Daily: copies what Firebase Auth says and the app keeps a copy of, for changes made in the console or with the
 * Admin SDK: the disabled flag into `accountStates`, and the role claims into the profiles' `staffRoles` mirror (which
 * the notification limits and staff announcements read; setStaffRoles keeps it in step for changes made in the app).
 */
export const syncAccountStates = scheduled(
  'every day 04:10',
  async (s) => ({ states: await s.accounts.reconcile(), staffRoles: await s.identity.staffRoles.mirrorFromAuth() }),
  { timeoutSeconds: 540 },
);
