import type { Clock, DocumentStore, Logger } from '../../ports.js';
import { AuditLog } from '../audit.js';
import type { Segment } from '../../domain/announcements/announcements.js';
import { announcementPath, inProfileSegment, segmentLabel } from '../../domain/announcements/announcements.js';
import { socialPaths } from '../../domain/social/follows.js';
import { announcementOf } from './store.js';

export interface AnnouncementFanoutDeps {
  store: DocumentStore;
  clock: Clock;
  logger: Logger;
}

/**
 * The audience of a `system.announcement` event, for the fan-out's page step (src/app/notifications/audience.ts):
 * its members when the announcement may go, none otherwise. The announcement document is the authority:
 * - no announcement, or one scheduled under another event (a forged or stale event): nobody;
 * - cancelled: nobody (cancelAnnouncement won the race);
 * - scheduled: claimed as `sent` with the recipient count and audited (who sent it, the segment, how many), in one
 *   transaction that re-reads it, so a cancel either commits before (and nothing is published) or is refused after;
 * - already sent (the page message redelivered): the members again; the chunk path's receipts make a member told
 *   twice a duplicate, so a trigger or message run twice tells everyone once.
 * The claim happens right before the page step publishes the first chunk: until then the announcement can be cancelled.
 */
export async function announcementAudience(
  d: AnnouncementFanoutDeps,
  announcementId: string,
  eventId: string,
): Promise<string[]> {
  const path = announcementPath(announcementId);
  const log = d.logger.child({ eventId, announcementId });
  const first = announcementOf((await d.store.get(path)).data);
  if (!first || first.eventId !== eventId) {
    log.warn('announcement event without its announcement: told no one');
    return [];
  }
  if (first.status === 'cancelled') {
    log.info('announcement cancelled before it went: told no one');
    return [];
  }
  const uids = await segmentMembers(d.store, first.segment);
  const audit = new AuditLog(d.store, d.clock);
  const go = await d.store.transaction(async (tx) => {
    const now = d.clock.now();
    const current = announcementOf((await tx.get(path)).data);
    if (!current || current.eventId !== eventId || current.status === 'cancelled') return false;
    if (current.status === 'sent') return true;
    tx.update(path, { status: 'sent', sentAt: now, recipients: uids.length, updatedAt: now });
    audit.recordIn(
      tx,
      {
        actorUid: current.createdBy,
        action: 'announcement.sent',
        target: { type: 'announcement', id: announcementId },
        details: { segment: segmentLabel(current.segment), recipients: uids.length, eventId },
      },
      `announcement.sent:${announcementId}`,
    );
    return true;
  });
  if (!go) {
    log.info('announcement cancelled before it went: told no one');
    return [];
  }
  log.info('announcement fanning out', { segment: segmentLabel(first.segment), recipients: uids.length });
  return uids;
}

/**
 * The uids of a segment, in id order. Followers: their member documents (`{uid}` each, the follower fan-out's
 * collection). Everyone or a profile role: one query over `users/` (a profile per account; erased accounts have none),
 * filtered by the profile's `kind` here, so profiles written without it count as collectors as everywhere else.
 */
export async function segmentMembers(store: DocumentStore, segment: Segment): Promise<string[]> {
  if (segment.kind === 'followers') {
    const snaps = await store.query(socialPaths.followers(segment.creatorId), { orderBy: [{ field: 'uid' }] });
    return snaps.map((s) => String(s.data?.uid ?? s.id));
  }
  const snaps = await store.query('users');
  return snaps
    .filter((s) => s.exists && inProfileSegment(segment, s.data ?? {}))
    .map((s) => s.id)
    .sort();
}
