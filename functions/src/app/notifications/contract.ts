import { z } from 'zod';
import { ACTING_FOR_OTHERS, defineContracts } from '../contract.js';
import { CATEGORIES, CHANNELS, PRIORITIES } from '../../domain/channels.js';
import { FREQUENCIES } from '../../domain/notifications/preferences.js';
import { NOTIFICATION_TYPES } from '../../domain/notifications/plans.js';
import { eventEnvelopeSchema } from '../../domain/notifications/events.js';

/**
 * The notification callables' answers and errors (src/app/notifications/userRequests.ts and what it calls). Inputs
 * are in userRequests.ts (`ownDataInput`, `preferencesUpdateInput`, `listNotificationsInput`, `notificationIdsInput`).
 */

const hhmm = z.string().regex(/^\d{2}:\d{2}$/);
const channels = z.strictObject(
  Object.fromEntries(CHANNELS.map((c) => [c, z.boolean()])) as Record<(typeof CHANNELS)[number], z.ZodBoolean>,
);
const typePreference = z.strictObject({ channels, frequency: z.enum(FREQUENCIES) });

/** EffectivePreferences (src/domain/notifications/preferences.ts): the user's choices laid over the defaults. */
export const effectivePreferencesOutput = z.strictObject({
  types: z.strictObject(
    Object.fromEntries(NOTIFICATION_TYPES.map((t) => [t, typePreference])) as Record<
      (typeof NOTIFICATION_TYPES)[number],
      typeof typePreference
    >,
  ),
  quietHours: z.strictObject({
    enabled: z.boolean(),
    start: hhmm,
    end: hhmm,
    /** Critical types the user lets through quiet hours. */
    breakThrough: z.partialRecord(z.enum(NOTIFICATION_TYPES), z.boolean()),
  }),
  workingHours: z.strictObject({
    enabled: z.boolean(),
    /** ISO weekdays, 1 = Monday … 7 = Sunday. */
    days: z.array(z.number().int().min(1).max(7)),
    start: hhmm,
    end: hhmm,
  }),
  /** IANA zone; overrides the profile's when set. */
  timeZone: z.string().optional(),
  /** Daily and weekly digests leave at this local time. */
  digestAt: hhmm,
});

/** An in-app notification as listNotifications answers it (InAppNotification, dates as ISO 8601 instants). */
export const inAppNotificationOutput = z.strictObject({
  id: z.string(),
  type: z.enum(NOTIFICATION_TYPES),
  category: z.enum(CATEGORIES),
  priority: z.enum(PRIORITIES),
  title: z.string(),
  body: z.string(),
  /** Deep-link data (`link`, ids of what it is about): strings only. */
  data: z.record(z.string(), z.string()),
  groupKey: z.string(),
  /** How many events this notification stands for (a collapsed burst counts each). */
  count: z.number().int(),
  read: z.boolean(),
  readAt: z.iso.datetime().nullable(),
  archived: z.boolean(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  sortKey: z.string(),
  /** Critical types reach the user through quiet hours and fall back across channels (absent on older documents). */
  critical: z.boolean().optional(),
  /** The domain event it came from (absent on notifications not made from a domain event, and on older ones). */
  eventId: z.string().optional(),
});

const updated = z.strictObject({ updated: z.number().int() });

export const notificationsContracts = defineContracts({
  publishEvent: {
    summary:
      'Submits a marketplace event (the envelope of src/domain/notifications/events.ts) to the notification pipeline.',
    who: 'backend services only: an ID token with the `service` claim',
    roles: ['service'],
    documentedInput: eventEnvelopeSchema,
    output: z.strictObject({
      /** Derived from `idempotencyKey`: the same key always gives the same id. */
      eventId: z.string(),
      /**
       * `processed` also answers a retry with the same idempotencyKey (same eventId; nothing is sent twice);
       * `duplicate`: the key was first used by an `events/` document under another id, which is the event.
       */
      status: z.enum(['processed', 'duplicate']),
    }),
    errors: [
      { code: 'permission-denied', when: 'the caller has no `service` claim' },
      {
        code: 'invalid-argument',
        when: 'the envelope or payload is invalid (unknown type, missing field, over 16 KiB); details.eventId names the rejection record',
      },
    ],
  },
  getPreferences: {
    summary: "The caller's effective notification preferences (defaults with their choices laid over).",
    who: 'own data; admins name `uid` with a `reason`',
    roles: ['admin'],
    output: effectivePreferencesOutput,
    errors: [...ACTING_FOR_OTHERS],
  },
  updatePreferences: {
    summary: 'Changes preferences (a patch: per type and channel, frequency, quiet hours, working hours, zone).',
    who: 'own data; admins name `uid` with a `reason`',
    roles: ['admin'],
    output: effectivePreferencesOutput,
    errors: [...ACTING_FOR_OTHERS],
  },
  resetPreferences: {
    summary: 'Back to the defaults.',
    who: 'own data; admins name `uid` with a `reason`',
    roles: ['admin'],
    output: effectivePreferencesOutput,
    errors: [...ACTING_FOR_OTHERS],
  },
  listNotifications: {
    summary:
      'A page of the notification center (filters: category or type, read, archived, from/to; order newest|oldest|unreadFirst).',
    who: 'own data; admins name `uid` with a `reason`',
    roles: ['admin'],
    output: z.strictObject({
      items: z.array(inAppNotificationOutput),
      /** Pass as `cursor` for the next page; null on the last page. */
      nextCursor: z.string().nullable(),
    }),
    errors: [
      ...ACTING_FOR_OTHERS,
      { code: 'invalid-argument', when: '`cursor` is not one this callable returned, or both `type` and `category`' },
    ],
  },
  searchNotifications: {
    summary:
      "Searches the caller's own notifications for every word of `query` in the title or body (case and accents ignored), newest first; reads at most 1,000 per call and `nextCursor` goes on from there, so a page may be short while more remain.",
    who: 'own data; admins name `uid` with a `reason`',
    roles: ['admin'],
    output: z.strictObject({
      items: z.array(inAppNotificationOutput),
      /** Pass as `cursor` to search further back; null when every notification was read. */
      nextCursor: z.string().nullable(),
      /** How many notifications this call read. */
      scanned: z.number().int(),
    }),
    errors: [...ACTING_FOR_OTHERS, { code: 'invalid-argument', when: '`cursor` is not one this callable returned' }],
  },
  getUnreadCount: {
    summary:
      'The unread badge and one count per category (exact: kept in the same transaction as every read-state change, retention included).',
    who: 'own data; admins name `uid` with a `reason`',
    roles: ['admin'],
    output: z.strictObject({
      unread: z.number().int(),
      byCategory: z.strictObject(
        Object.fromEntries(CATEGORIES.map((c) => [c, z.number().int()])) as Record<
          (typeof CATEGORIES)[number],
          z.ZodNumber
        >,
      ),
    }),
    errors: [...ACTING_FOR_OTHERS],
  },
  markNotificationsRead: {
    summary: 'Marks the listed notifications read; `updated` counts those that changed.',
    who: 'own data; admins name `uid` with a `reason`',
    roles: ['admin'],
    output: updated,
    errors: [...ACTING_FOR_OTHERS],
  },
  markAllNotificationsRead: {
    summary: 'Marks every unread notification read.',
    who: 'own data; admins name `uid` with a `reason`',
    roles: ['admin'],
    output: updated,
    errors: [...ACTING_FOR_OTHERS],
  },
  archiveNotifications: {
    summary: 'Archives the listed notifications (archived ones leave the default list and the badge).',
    who: 'own data; admins name `uid` with a `reason`',
    roles: ['admin'],
    output: updated,
    errors: [...ACTING_FOR_OTHERS],
  },
  unarchiveNotifications: {
    summary:
      'Brings archived notifications back into the list (they stay read); `updated` counts those that were archived.',
    who: 'own data; admins name `uid` with a `reason`',
    roles: ['admin'],
    output: updated,
    errors: [...ACTING_FOR_OTHERS],
  },
  deleteNotifications: {
    summary: 'Deletes the listed notifications.',
    who: 'own data; admins name `uid` with a `reason`',
    roles: ['admin'],
    output: updated,
    errors: [...ACTING_FOR_OTHERS],
  },
});
