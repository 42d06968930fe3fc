import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Caller } from '../../domain/caller.js';
import { requireRole } from '../../domain/caller.js';
import { preferencesPatchSchema } from '../../domain/notifications/preferences.js';
import type { EffectivePreferences } from '../../domain/notifications/preferences.js';
import { docId, noteText } from '../../domain/validation.js';
import type { AuditLog } from '../audit.js';
import { actingFor, STAFF_REASON_MAX } from '../staffAccess.js';
import type { EventPipeline, Submitted } from './eventPipeline.js';
import { rejectionError } from './eventPipeline.js';
import type { InAppNotification, NotificationCenter, UnreadCounts } from './notificationCenter.js';
import { idsSchema, listQuerySchema, searchQuerySchema } from './notificationCenter.js';
import type { PreferencesRepo } from './preferencesRepo.js';

/** Own data by default; an admin may name another user, with a reason (audited: src/app/staffAccess.ts). */
const forUser = { uid: docId('a user id').optional(), reason: noteText(STAFF_REASON_MAX).optional() };
export const ownDataInput = z.strictObject(forUser);
export const preferencesUpdateInput = preferencesPatchSchema.extend(forUser);
export const listNotificationsInput = listQuerySchema.extend(forUser);
export const notificationIdsInput = idsSchema.extend(forUser);
export const searchNotificationsInput = searchQuerySchema.extend(forUser);

type ForUser = z.output<typeof ownDataInput>;

/**
 * What a signed-in user asks of their notifications (the settings screen, the notification center) and what backend
 * services submit: each call's permission check, then the work in PreferencesRepo, NotificationCenter or the
 * EventPipeline. A user acts on their own data; an admin may name another user and must say why (audited as
 * `staff.<what>`); only the `service` role may publish events.
 */
export class NotificationRequests {
  constructor(
    private readonly d: {
      audit: AuditLog;
      preferences: PreferencesRepo;
      center: NotificationCenter;
      pipeline: EventPipeline;
    },
  ) {}

  /** For backend services: the envelope is validated by the pipeline, which records a rejection (INVALID_ARGUMENT here). */
  async publishEvent(caller: Caller, raw: unknown): Promise<Submitted> {
    requireRole(caller, 'service');
    const submitted = await this.d.pipeline.submit(raw, 'callable', `callable:${randomUUID()}`);
    if (submitted.status === 'rejected') throw rejectionError(submitted);
    return submitted;
  }

  async getPreferences(caller: Caller, input: ForUser): Promise<EffectivePreferences> {
    return this.d.preferences.get(await this.target(caller, input, 'preferences_read'));
  }

  async updatePreferences(
    caller: Caller,
    input: z.output<typeof preferencesUpdateInput>,
  ): Promise<EffectivePreferences> {
    const { uid, reason, ...patch } = input;
    return this.d.preferences.update(
      await this.target(caller, { uid, reason }, 'preferences_update'),
      patch,
      caller.uid,
    );
  }

  async resetPreferences(caller: Caller, input: ForUser): Promise<EffectivePreferences> {
    return this.d.preferences.reset(await this.target(caller, input, 'preferences_reset'), caller.uid);
  }

  async list(
    caller: Caller,
    input: z.output<typeof listNotificationsInput>,
  ): Promise<{ items: InAppNotification[]; nextCursor: string | null }> {
    const { uid, reason, ...query } = input;
    return this.d.center.list(await this.target(caller, { uid, reason }, 'notifications_list'), query);
  }

  async unreadCount(caller: Caller, input: ForUser): Promise<UnreadCounts> {
    return this.d.center.unreadCounts(await this.target(caller, input, 'notifications_unread_count'));
  }

  async search(
    caller: Caller,
    input: z.output<typeof searchNotificationsInput>,
  ): Promise<{ items: InAppNotification[]; nextCursor: string | null; scanned: number }> {
    const { uid, reason, ...query } = input;
    return this.d.center.search(await this.target(caller, { uid, reason }, 'notifications_search'), query);
  }

  async markRead(caller: Caller, input: z.output<typeof notificationIdsInput>): Promise<{ updated: number }> {
    return this.d.center.markRead(await this.target(caller, input, 'notifications_mark_read'), input.ids);
  }

  async markAllRead(caller: Caller, input: ForUser): Promise<{ updated: number }> {
    return this.d.center.markAllRead(await this.target(caller, input, 'notifications_mark_all_read'));
  }

  async archive(caller: Caller, input: z.output<typeof notificationIdsInput>): Promise<{ updated: number }> {
    return this.d.center.archive(await this.target(caller, input, 'notifications_archive'), input.ids);
  }

  async unarchive(caller: Caller, input: z.output<typeof notificationIdsInput>): Promise<{ updated: number }> {
    return this.d.center.unarchive(await this.target(caller, input, 'notifications_unarchive'), input.ids);
  }

  async remove(caller: Caller, input: z.output<typeof notificationIdsInput>): Promise<{ updated: number }> {
    return this.d.center.remove(await this.target(caller, input, 'notifications_delete'), input.ids);
  }

  /** The user the call acts on: the caller, or (admins, with a reason) the user named in `uid`. */
  private target(caller: Caller, input: ForUser, what: string): Promise<string> {
    return actingFor(this.d.audit, caller, { uid: input.uid ?? caller.uid, what, reason: input.reason || undefined });
  }
}
