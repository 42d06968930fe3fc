import { z } from 'zod';
import { IANAZone } from 'luxon';
import { CATEGORIES, CHANNELS } from '../channels.js';
import type { Category, Channel } from '../channels.js';
import { NOTIFICATION_CATEGORY, NOTIFICATION_TYPES } from './plans.js';
import type { NotificationType } from './plans.js';

/**
 * Notification preferences: per notification type (grouped into categories) and channel, on/off and a frequency;
 * quiet hours and working hours in the user's time zone. The document (users/{uid}/settings/notifications) stores
 * only what the user changed; `effectivePreferences` lays it over the defaults, so a new default reaches everyone
 * who did not choose otherwise.
 */

export const FREQUENCIES = ['instant', 'hourly', 'daily', 'weekly', 'off'] as const;
export type Frequency = (typeof FREQUENCIES)[number];

export interface TypePreference {
  channels: Record<Channel, boolean>;
  /** instant, or held for an hourly/daily/weekly digest; off silences the type everywhere (in-app too). */
  frequency: Frequency;
}

export interface QuietHours {
  enabled: boolean;
  start: string;
  end: string;
  /** Critical types the user lets through quiet hours. */
  breakThrough: Partial<Record<NotificationType, boolean>>;
}

export interface WorkingHours {
  enabled: boolean;
  /** ISO weekdays, 1 = Monday … 7 = Sunday. */
  days: number[];
  start: string;
  end: string;
}

export interface EffectivePreferences {
  types: Record<NotificationType, TypePreference>;
  quietHours: QuietHours;
  workingHours: WorkingHours;
  /** Overrides the profile's zone when set. */
  timeZone?: string;
  /** Daily and weekly digests leave at this local time. */
  digestAt: string;
}

const allOn = (on: Partial<Record<Channel, boolean>>): Record<Channel, boolean> => ({
  push: false,
  sms: false,
  email: false,
  inApp: false,
  ...on,
});

const CATEGORY_DEFAULTS: Record<Category, TypePreference> = {
  commerce: { channels: allOn({ push: true, email: true, inApp: true }), frequency: 'instant' },
  messaging: { channels: allOn({ push: true, inApp: true }), frequency: 'instant' },
  social: { channels: allOn({ push: true, inApp: true }), frequency: 'instant' },
  community: { channels: allOn({ push: true, email: true, inApp: true }), frequency: 'daily' },
};

/** Where a type differs from its category: the critical ones may text, follower bursts wait for an hourly digest. */
const TYPE_DEFAULTS: Partial<Record<NotificationType, Partial<TypePreference>>> = {
  'auction.outbid': { channels: allOn({ push: true, sms: true, email: true, inApp: true }) },
  'auction.won': { channels: allOn({ push: true, sms: true, email: true, inApp: true }) },
  // SMS is the fallback here: it is spent only if push cannot reach the buyer (see routing.fallbackChannels).
  'order.payment_failed': { channels: allOn({ push: true, email: true, inApp: true }) },
  'auction.bid_placed': { channels: allOn({ push: true, inApp: true }) },
  'social.new_follower': { frequency: 'hourly' },
  'community.event': { frequency: 'instant' },
  // Order steps that ask nothing of the reader: no email (issue 18).
  'order.processing': { channels: allOn({ push: true, inApp: true }) },
  'order.sale_delivered': { channels: allOn({ push: true, inApp: true }) },
  // Announcements from the team (issue 18): in the app and on the phone at once; email only for who opts in.
  'system.announcement': { channels: allOn({ push: true, inApp: true }), frequency: 'instant' },
  // Delivery alerts to admins (issue 19): at once, on the phone and in the app, never held for a digest.
  'ops.delivery_alert': { channels: allOn({ push: true, inApp: true }), frequency: 'instant' },
};

export const DEFAULT_QUIET_HOURS: QuietHours = {
  enabled: true,
  start: '22:00',
  end: '07:00',
  // A delivery incident (issue 19) reaches the admins at night too.
  breakThrough: { 'auction.outbid': true, 'order.payment_failed': true, 'ops.delivery_alert': true },
};
export const DEFAULT_WORKING_HOURS: WorkingHours = {
  enabled: false,
  days: [1, 2, 3, 4, 5],
  start: '09:00',
  end: '17:00',
};

// ───────────────────────────── the stored document / the update a user sends ─────────────────────────────

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time HH:mm (00:00–23:59)');
export const timeZoneSchema = z
  .string()
  .refine((zone) => IANAZone.isValidZone(zone), 'must be an IANA time zone like Europe/Berlin');
const channelsPatch = z.strictObject(
  Object.fromEntries(CHANNELS.map((c) => [c, z.boolean().optional()])) as Record<Channel, z.ZodOptional<z.ZodBoolean>>,
);
const typePatch = z.strictObject({ channels: channelsPatch.optional(), frequency: z.enum(FREQUENCIES).optional() });

export const preferencesPatchSchema = z.strictObject({
  categories: z
    .strictObject(
      Object.fromEntries(CATEGORIES.map((c) => [c, typePatch.optional()])) as Record<
        Category,
        z.ZodOptional<typeof typePatch>
      >,
    )
    .optional(),
  types: z
    .strictObject(
      Object.fromEntries(NOTIFICATION_TYPES.map((t) => [t, typePatch.optional()])) as Record<
        NotificationType,
        z.ZodOptional<typeof typePatch>
      >,
    )
    .optional(),
  quietHours: z
    .strictObject({
      enabled: z.boolean().optional(),
      start: hhmm.optional(),
      end: hhmm.optional(),
      breakThrough: z
        .strictObject(
          Object.fromEntries(NOTIFICATION_TYPES.map((t) => [t, z.boolean().optional()])) as Record<
            NotificationType,
            z.ZodOptional<z.ZodBoolean>
          >,
        )
        .optional(),
    })
    .optional(),
  workingHours: z
    .strictObject({
      enabled: z.boolean().optional(),
      days: z.array(z.number().int().min(1).max(7)).min(1).max(7).optional(),
      start: hhmm.optional(),
      end: hhmm.optional(),
    })
    .optional(),
  timeZone: timeZoneSchema.optional(),
  digestAt: hhmm.optional(),
});
export type PreferencesPatch = z.infer<typeof preferencesPatchSchema>;

type TypePatch = z.infer<typeof typePatch>;

function apply(base: TypePreference, patch: TypePatch | undefined): TypePreference {
  if (!patch) return base;
  const channels = { ...base.channels };
  for (const channel of CHANNELS) {
    const on = patch.channels?.[channel];
    if (on !== undefined) channels[channel] = on;
  }
  return { channels, frequency: patch.frequency ?? base.frequency };
}

/** Defaults, then the user's category choices, then their per-type choices (most specific wins). */
export function effectivePreferences(stored: PreferencesPatch | undefined): EffectivePreferences {
  const types = {} as Record<NotificationType, TypePreference>;
  for (const type of NOTIFICATION_TYPES) {
    const category = NOTIFICATION_CATEGORY[type];
    const defaults = { ...CATEGORY_DEFAULTS[category], ...TYPE_DEFAULTS[type] };
    types[type] = apply(apply(defaults, stored?.categories?.[category]), stored?.types?.[type]);
  }
  const quiet = stored?.quietHours ?? {};
  const work = stored?.workingHours ?? {};
  return {
    types,
    quietHours: {
      enabled: quiet.enabled ?? DEFAULT_QUIET_HOURS.enabled,
      start: quiet.start ?? DEFAULT_QUIET_HOURS.start,
      end: quiet.end ?? DEFAULT_QUIET_HOURS.end,
      breakThrough: { ...DEFAULT_QUIET_HOURS.breakThrough, ...stripUndefined(quiet.breakThrough ?? {}) },
    },
    workingHours: {
      enabled: work.enabled ?? DEFAULT_WORKING_HOURS.enabled,
      days: work.days ?? DEFAULT_WORKING_HOURS.days,
      start: work.start ?? DEFAULT_WORKING_HOURS.start,
      end: work.end ?? DEFAULT_WORKING_HOURS.end,
    },
    ...(stored?.timeZone ? { timeZone: stored.timeZone } : {}),
    digestAt: stored?.digestAt ?? '09:00',
  };
}

/** Deep-merges a patch into the stored document (a later update keeps what an earlier one set elsewhere). */
export function mergePatch(stored: PreferencesPatch | undefined, patch: PreferencesPatch): PreferencesPatch {
  return deepMerge(stored ?? {}, patch) as PreferencesPatch;
}

function deepMerge(a: unknown, b: unknown): unknown {
  if (isPlain(a) && isPlain(b)) {
    const out: Record<string, unknown> = { ...a };
    for (const [key, value] of Object.entries(b)) if (value !== undefined) out[key] = deepMerge(a[key], value);
    return out;
  }
  return b === undefined ? a : b;
}

const isPlain = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

function stripUndefined<T extends Record<string, unknown>>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The patch that turns one channel on or off for a category or a type (email unsubscribe, one-tap settings). */
export function channelPatch(
  target: Category | NotificationType,
  channel: Channel,
  enabled: boolean,
): PreferencesPatch {
  const entry = { channels: { [channel]: enabled } };
  return (CATEGORIES as readonly string[]).includes(target)
    ? { categories: { [target]: entry } }
    : { types: { [target]: entry } };
}

export const isCategory = (v: string): v is Category => (CATEGORIES as readonly string[]).includes(v);
export const isNotificationType = (v: string): v is NotificationType =>
  (NOTIFICATION_TYPES as readonly string[]).includes(v);
