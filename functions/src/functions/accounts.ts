import { CALL_LIMITS } from '../app/callLimits.js';
import { callable, inputFrom } from './callable.js';
import { scheduled } from './triggers.js';

/** Admins disable or re-enable an account: Firebase Auth and `accountStates/{uid}` together, audited (src/app/accountAdmin.ts). */
export const setAccountDisabled = callable(
  inputFrom(() => import('../app/accountAdmin.js'), 'setDisabledSchema'),
  (data, { caller, services: s }) => s.accounts.setDisabled(caller, data),
  { access: 'reach', appCheck: 'consume', limit: CALL_LIMITS.staffRead },
);

/** Daily: copies Firebase Auth's disabled flag (set in the console or by the Admin SDK) into `accountStates`. */
export const syncAccountStates = scheduled('every day 04:10', (s) => s.accounts.reconcile(), { timeoutSeconds: 540 });
