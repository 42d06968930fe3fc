import { randomUUID } from 'node:crypto';
import { onDocumentCreated } from 'firebase-functions/v2/firestore';
import { onSchedule } from 'firebase-functions/v2/scheduler';
import { z } from 'zod';
import { idsSchema, listQuerySchema } from '../app/notifications/notificationCenter.js';
import { rejectionError } from '../app/notifications/eventPipeline.js';
import { TOPICS } from '../domain/channels.js';
import { requireRole, requireSelfOr } from '../domain/caller.js';
import type { Caller } from '../domain/caller.js';
import { preferencesPatchSchema } from '../domain/notifications/preferences.js';
import { callable } from './callable.js';
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

/** Own data by default; an admin may name another user. */
const forUser = { uid: z.string().min(1).max(128).optional() };
const target = (caller: Caller, uid: string | undefined) => {
  const who = uid ?? caller.uid;
  requireSelfOr(caller, who);
  return who;
};

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

export const getPreferences = callable(z.strictObject(forUser), (data, { caller, services: s }) =>
  s.notifications.preferences.get(target(caller, data.uid)));

export const updatePreferences = callable(preferencesPatchSchema.extend(forUser), (data, { caller, services: s }) => {
  const { uid, ...patch } = data;
  return s.notifications.preferences.update(target(caller, uid), patch, caller.uid);
});

export const resetPreferences = callable(z.strictObject(forUser), (data, { caller, services: s }) =>
  s.notifications.preferences.reset(target(caller, data.uid), caller.uid));

// ── notification center ──

export const listNotifications = callable(listQuerySchema.extend(forUser), (data, { caller, services: s }) => {
  const { uid, ...query } = data;
  return s.notifications.center.list(target(caller, uid), query);
});

export const getUnreadCount = callable(z.strictObject(forUser), async (data, { caller, services: s }) => ({
  unread: await s.notifications.center.unreadCount(target(caller, data.uid)),
}));

export const markNotificationsRead = callable(idsSchema.extend(forUser), (data, { caller, services: s }) =>
  s.notifications.center.markRead(target(caller, data.uid), data.ids));

export const markAllNotificationsRead = callable(z.strictObject(forUser), (data, { caller, services: s }) =>
  s.notifications.center.markAllRead(target(caller, data.uid)));

export const archiveNotifications = callable(idsSchema.extend(forUser), (data, { caller, services: s }) =>
  s.notifications.center.archive(target(caller, data.uid), data.ids));

export const deleteNotifications = callable(idsSchema.extend(forUser), (data, { caller, services: s }) =>
  s.notifications.center.remove(target(caller, data.uid), data.ids));
