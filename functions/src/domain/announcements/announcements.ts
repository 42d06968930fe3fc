import { z } from 'zod';
import { hashedId } from '../ids.js';
import { httpsUrl } from '../links.js';
import { displayText, docId, instantInput } from '../validation.js';
import type { EventMessage } from '../notifications/events.js';

/**
 * System announcements (issue 18): an admin tells a segment of users something (maintenance, new features, a fair)
 * through the notification pipeline. Pure rules only; the store work is in src/app/announcements.
 *
 * Life of one: `sendAnnouncement` writes `announcements/{id}` (`scheduled`) and a `scheduledNotifications/{id}` item
 * (kind `announcement`) due at `sendAt` (now when omitted). The scheduler releases it as a `system.announcement` event
 * (idempotency key `scheduled:<id>:v1`); the pipeline's fan-out page step claims the announcement (`scheduled` →
 * `sent`, with the recipient count) in one transaction right before it publishes the first chunk, and the chunks go
 * through the chunk path every follower audience uses (preferences, quiet hours, bursts, rate limits, receipts).
 * `cancelAnnouncement` works until that claim: afterwards chunks are out and it is FAILED_PRECONDITION.
 */

export const ANNOUNCEMENTS_COLLECTION = 'announcements';
export const announcementPath = (id: string) => `${ANNOUNCEMENTS_COLLECTION}/${id}`;

const DAY = 24 * 60 * 60 * 1000;
/** As far ahead as any scheduled notification (src/domain/scheduling/schedules.ts MAX_AHEAD_MS). */
export const MAX_SEND_AHEAD_MS = 30 * DAY;

/** Profile roles a segment may name (users/{uid}.kind; src/domain/users.ts). */
export const SEGMENT_ROLES = ['creator', 'collector'] as const;

/** Who hears it: every user with a profile, the users of one profile role, or one creator's followers. */
export const segmentSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('all') }),
  z.strictObject({ kind: z.literal('role'), role: z.enum(SEGMENT_ROLES) }),
  z.strictObject({ kind: z.literal('followers'), creatorId: docId('a user id') }),
]);
export type Segment = z.infer<typeof segmentSchema>;

export const ANNOUNCEMENT_STATUSES = ['scheduled', 'sent', 'cancelled'] as const;
export type AnnouncementStatus = (typeof ANNOUNCEMENT_STATUSES)[number];

/** What sendAnnouncement accepts. */
export const sendAnnouncementInput = z.strictObject({
  /** The caller's id for this request: the same id again answers with the announcement it created. */
  requestId: docId('an id'),
  segment: segmentSchema,
  /** Push title and email subject: one line. */
  title: displayText(120),
  body: displayText(500),
  /** Where the announcement leads (a page on the site, a blog post): https only. */
  link: httpsUrl(),
  /** When to send: an ISO 8601 date-time with a zone or epoch ms, at most 30 days ahead; omitted (or past) = now. */
  sendAt: instantInput().optional(),
});
export type SendAnnouncementInput = z.output<typeof sendAnnouncementInput>;

export const announcementRefInput = z.strictObject({ id: docId('an announcement id') });

/** An announcement's id: the admin's request id under the admin, so a retried call finds what it created. */
export const announcementId = (createdBy: string, requestId: string) =>
  hashedId(`${createdBy}:${requestId}`, { length: 32, prefix: 'ann_' });

/** Why `sendAt` cannot be used, naming the field; undefined when it can. */
export function sendAtProblem(sendAt: Date, now: Date): string | undefined {
  if (sendAt.getTime() - now.getTime() > MAX_SEND_AHEAD_MS) return 'sendAt: must be at most 30 days ahead';
  return undefined;
}

/** The event the announcement becomes (minus what the scheduler's release adds: key and occurredAt). */
export function announcementPayload(
  id: string,
  input: Pick<SendAnnouncementInput, 'title' | 'body' | 'link'>,
): EventMessage<'system.announcement'>['payload'] {
  return { announcementId: id, title: input.title, body: input.body, link: input.link };
}

/** A segment as the audit log and the logs name it: `all`, `role:creator`, `followers:u_maya`. */
export function segmentLabel(segment: Segment): string {
  switch (segment.kind) {
    case 'all':
      return 'all';
    case 'role':
      return `role:${segment.role}`;
    case 'followers':
      return `followers:${segment.creatorId}`;
  }
}

/** Whether a profile (users/{uid}) is in a profile-wide segment; followers are resolved from their own collection. */
export function inProfileSegment(segment: Exclude<Segment, { kind: 'followers' }>, profile: { kind?: unknown }) {
  if (segment.kind === 'all') return true;
  // Profiles without `kind` are collectors (userProfileSchema's default).
  const kind = profile.kind === 'creator' ? 'creator' : 'collector';
  return kind === segment.role;
}

/** Why an announcement in this status can no longer be cancelled (FAILED_PRECONDITION), or undefined. */
export function cancelProblem(status: AnnouncementStatus, recipients: number | undefined): string | undefined {
  if (status !== 'sent') return undefined;
  return `id: this announcement was already sent${
    recipients === undefined ? '' : ` to ${recipients} ${recipients === 1 ? 'user' : 'users'}`
  }; it can no longer be cancelled`;
}
