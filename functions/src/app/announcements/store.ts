import { z } from 'zod';
import type { DocData } from '../../ports.js';
import type { AnnouncementStatus, Segment } from '../../domain/announcements/announcements.js';
import { ANNOUNCEMENT_STATUSES, segmentSchema } from '../../domain/announcements/announcements.js';

/**
 * `announcements/{id}` as stored, and back. Reading is validated: a document this code did not write is treated as
 * missing (the fan-out tells no one rather than guess a segment).
 */
const announcementSchema = z.object({
  status: z.enum(ANNOUNCEMENT_STATUSES),
  segment: segmentSchema,
  title: z.string(),
  body: z.string(),
  link: z.string(),
  sendAt: z.date(),
  createdBy: z.string(),
  /** The event the scheduler releases it as (`events/{eventId}`): the fan-out answers only that event. */
  eventId: z.string(),
  recipients: z.number().int().nonnegative().optional(),
  sentAt: z.date().optional(),
  cancelledAt: z.date().optional(),
  cancelledBy: z.string().optional(),
});
export type Announcement = z.infer<typeof announcementSchema>;

export function announcementOf(data: DocData | undefined): Announcement | undefined {
  const parsed = announcementSchema.safeParse(data);
  return parsed.success ? parsed.data : undefined;
}

/** What the callables answer about an announcement. */
export interface AnnouncementView {
  id: string;
  status: AnnouncementStatus;
  segment: Segment;
  sendAt: string;
  /** How many users the fan-out was handed (once sent); preferences then decide who is told where. */
  recipients: number | null;
}

export const viewOf = (id: string, a: Announcement): AnnouncementView => ({
  id,
  status: a.status,
  segment: a.segment,
  sendAt: a.sendAt.toISOString(),
  recipients: a.recipients ?? null,
});
