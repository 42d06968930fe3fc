import { CALL_LIMITS } from '../app/callLimits.js';
import { callable, inputFrom } from './callable.js';
import { SECRETS, SIZES } from './options.js';
import { authUserDeleted, docCreated, scheduled } from './triggers.js';

/** The callables' schemas (zod), loaded on a function's first call. */
const exportRequests = () => import('../domain/compliance/exportRequest.js');

/**
 * Exports stream page by page, so memory stays flat; time is what a large conversation needs; the size (two exports
 * per 1 GiB instance) is measured in options.ts.
 */
const EXPORT_OPTIONS = { timeoutSeconds: 540, ...SIZES.export, appCheck: 'consume' as const };
/** Exports of conversations and notification histories cost compute and storage: permanent, verified accounts. */
const PAID_EXPORT = { ...EXPORT_OPTIONS, access: 'reach' as const };

/** A conversation as JSON, CSV or a PDF transcript: members export their own, the compliance role any (audited). */
export const exportConversation = callable(
  inputFrom(exportRequests, 'exportConversationSchema'),
  (data, { caller, services: s }) => s.compliance.exports.exportConversation(caller, data),
  { ...PAID_EXPORT, limit: CALL_LIMITS.export },
);

/** The caller's notifications (or, with the compliance role, anyone's). */
export const exportNotifications = callable(
  inputFrom(exportRequests, 'exportNotificationsSchema'),
  (data, { caller, services: s }) => s.compliance.exports.exportNotifications(caller, data),
  { ...PAID_EXPORT, limit: CALL_LIMITS.export },
);

/**
 * Renders a PDF export off the request path: the export callables record a PDF request as `exports/{id}` with status
 * `queued` and answer at once; this renders it into storage and marks the job `done` with its signed URL (the client
 * watches the job document) or `failed` with the reason. Other jobs (JSON, CSV, ZIP: created `running`) are ignored
 * here. Idempotent: the job is claimed queued → running in a transaction, so a redelivered event does nothing.
 */
export const renderPdfExport = docCreated(
  'exports/{exportId}',
  async ({ params, data }, s) => {
    if (data.status === 'queued') await s.compliance.exports.renderQueued(params.exportId);
  },
  { timeoutSeconds: 540, memory: '512MiB' },
);

/** GDPR/CCPA access request: everything held about the caller, as a ZIP of JSON and CSV. */
export const exportMyData = callable(
  inputFrom(exportRequests, 'exportMyDataSchema'),
  (_data, { caller, services: s }) => s.compliance.exports.exportMyData(caller),
  { ...EXPORT_OPTIONS, limit: CALL_LIMITS.exportMyData },
);

/**
 * Staff read of a user's private profile (email, phone, verification and moderation state): admins and compliance
 * officers only, with a reason, audited as `staff.user_profile_read` (src/app/staffAccess.ts).
 */
export const getUserProfile = callable(
  inputFrom(() => import('../app/staffAccess.js'), 'staffProfileInput'),
  (data, { caller, services: s }) => s.compliance.staff.read(caller, data),
  {
    access: 'reach',
    appCheck: 'consume',
    limit: CALL_LIMITS.staffRead,
  },
);

/** Erases the caller's personal data, then their Auth account (src/app/compliance/erasure.ts, `eraseAccount`). */
export const deleteMyAccount = callable(
  inputFrom(() => import('./inputs.js'), 'deleteAccountInput'),
  (_data, { caller, services: s }) => s.compliance.erasure.eraseAccount(caller),
  // Erasure and retention update search records, so they need the Algolia credentials too. Works whatever state the
  // account is in: a half-finished erasure is retried the same way.
  {
    secrets: SECRETS.algolia,
    timeoutSeconds: 540,
    access: 'erasure',
    appCheck: 'consume',
    limit: CALL_LIMITS.deleteMyAccount,
  },
);

/** Any deleted Auth account (console, Admin SDK, deleteMyAccount): the same idempotent erasure. */
export const onAuthUserDeleted = authUserDeleted((user, s) => s.compliance.erasure.onAuthUserDeleted(user), {
  secrets: SECRETS.algolia,
  timeoutSeconds: 540,
});

/** Daily retention sweep (notifications and deliveries after 1 year, messages after 7 years). */
export const retentionDaily = scheduled('every day 03:30', (s) => s.compliance.retention.sweep(), {
  secrets: SECRETS.algolia,
  timeoutSeconds: 540,
});
