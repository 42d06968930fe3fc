import { z } from 'zod';
import type { DocData } from '../../ports.js';
import { audienceSchema } from '../../domain/notifications/events.js';
import type { ScheduleItem } from '../../domain/scheduling/schedules.js';

/**
 * The stored form of a scheduled item (`scheduledNotifications/{id}`) and back. Reading is validated: a document this
 * code did not write (or wrote in an older shape) is skipped by the release rather than sent half-formed.
 */
const itemSchema = z.object({
  kind: z.enum(['custom', 'auction', 'workshop', 'announcement']),
  status: z.enum(['pending', 'released', 'cancelled']),
  dueAt: z.date(),
  version: z.number().int().nonnegative(),
  recipientId: z.string().nullable(),
  createdBy: z.string(),
  message: z.object({
    type: z.enum(['reminder.due', 'auction.ending_soon', 'community.event_starting_soon', 'system.announcement']),
    payload: z.record(z.string(), z.unknown()),
    audience: audienceSchema.optional(),
  }),
  source: z.object({ ref: z.string(), target: z.date(), at: z.date(), cancelled: z.boolean() }).optional(),
});

export function itemOf(data: DocData | undefined): ScheduleItem | undefined {
  const parsed = itemSchema.safeParse(data);
  return parsed.success ? (parsed.data as ScheduleItem) : undefined;
}

/** The item's fields as stored (no undefined: Firestore refuses it). */
export function itemFields(item: ScheduleItem): DocData {
  const { source, message, ...rest } = item;
  return {
    ...rest,
    message: {
      type: message.type,
      payload: message.payload,
      ...(message.audience ? { audience: message.audience } : {}),
    },
    ...(source ? { source } : {}),
  };
}

/** What the callables answer about an item. */
export interface ScheduleView {
  id: string;
  status: ScheduleItem['status'];
  dueAt: string;
  recipientId: string | null;
}

export const viewOf = (id: string, item: ScheduleItem): ScheduleView => ({
  id,
  status: item.status,
  dueAt: item.dueAt.toISOString(),
  recipientId: item.recipientId,
});
