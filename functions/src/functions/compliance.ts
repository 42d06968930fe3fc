import { z } from 'zod';
import * as functionsV1 from 'firebase-functions/v1';
import { onSchedule } from 'firebase-functions/v2/scheduler';
import { secrets } from '../config.js';
import { exportConversationSchema, exportMyDataSchema, exportNotificationsSchema } from '../domain/compliance/exportRequest.js';
import { staffReadProfile, STAFF_REASON_MAX } from '../app/staffAccess.js';
import { requireRole } from '../domain/caller.js';
import { docId, noteText } from '../domain/validation.js';
import { CALL_LIMITS } from '../app/callLimits.js';
import { identifiersOf } from '../domain/compliance/personalData.js';
import { callable } from './callable.js';
import { REGION } from './options.js';
import { services } from './runtime.js';

// Erasure and retention update search records, so they need the Algolia credentials too.
const ALGOLIA = [secrets.ALGOLIA_APP_ID, secrets.ALGOLIA_ADMIN_KEY, secrets.ALGOLIA_SEARCH_KEY];
/** Exports stream page by page, so memory stays flat; time is what a large conversation needs. */
const EXPORT_OPTIONS = { timeoutSeconds: 540, memory: '512MiB' as const, appCheck: 'consume' as const };
/** Exports of conversations and notification histories cost compute and storage: permanent, verified accounts. */
const PAID_EXPORT = { ...EXPORT_OPTIONS, access: 'reach' as const };

/** A conversation as JSON, CSV or a PDF transcript: members export their own, the compliance role any (audited). */
export const exportConversation = callable(exportConversationSchema, (data, { caller, services: s }) => s.compliance.exports.exportConversation(caller, data), { ...PAID_EXPORT, limit: CALL_LIMITS.export });

/** The caller's notifications (or, with the compliance role, anyone's). */
export const exportNotifications = callable(exportNotificationsSchema, (data, { caller, services: s }) => s.compliance.exports.exportNotifications(caller, data), { ...PAID_EXPORT, limit: CALL_LIMITS.export });

/** GDPR/CCPA access request: everything held about the caller, as a ZIP of JSON and CSV. */
export const exportMyData = callable(exportMyDataSchema, (_data, { caller, services: s }) => s.compliance.exports.exportMyData(caller), { ...EXPORT_OPTIONS, limit: CALL_LIMITS.exportMyData });

/**
 * Staff read of a user's private profile (email, phone, verification and moderation state): admins and compliance
 * officers only, with a reason, audited as `staff.user_profile_read`. The rules give staff no direct read of users/{uid}.
 */
export const getUserProfile = callable(
  z.strictObject({ uid: docId('a user id'), reason: noteText(STAFF_REASON_MAX).pipe(z.string().min(1, 'must say why (it is audited)')) }),
  async (data, { caller, services: s }) => {
    requireRole(caller, 'admin', 'compliance');
    return staffReadProfile(s.infra.store, s.audit, caller, data.uid, data.reason);
  },
  { access: 'reach', appCheck: 'consume', limit: CALL_LIMITS.staffRead },
);

/**
 * Erases the caller's personal data, then their Auth account. Deleting the account fires onAuthUserDeleted, which
 * runs the same (idempotent) erasure again: harmless, and it covers accounts deleted from the console.
 */
export const deleteMyAccount = callable(
  z.object({ confirm: z.literal(true, 'must be true: deleting an account cannot be undone') }).strict(),
  async (_data, { caller, services: s }) => {
    const report = await s.compliance.erasure.eraseUser(caller.uid, { uid: caller.uid, reason: 'self' });
    await s.infra.accounts.deleteUser(caller.uid);
    return report;
  },
  // Works whatever state the account is in: a half-finished erasure is retried the same way.
  { secrets: ALGOLIA, timeoutSeconds: 540, access: 'erasure', appCheck: 'consume', limit: CALL_LIMITS.deleteMyAccount },
);

/** Auth's user-deleted event exists only in the v1 API (v2 has blocking triggers for create/sign-in, not delete). */
export const onAuthUserDeleted = functionsV1
  .runWith({ secrets: ALGOLIA.map((s) => s.name), timeoutSeconds: 540 })
  .region(REGION)
  .auth.user()
  .onDelete(async (user) => {
    const uid = z.string().min(1).parse(user.uid);
    // The Auth record may name her where the profile did not (an unverified phone, a provider's display name).
    const known = identifiersOf({ displayName: user.displayName, email: user.email, phone: user.phoneNumber });
    await services().compliance.erasure.eraseUser(uid, { uid: 'system:auth', reason: 'auth-deleted' }, known);
  });

/** Daily retention sweep (notifications and deliveries after 1 year, messages after 7 years). */
export const retentionDaily = onSchedule({ schedule: 'every day 03:30', timeZone: 'UTC', region: REGION, secrets: ALGOLIA, timeoutSeconds: 540 }, async () => {
  await services().compliance.retention.sweep();
});
