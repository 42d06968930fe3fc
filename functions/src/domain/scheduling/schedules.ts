import { z } from 'zod';
import { hashedId } from '../ids.js';
import { displayText, docId, instantInput } from '../validation.js';
import type { Audience, EventMessage } from '../notifications/events.js';

/**
 * Scheduled notifications (issue 18): a notification that waits in `scheduledNotifications/{id}` until its time, then
 * becomes a domain event (an `events/` document with a deterministic idempotency key) that the notification pipeline
 * delivers like any other, under the recipient's preferences and quiet hours. Two kinds of items:
 * - `custom`: a reminder a person sets for themselves, or a notification a backend (`service`) or an admin schedules
 *   for anyone (`reminder.due`, title and text chosen by the scheduler);
 * - `auction` / `workshop`: reminders 24 h and 1 h before an auction ends or a community event starts, kept by the
 *   events that announce, move and cancel them (app/scheduling/reminders.ts).
 * Pure rules only: the store work is in src/app/scheduling.
 */

export const SCHEDULES_COLLECTION = 'scheduledNotifications';
export const schedulePath = (id: string) => `${SCHEDULES_COLLECTION}/${id}`;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** How far ahead a caller may schedule (the 30 days). Reminders follow their auction or event instead. */
export const MAX_AHEAD_MS = 30 * DAY;
/** The release runs every minute: anything sooner would not be "scheduled", and may already be late. */
export const MIN_AHEAD_MS = MINUTE;
/** Pending custom items one person may have waiting for them (a user's own reminders; a backend's per recipient). */
export const MAX_PENDING_PER_RECIPIENT = 100;

/** The reminders before an auction ends or an event starts: 24 hours and 1 hour ahead. */
export const REMINDER_OFFSETS = [
  { label: '24h', ms: DAY },
  { label: '1h', ms: HOUR },
] as const;
export type ReminderLabel = (typeof REMINDER_OFFSETS)[number]['label'];

/** `announcement`: a system announcement waiting for its `sendAt` (src/app/announcements), cancelled only there. */
export type ScheduleKind = 'custom' | 'auction' | 'workshop' | 'announcement';
export type ScheduleStatus = 'pending' | 'released' | 'cancelled';

/** The event an item becomes when due, minus what the release adds (idempotency key, occurredAt). */
export interface ScheduledMessage {
  type: EventMessage<
    'reminder.due' | 'auction.ending_soon' | 'community.event_starting_soon' | 'system.announcement'
  >['type'];
  payload: Record<string, unknown>;
  audience?: Audience;
}

/** The source an auction/workshop reminder follows: its ref, the target time, and the newest event applied. */
export interface ReminderSource {
  ref: string;
  /** When the auction ends / the event starts. */
  target: Date;
  /** occurredAt of the newest event applied: an older event arriving late changes nothing. */
  at: Date;
  /** The auction or event was cancelled: terminal, later announcements do not revive the reminder. */
  cancelled: boolean;
}

export interface ScheduleItem {
  kind: ScheduleKind;
  status: ScheduleStatus;
  dueAt: Date;
  /** Bumped by every reschedule: part of the release's idempotency key, so a re-armed item is a new event. */
  version: number;
  /** Who may read it (firestore.rules) and be told: null for reminders that go to an audience. */
  recipientId: string | null;
  createdBy: string;
  message: ScheduledMessage;
  source?: ReminderSource;
}

/** The idempotency key of the event an item becomes: the same item and version is the same event, however often. */
export const releaseKey = (id: string, version: number) => `scheduled:${id}:v${version}`;

/** A custom item's id: the caller's request id under the caller, so a retried call finds the item it created. */
export const customScheduleId = (createdBy: string, requestId: string) =>
  hashedId(`${createdBy}:${requestId}`, { length: 32, prefix: 'sch_' });

/** A reminder's id: one per source and offset, so an event processed twice writes the same two documents. */
export const reminderId = (kind: 'auction' | 'workshop', ref: string, label: ReminderLabel) =>
  hashedId(`${kind}:${ref}:${label}`, { length: 32, prefix: `rem_${kind}_` });

// ── what callers send ──

const id = docId('an id');
/** A link inside the apps (`/auctions/a1`): the notification's deep link; never another site. */
const appPath = z
  .string()
  .max(300, 'must be at most 300 characters')
  .regex(/^\/[A-Za-z0-9/_.~-]*$/, 'must be a path in the app such as /auctions/a1 (letters, digits, / _ . ~ -)');

export const scheduleInput = z.strictObject({
  /** The caller's id for this request: calling again with it returns the item instead of creating another. */
  requestId: id,
  /** When to deliver: an ISO 8601 date-time with a zone (or epoch ms), between 1 minute and 30 days ahead. */
  at: instantInput(),
  /** Whom to tell. Users may only name themselves (or leave it out); `service` and `admin` callers anyone. */
  recipientId: id.optional(),
  title: displayText(120),
  body: displayText(500),
  link: appPath.optional(),
});
export type ScheduleInput = z.infer<typeof scheduleInput>;

export const scheduleRefInput = z.strictObject({ id: docId('a scheduled notification id') });
export const rescheduleInput = z.strictObject({ id: docId('a scheduled notification id'), at: instantInput() });

/** Why `at` cannot be used now, naming the field; undefined when it can. */
export function dueAtProblem(at: Date, now: Date): string | undefined {
  const ahead = at.getTime() - now.getTime();
  if (ahead < MIN_AHEAD_MS) return 'at: must be at least 1 minute in the future';
  if (ahead > MAX_AHEAD_MS) return 'at: must be at most 30 days ahead';
  return undefined;
}

/** What a custom item tells its recipient when due. */
export function customMessage(id: string, recipientId: string, input: ScheduleInput): ScheduledMessage {
  return {
    type: 'reminder.due',
    payload: {
      scheduleId: id,
      recipientId,
      title: input.title,
      body: input.body,
      ...(input.link ? { link: input.link } : {}),
    },
  };
}

// ── reminders from auction and event announcements ──

export interface AuctionSource {
  kind: 'auction';
  ref: string;
  title: string;
  target: Date;
}
export interface WorkshopSource {
  kind: 'workshop';
  ref: string;
  title: string;
  target: Date;
  location: string;
  eventKind: 'workshop' | 'meetup';
  hostId: string;
  audience?: Audience;
}

/** The event each reminder becomes: `auction.ending_soon` to the auction's watchers, or the event's reminder. */
export function reminderMessage(source: AuctionSource | WorkshopSource, label: ReminderLabel): ScheduledMessage {
  const offset = REMINDER_OFFSETS.find((o) => o.label === label)!;
  if (source.kind === 'auction')
    return {
      type: 'auction.ending_soon',
      payload: {
        auctionId: source.ref,
        auctionTitle: source.title,
        endsAt: source.target.toISOString(),
        minutesLeft: offset.ms / MINUTE,
      },
      audience: { kind: 'auctionWatchers', auctionId: source.ref },
    };
  return {
    type: 'community.event_starting_soon',
    payload: {
      eventRef: source.ref,
      eventTitle: source.title,
      kind: source.eventKind,
      startsAt: source.target.toISOString(),
      location: source.location,
      hostId: source.hostId,
      hoursLeft: offset.ms / HOUR,
    },
    ...(source.audience ? { audience: source.audience } : {}),
  };
}

export type ReminderChange =
  { action: 'none'; reason: string } | { action: 'write'; item: ScheduleItem; reason: string };

/**
 * What an announcement (a new or moved end/start time) or a cancellation does to one reminder, given what is stored.
 * Idempotent (the same event twice: `none`) and order-proof (an event older than the one applied: `none`; a
 * cancellation is final). A reminder whose time has passed is not created; a pending one that would now be late is
 * cancelled; a released one is re-armed, as a new event, when the time moved and its new moment is still ahead.
 */
export function reminderChange(
  current: ScheduleItem | undefined,
  update:
    | { kind: 'announce'; source: AuctionSource | WorkshopSource; at: Date }
    | { kind: 'cancel'; sourceKind: 'auction' | 'workshop'; ref: string; at: Date },
  label: ReminderLabel,
  now: Date,
): ReminderChange {
  if (current?.source?.cancelled) return { action: 'none', reason: 'source cancelled' };
  if (current?.source && current.source.at.getTime() > update.at.getTime())
    return { action: 'none', reason: 'older than the event applied' };
  if (update.kind === 'cancel') {
    const source: ReminderSource = {
      ref: update.ref,
      target: current?.source?.target ?? update.at,
      at: update.at,
      cancelled: true,
    };
    // A tombstone even when nothing was scheduled yet: an announcement arriving after the cancellation stays void.
    const base: ScheduleItem = current ?? {
      kind: update.sourceKind,
      status: 'cancelled',
      dueAt: update.at,
      version: 0,
      recipientId: null,
      createdBy: 'system',
      message: {
        type: update.sourceKind === 'auction' ? 'auction.ending_soon' : 'community.event_starting_soon',
        payload: {},
      },
    };
    return {
      action: 'write',
      item: { ...base, status: base.status === 'released' ? 'released' : 'cancelled', source },
      reason: 'cancelled',
    };
  }
  const offset = REMINDER_OFFSETS.find((o) => o.label === label)!;
  const { source: announced } = update;
  const dueAt = new Date(announced.target.getTime() - offset.ms);
  const source: ReminderSource = { ref: announced.ref, target: announced.target, at: update.at, cancelled: false };
  const message = reminderMessage(announced, label);
  const late = dueAt.getTime() <= now.getTime();
  if (!current) {
    if (late) return { action: 'none', reason: 'its moment has passed' };
    return {
      action: 'write',
      item: {
        kind: announced.kind,
        status: 'pending',
        dueAt,
        version: 1,
        recipientId: null,
        createdBy: 'system',
        message,
        source,
      },
      reason: 'created',
    };
  }
  const sameTarget = current.source?.target.getTime() === announced.target.getTime();
  if (sameTarget && JSON.stringify(current.message) === JSON.stringify(message))
    return current.source?.at.getTime() === update.at.getTime()
      ? { action: 'none', reason: 'unchanged' }
      : { action: 'write', item: { ...current, source }, reason: 'unchanged time' };
  if (current.status === 'released') {
    if (sameTarget || late) return { action: 'write', item: { ...current, source }, reason: 'already sent' };
    return {
      action: 'write',
      item: { ...current, status: 'pending', dueAt, version: current.version + 1, message, source },
      reason: 're-armed',
    };
  }
  if (late)
    return {
      action: 'write',
      item: { ...current, status: 'cancelled', message, source },
      reason: 'its moment has passed',
    };
  return {
    action: 'write',
    item: {
      ...current,
      status: 'pending',
      dueAt,
      version:
        current.status === 'pending' && current.dueAt.getTime() === dueAt.getTime()
          ? current.version
          : current.version + 1,
      message,
      source,
    },
    reason: current.dueAt.getTime() === dueAt.getTime() ? 'updated' : 'rescheduled',
  };
}
