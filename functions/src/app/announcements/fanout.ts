import { z } from 'zod';
import { expiresAtFor } from '../../domain/compliance/retention.js';
import type { Clock, DocumentStore, Logger, Publisher } from '../../ports.js';
import { fieldOps } from '../../ports.js';
import { TOPICS } from '../../domain/channels.js';
import {
  DEFAULT_PAGE_SIZE,
  announcementPagePath,
  announcementPath,
  pageMembers,
  segmentLabel,
  segmentPageQuery,
} from '../../domain/announcements/announcements.js';
import { AuditLog } from '../audit.js';
import type { FanoutMessage } from '../notifications/eventPipeline.js';
import { announcementOf } from './store.js';

export interface AnnouncementFanoutDeps {
  store: DocumentStore;
  clock: Clock;
  logger: Logger;
  publisher: Publisher;
  /** Members per `chunk` message (the pipeline's fan-out chunk size). */
  fanoutChunkSize: number;
}

/** `announcements/{id}/pages/{pageId}` as stored: the members while the page is in flight, then only the outcome. */
const pageSchema = z.object({
  uids: z.array(z.string()).optional(),
  next: z.string().nullable(),
  members: z.number().int().nonnegative(),
  done: z.boolean().optional(),
});
type PageClaim = z.infer<typeof pageSchema>;

type Step =
  | { go: false; why: 'cancelled' | 'done' | 'missing' }
  | { go: true; claim: Required<Pick<PageClaim, 'uids'>> & PageClaim; fresh: boolean; total: number };

/**
 * One page of a `system.announcement` fan-out: the pipeline's `page` step (src/app/notifications/audience.ts) for an
 * announcement, with `cursor` the last document id the page before read (none for the first). The announcement
 * document is the authority:
 * - no announcement, or one scheduled under another event (a forged or stale event): nothing;
 * - cancelled before this page was claimed: nothing, and no next page (cancelAnnouncement won the race);
 * - otherwise the page is read (at most the announcement's `pageSize` documents, src/domain/announcements) and claimed
 *   in one transaction with the announcement: `pages/{pageId}` created holding its members and the next cursor, the
 *   recipient count raised by them, the status `sending` (or `sent` with `sentAt` and the audit entry on the last page).
 *   Then its chunks and the next page's message are published, and the claim marked done (its uid list dropped).
 * Run twice or crashed mid-way, a page repeats exactly what its claim recorded: the same members (the chunk path's
 * receipts make anyone told twice a duplicate) and the same next cursor, so nobody is skipped or counted twice; a page
 * already done does nothing, so a redelivered page does not start a second walk down the rest of the segment.
 * Publishes its own chunks and answers nothing for the pipeline to publish: the claim may be marked done only after
 * they are out.
 */
export async function announcementPage(
  d: AnnouncementFanoutDeps,
  announcementId: string,
  eventId: string,
  cursor: string | undefined,
): Promise<string[]> {
  const path = announcementPath(announcementId);
  const pagePath = announcementPagePath(announcementId, cursor);
  const log = d.logger.child({ eventId, announcementId, ...(cursor === undefined ? {} : { cursor }) });
  const [annSnap, pageSnap] = await d.store.getAll([path, pagePath]);
  const first = announcementOf(annSnap!.data);
  if (!first || first.eventId !== eventId) {
    log.warn('announcement event without its announcement: told no one');
    return [];
  }
  const earlier = pageOf(pageSnap!.data);
  if (earlier?.done) return [];
  if (!earlier && first.status === 'cancelled') {
    log.info('announcement cancelled before this page went: the rest told no one');
    return [];
  }
  const pageSize = first.pageSize ?? DEFAULT_PAGE_SIZE;
  // Read outside the transaction (a query inside it would hold up to pageSize documents); the claim decides.
  let read: { members: string[]; next: string | null } | undefined;
  if (!earlier) {
    const { collection, spec } = segmentPageQuery(first.segment, pageSize, cursor);
    read = pageMembers(first.segment, await d.store.query(collection, spec), pageSize);
  }
  const audit = new AuditLog(d.store, d.clock);
  const step = await d.store.transaction(async (tx): Promise<Step> => {
    const now = d.clock.now();
    const [aSnap, pSnap] = await tx.getAll([path, pagePath]);
    const current = announcementOf(aSnap!.data);
    if (!current || current.eventId !== eventId) return { go: false, why: 'missing' };
    const claimed = pageOf(pSnap!.data);
    if (claimed?.done) return { go: false, why: 'done' };
    if (claimed?.uids) return { go: true, claim: { ...claimed, uids: claimed.uids }, fresh: false, total: 0 };
    if (current.status === 'cancelled' || !read) return { go: false, why: 'cancelled' };
    // Every page claimed already (a stray page message after the last): nothing more to send.
    if (current.status === 'sent') return { go: false, why: 'done' };
    const total = (current.recipients ?? 0) + read.members.length;
    const claim = { uids: read.members, next: read.next, members: read.members.length };
    tx.set(pagePath, { ...claim, createdAt: now, expiresAt: expiresAtFor('pages', now) });
    const last = read.next === null;
    tx.update(path, {
      status: last ? 'sent' : 'sending',
      recipients: total,
      pages: fieldOps.increment(1),
      updatedAt: now,
      ...(current.status === 'scheduled' ? { startedAt: now } : {}),
      ...(last ? { sentAt: now } : {}),
    });
    if (last)
      audit.recordIn(
        tx,
        {
          actorUid: current.createdBy,
          action: 'announcement.sent',
          target: { type: 'announcement', id: announcementId },
          details: { segment: segmentLabel(current.segment), recipients: total, eventId },
        },
        `announcement.sent:${announcementId}`,
      );
    return { go: true, claim, fresh: true, total };
  });
  if (!step.go) {
    if (step.why === 'cancelled') log.info('announcement cancelled before this page went: the rest told no one');
    return [];
  }
  const { uids, next } = step.claim;
  const size = d.fanoutChunkSize;
  const publishes: Promise<string>[] = [];
  for (let i = 0; i < uids.length; i += size)
    publishes.push(
      d.publisher.publish(
        TOPICS.fanout,
        { kind: 'chunk', eventId, uids: uids.slice(i, i + size) } satisfies FanoutMessage,
        { eventId },
      ),
    );
  if (next !== null)
    publishes.push(
      d.publisher.publish(TOPICS.fanout, { kind: 'page', eventId, cursor: next } satisfies FanoutMessage, { eventId }),
    );
  await Promise.all(publishes);
  await d.store.update(pagePath, { done: true, uids: fieldOps.delete(), doneAt: d.clock.now() });
  log.info(step.fresh ? 'announcement page out' : 'announcement page out again (a rerun of its claim)', {
    segment: segmentLabel(first.segment),
    members: uids.length,
    last: next === null,
    ...(step.fresh ? { recipients: step.total } : {}),
  });
  return [];
}

function pageOf(data: unknown): PageClaim | undefined {
  const parsed = pageSchema.safeParse(data);
  return parsed.success ? parsed.data : undefined;
}
