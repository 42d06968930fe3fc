import { z } from 'zod';
import type { DocData, DocumentStore } from '../ports.js';
import type { Caller, Role } from '../domain/caller.js';
import { hasRole, requireRole } from '../domain/caller.js';
import { invalidArgument, notFound, permissionDenied } from '../domain/errors.js';
import { paths } from '../domain/paths.js';
import { docId, noteText } from '../domain/validation.js';
import type { AuditLog } from './audit.js';

/**
 * Staff access: an admin or compliance officer reading (or acting on) another user's private data. It happens only
 * through callables, never through the rules, and every such call leaves an audit entry `staff.<what>` naming the
 * staff member, the user, the roles used and the reason given. Where staff access exists:
 *
 * | callable | who | audit entry |
 * |---|---|---|
 * | getUserProfile (uid) | admin, compliance | `staff.user_profile_read` (here) |
 * | get/update/resetPreferences (uid) | admin | `staff.preferences_*` (here) + the change's own entry |
 * | the notification-center callables (uid) | admin | `staff.notifications_*` (here) |
 * | exportConversation (not a member) | admin, compliance | `export.conversation` with `onBehalfOf: compliance` |
 * | exportNotifications (uid) | admin, compliance | `export.notifications` with `onBehalfOf: compliance` |
 * | deleteMessage (not a member) | admin | `message.deleted` (actor = the admin) |
 * | decideModeration | admin | `moderation.decided`, `message.removed`, `user.warned`, `user.banned` |
 *
 * Search gives staff nothing extra (it is limited to `visibleTo:<caller>`).
 */
export const STAFF_REASON_MAX = 500;

export interface StaffAccess {
  /** The user whose data is read or changed. */
  uid: string;
  /** What staff did: `user_profile_read`, `notifications_list`, … (the entry's action is `staff.<what>`). */
  what: string;
  reason: string | undefined;
  details?: DocData;
}

/**
 * The user a call acts for: the caller, or with one of `roles` (admin always) someone else, audited. Staff must say
 * why (`reason`, INVALID_ARGUMENT naming `data.reason` without one).
 */
export async function actingFor(
  audit: AuditLog,
  caller: Caller,
  access: StaffAccess,
  ...roles: Role[]
): Promise<string> {
  if (access.uid === caller.uid) return caller.uid;
  if (!hasRole(caller, 'admin', ...roles)) throw permissionDenied('you may only act on your own data');
  if (!access.reason)
    throw invalidArgument("data.reason: required when acting on another user's data (it is audited)", {
      fields: ['data.reason'],
    });
  await audit.record({
    actorUid: caller.uid,
    action: `staff.${access.what}`,
    target: { type: 'user', id: access.uid },
    details: { reason: access.reason, roles: [...caller.roles].sort(), ...(access.details ?? {}) },
  });
  return access.uid;
}

export const staffProfileInput = z.strictObject({
  uid: docId('a user id'),
  reason: noteText(STAFF_REASON_MAX).pipe(z.string().min(1, 'must say why (it is audited)')),
});

/**
 * getUserProfile: a staff tool, for admins and compliance officers only (anyone else is refused, even for their own
 * profile); the rules give staff no direct read of users/{uid}.
 */
export class StaffProfiles {
  constructor(
    private readonly store: DocumentStore,
    private readonly audit: AuditLog,
  ) {}

  async read(caller: Caller, input: z.output<typeof staffProfileInput>): Promise<DocData> {
    requireRole(caller, 'admin', 'compliance');
    return staffReadProfile(this.store, this.audit, caller, input.uid, input.reason);
  }
}

/** A user's private profile (email, phone, verification state, moderation record) for staff, audited. */
export async function staffReadProfile(
  store: DocumentStore,
  audit: AuditLog,
  caller: Caller,
  uid: string,
  reason: string | undefined,
): Promise<DocData> {
  const target = await actingFor(audit, caller, { uid, what: 'user_profile_read', reason }, 'compliance');
  const profile = await store.get(paths.user(target));
  if (!profile.exists || !profile.data) throw notFound('data.uid: no such user');
  return { uid: target, ...profile.data };
}
