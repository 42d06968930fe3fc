import { z } from 'zod';
import type { DocData } from '../../ports.js';
import type { AnnouncementStatus, Segment } from '../../domain/announcements/announcements.js';
import { ANNOUNCEMENT_STATUSES, MAX_PAGE_SIZE, segmentSchema } from '../../domain/announcements/announcements.js';

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
  /** Documents read per fan-out page, fixed when sent (absent: DEFAULT_PAGE_SIZE). */
  pageSize: z.number().int().min(1).max(MAX_PAGE_SIZE).optional(),
  /** Users handed to the fan-out so far (the pages claimed), final once `sent`. */
  recipients: z.number().int().nonnegative().optional(),
  pages: z.number().int().nonnegative().optional(),
  startedAt: z.date().optional(),
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
  /** How many users the fan-out was handed (so far while sending); preferences then decide who is told where. */
  recipients: number | null;
}

export const viewOf = (id: string, a: Announcement): AnnouncementView => ({
  id,
  status: a.status,
  segment: a.segment,
  sendAt: a.sendAt.toISOString(),
  recipients: a.recipients ?? null,
});
