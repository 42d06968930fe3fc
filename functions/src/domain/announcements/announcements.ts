import { z } from 'zod';
import { ROLES } from '../caller.js';
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
 * (idempotency key `scheduled:<id>:v1`); the pipeline's fan-out walks the segment page by page (at most `pageSize`
 * documents read per `page` message, ordered by document id, each page resuming after the last id of the one before):
 * each page is claimed in one transaction with the announcement (`scheduled` → `sending` → `sent` on the last page,
 * the recipient count growing page by page) right before its chunks are published, and the chunks go through the
 * chunk path every follower audience uses (preferences, quiet hours, bursts, rate limits, receipts).
 * `cancelAnnouncement` works until the last page is claimed: pages claimed before it go, the rest never do; once
 * `sent` it is FAILED_PRECONDITION.
 */

export const ANNOUNCEMENTS_COLLECTION = 'announcements';
export const announcementPath = (id: string) => `${ANNOUNCEMENTS_COLLECTION}/${id}`;

const DAY = 24 * 60 * 60 * 1000;
/** As far ahead as any scheduled notification (src/domain/scheduling/schedules.ts MAX_AHEAD_MS). */
export const MAX_SEND_AHEAD_MS = 30 * DAY;

/** Profile roles a segment may name (users/{uid}.kind; src/domain/users.ts). */
export const SEGMENT_ROLES = ['creator', 'collector'] as const;

/** Staff roles a segment may name: the Auth claims, mirrored onto `users/{uid}.staffRoles` (src/domain/users.ts). */
export const STAFF_ROLES = ROLES;

/**
 * Who hears it: every user with a profile, the users of one profile role, the holders of one staff role (admin,
 * compliance, service: the profile's server-owned mirror of the Auth claim), or one creator's followers.
 */
export const segmentSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('all') }),
  z.strictObject({ kind: z.literal('role'), role: z.enum(SEGMENT_ROLES) }),
  z.strictObject({ kind: z.literal('staff'), role: z.enum(STAFF_ROLES) }),
  z.strictObject({ kind: z.literal('followers'), creatorId: docId('a user id') }),
]);
export type Segment = z.infer<typeof segmentSchema>;

/** `sending`: some pages are out, not the last; cancelling then stops the pages not yet claimed. */
export const ANNOUNCEMENT_STATUSES = ['scheduled', 'sending', 'sent', 'cancelled'] as const;
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

/** A segment as the audit log and the logs name it: `all`, `role:creator`, `staff:admin`, `followers:u_maya`. */
export function segmentLabel(segment: Segment): string {
  switch (segment.kind) {
    case 'all':
      return 'all';
    case 'role':
      return `role:${segment.role}`;
    case 'staff':
      return `staff:${segment.role}`;
    case 'followers':
      return `followers:${segment.creatorId}`;
  }
}

/**
 * Documents read per fan-out page (one `page` message, one function invocation): bounded whatever the segment's size,
 * so 100,000 users are 100 pages of 1,000 reads each, never one unbounded query. Stored on the announcement when it is
 * sent (`pageSize`), so a walk keeps one page size across a deploy that changes it.
 */
export const DEFAULT_PAGE_SIZE = 1000;
export const MAX_PAGE_SIZE = 1000;

/** The document-id order (Firestore's FieldPath.documentId(); the DocumentStore port's `__name__`). */
const DOCUMENT_ID = '__name__';

/**
 * The query that reads one page of a segment: `limit` documents after `cursor` (the last document id the page before
 * read), in id order. Followers: their member documents (`{uid}` each, ordered by it as every follower walk is).
 * Everyone and a profile role: `users/` itself (a profile per account; erased accounts have none); the role is filtered
 * per document (pageMembers), because profiles without `kind` are collectors and a query cannot match a missing field.
 * Staff: `staffRoles array-contains <role>`, served by the automatic array index (no composite index).
 */
export function segmentPageQuery(
  segment: Segment,
  limit: number,
  cursor: string | undefined,
): {
  collection: string;
  spec: {
    where?: Array<[string, 'array-contains', string]>;
    orderBy: Array<{ field: string }>;
    limit: number;
    startAfter?: string[];
  };
} {
  const after = cursor === undefined ? {} : { startAfter: [cursor] };
  switch (segment.kind) {
    case 'followers':
      return {
        collection: `users/${segment.creatorId}/followers`,
        spec: { orderBy: [{ field: 'uid' }], limit, ...after },
      };
    case 'staff':
      return {
        collection: 'users',
        spec: {
          where: [['staffRoles', 'array-contains', segment.role]],
          orderBy: [{ field: DOCUMENT_ID }],
          limit,
          ...after,
        },
      };
    case 'all':
    case 'role':
      return { collection: 'users', spec: { orderBy: [{ field: DOCUMENT_ID }], limit, ...after } };
  }
}

/**
 * One page read: its members (uids, in read order) and the cursor of the next page, or null when this page read fewer
 * documents than the page size (nothing after it). The cursor is the last document READ, not the last member, so a
 * page of collectors read for a creator announcement still moves the walk on.
 */
export function pageMembers(
  segment: Segment,
  docs: ReadonlyArray<{ id: string; data: { kind?: unknown; uid?: unknown } | undefined }>,
  pageSize: number,
): { members: string[]; next: string | null } {
  const members: string[] = [];
  for (const doc of docs) {
    if (segment.kind === 'followers') members.push(String(doc.data?.uid ?? doc.id));
    else if (segment.kind !== 'role' || inRole(segment.role, doc.data ?? {})) members.push(doc.id);
  }
  const last = docs.at(-1);
  const next =
    docs.length < pageSize || !last ? null : segment.kind === 'followers' ? String(last.data?.uid ?? last.id) : last.id;
  return { members, next };
}

/** `announcements/{id}/pages/{pageId}`: one page's claim, keyed by the cursor it starts after (server-only). */
export const announcementPagePath = (id: string, cursor: string | undefined) =>
  `${announcementPath(id)}/pages/${cursor === undefined ? 'first' : hashedId(cursor, { length: 32, prefix: 'after_' })}`;

/** Whether a profile has this profile role; profiles without `kind` are collectors (userProfileSchema's default). */
function inRole(role: (typeof SEGMENT_ROLES)[number], profile: { kind?: unknown }) {
  return (profile.kind === 'creator' ? 'creator' : 'collector') === role;
}

/**
 * Why an announcement in this status can no longer be cancelled (FAILED_PRECONDITION), or undefined. While `sending`
 * it can: the pages already claimed have gone, the rest will not.
 */
export function cancelProblem(status: AnnouncementStatus, recipients: number | undefined): string | undefined {
  if (status !== 'sent') return undefined;
  return `id: this announcement was already sent${
    recipients === undefined ? '' : ` to ${recipients} ${recipients === 1 ? 'user' : 'users'}`
  }; it can no longer be cancelled`;
}
