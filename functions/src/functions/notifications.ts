import { randomUUID } from 'node:crypto';
import { onDocumentCreated } from 'firebase-functions/v2/firestore';
import { onSchedule } from 'firebase-functions/v2/scheduler';
import { z } from 'zod';
import { idsSchema, listQuerySchema } from '../app/notifications/notificationCenter.js';
import { rejectionError } from '../app/notifications/eventPipeline.js';
import { TOPICS } from '../domain/channels.js';
import { requireRole } from '../domain/caller.js';
import { docId, noteText } from '../domain/validation.js';
import { actingFor, STAFF_REASON_MAX } from '../app/staffAccess.js';
import { preferencesPatchSchema } from '../domain/notifications/preferences.js';
import { CALL_LIMITS } from '../app/callLimits.js';
import { callable } from './callable.js';
import type { CallContext } from './callable.js';
import { REGION } from './options.js';
import { topicFunction } from './pubsub.js';
import { services } from './runtime.js';
import { fromFirestore } from '../adapters/firestore/firestoreDocumentStore.js';
import type { DocData } from '../ports.js';

/**
 * Notifications: the three ways events come in (events/ documents, publishEvent, the domain-events topic), the
 * audience fan-out, the digest release, and the callables behind the settings screen and the notification center.
 * Thin: each hands validated input to the use cases in src/app/notifications.
 */

/** Own data by default; an admin may name another user, with a reason (audited: src/app/staffAccess.ts). */
const forUser = { uid: docId('a user id').optional(), reason: noteText(STAFF_REASON_MAX).optional() };
const target = (ctx: CallContext, data: { uid?: string | undefined; reason?: string | undefined }, what: string) =>
  actingFor(ctx.services.audit, ctx.caller, { uid: data.uid ?? ctx.caller.uid, what, reason: data.reason || undefined });

// ── events in ──

export const onNotificationEventCreated = onDocumentCreated({ document: 'events/{eventId}', region: REGION, retry: true }, async (event) => {
  // Timestamps become Dates, the shape the schemas expect (as the store adapter returns them).
  const data = fromFirestore(event.data?.data()) as DocData | undefined;
  await services().notifications.pipeline.onDocument(event.params.eventId, data, event.id);
});

/** For backend services (service role): the envelope is validated by the pipeline, which records a rejection. */
export const publishEvent = callable(z.unknown(), async (data, { caller, services: s }) => {
  requireRole(caller, 'service');
  const submitted = await s.notifications.pipeline.submit(data, 'callable', `callable:${randomUUID()}`);
  if (submitted.status === 'rejected') throw rejectionError(submitted);
  return submitted;
});

export const notificationsDomainEvents = topicFunction(TOPICS.domainEvents);
export const notificationsFanout = topicFunction(TOPICS.fanout, { timeoutSeconds: 300, memory: '512MiB' });

export const releaseNotificationDigests = onSchedule({ schedule: 'every 5 minutes', region: REGION, timeoutSeconds: 300 }, async () => {
  await services().notifications.digests.releaseDue();
});

// ── preferences ──

export const getPreferences = callable(z.strictObject(forUser), async (data, ctx) =>
  ctx.services.notifications.preferences.get(await target(ctx, data, 'preferences_read')));

export const updatePreferences = callable(preferencesPatchSchema.extend(forUser), async (data, ctx) => {
  const { uid, reason, ...patch } = data;
  return ctx.services.notifications.preferences.update(await target(ctx, { uid, reason }, 'preferences_update'), patch, ctx.caller.uid);
}, { limit: CALL_LIMITS.preferences });

export const resetPreferences = callable(z.strictObject(forUser), async (data, ctx) =>
  ctx.services.notifications.preferences.reset(await target(ctx, data, 'preferences_reset'), ctx.caller.uid), { limit: CALL_LIMITS.preferences });

// ── notification center ──

export const listNotifications = callable(listQuerySchema.extend(forUser), async (data, ctx) => {
  const { uid, reason, ...query } = data;
  return ctx.services.notifications.center.list(await target(ctx, { uid, reason }, 'notifications_list'), query);
});

export const getUnreadCount = callable(z.strictObject(forUser), async (data, ctx) => ({
  unread: await ctx.services.notifications.center.unreadCount(await target(ctx, data, 'notifications_unread_count')),
}));

export const markNotificationsRead = callable(idsSchema.extend(forUser), async (data, ctx) =>
  ctx.services.notifications.center.markRead(await target(ctx, data, 'notifications_mark_read'), data.ids), { limit: CALL_LIMITS.notificationCenter });

export const markAllNotificationsRead = callable(z.strictObject(forUser), async (data, ctx) =>
  ctx.services.notifications.center.markAllRead(await target(ctx, data, 'notifications_mark_all_read')), { limit: CALL_LIMITS.notificationCenter });

export const archiveNotifications = callable(idsSchema.extend(forUser), async (data, ctx) =>
  ctx.services.notifications.center.archive(await target(ctx, data, 'notifications_archive'), data.ids), { limit: CALL_LIMITS.notificationCenter });

export const deleteNotifications = callable(idsSchema.extend(forUser), async (data, ctx) =>
  ctx.services.notifications.center.remove(await target(ctx, data, 'notifications_delete'), data.ids), { limit: CALL_LIMITS.notificationCenter });
