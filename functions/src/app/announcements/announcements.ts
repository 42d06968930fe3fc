import type { Clock, DocumentStore, Logger } from '../../ports.js';
import type { Caller } from '../../domain/caller.js';
import { requireRole } from '../../domain/caller.js';
import { failedPrecondition, invalidArgument, notFound } from '../../domain/errors.js';
import { paths } from '../../domain/paths.js';
import { expiresAtFor } from '../../domain/compliance/retention.js';
import type { SendAnnouncementInput } from '../../domain/announcements/announcements.js';
import {
  announcementId,
  announcementPath,
  announcementPayload,
  cancelProblem,
  DEFAULT_PAGE_SIZE,
  segmentLabel,
  sendAtProblem,
} from '../../domain/announcements/announcements.js';
import type { ScheduleItem } from '../../domain/scheduling/schedules.js';
import { releaseKey, schedulePath } from '../../domain/scheduling/schedules.js';
import type { AuditLog } from '../audit.js';
import { eventIdFor } from '../notifications/eventPipeline.js';
import type { Scheduler } from '../scheduling/scheduler.js';
import { itemFields, itemOf } from '../scheduling/store.js';
import type { AnnouncementView } from './store.js';
import { announcementOf, viewOf } from './store.js';

/** The one version an announcement's scheduled item has (announcements are not rescheduled: cancel and send anew). */
const VERSION = 1;

/**
 * sendAnnouncement and cancelAnnouncement (admins). An announcement is written with its scheduled item in one
 * transaction (src/domain/announcements/announcements.ts: its life), so the scheduler's release, the scheduled
 * function every minute or at once here when it is due now, turns it into its `system.announcement` event; the
 * fan-out claims it before the first chunk (fanout.ts). Both calls are audited in the transaction that acts.
 */
export class Announcements {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly audit: AuditLog,
    private readonly scheduler: Pick<Scheduler, 'releaseOne'>,
    /** Documents read per fan-out page (src/domain/announcements: DEFAULT_PAGE_SIZE), stored on each announcement. */
    private readonly pageSize: number = DEFAULT_PAGE_SIZE,
  ) {}

  async send(caller: Caller, input: SendAnnouncementInput): Promise<AnnouncementView & { created: boolean }> {
    requireRole(caller, 'admin');
    const now = this.clock.now();
    const id = announcementId(caller.uid, input.requestId);
    const path = announcementPath(id);
    // The same request again answers with what it created (a retried call), whatever it says now.
    const existing = announcementOf((await this.store.get(path)).data);
    if (existing) return { ...viewOf(id, existing), created: false };
    const sendAt = input.sendAt && input.sendAt.getTime() > now.getTime() ? input.sendAt : now;
    const problem = sendAtProblem(sendAt, now);
    if (problem) throw invalidArgument(`data.${problem}`, { fields: ['data.sendAt'] });
    if (input.segment.kind === 'followers') {
      const creator = await this.store.get(paths.user(input.segment.creatorId));
      if (!creator.exists) throw notFound('data.segment.creatorId: no such user');
    }
    const eventId = eventIdFor(releaseKey(id, VERSION));
    const announcement = {
      status: 'scheduled' as const,
      segment: input.segment,
      title: input.title,
      body: input.body,
      link: input.link,
      sendAt,
      createdBy: caller.uid,
      eventId,
      pageSize: this.pageSize,
    };
    const item: ScheduleItem = {
      kind: 'announcement',
      status: 'pending',
      dueAt: sendAt,
      version: VERSION,
      recipientId: null,
      createdBy: caller.uid,
      message: { type: 'system.announcement', payload: announcementPayload(id, input) },
    };
    const raced = await this.store.transaction(async (tx) => {
      const [snap] = await tx.getAll([path]);
      const stored = announcementOf(snap!.data);
      if (stored) return stored;
      tx.set(path, { ...announcement, createdAt: now, updatedAt: now });
      tx.set(schedulePath(id), { ...itemFields(item), createdAt: now, updatedAt: now });
      this.audit.recordIn(tx, {
        actorUid: caller.uid,
        action: 'announcement.scheduled',
        target: { type: 'announcement', id },
        details: { segment: segmentLabel(input.segment), sendAt, title: input.title },
      });
      return undefined;
    });
    if (raced) return { ...viewOf(id, raced), created: false };
    this.logger.info('announcement scheduled', { announcementId: id, eventId, sendAt: sendAt.toISOString() });
    if (sendAt.getTime() <= now.getTime()) {
      // Due now: released here rather than by the next minute's run (which releases it if this fails).
      try {
        await this.scheduler.releaseOne(id);
      } catch (error) {
        this.logger.warn('announcement not released at once: the scheduled run will', { announcementId: id, error });
      }
    }
    return { ...viewOf(id, announcement), created: true };
  }

  /**
   * Cancels an announcement that has not gone yet (scheduled, or released but not fanned out): its scheduled item
   * too, in one transaction. While `sending` it stops the pages not yet claimed (those claimed go; `recipients` says how
   * many users they held). Cancelling twice is fine; once the last page is claimed (`sent`), FAILED_PRECONDITION.
   */
  async cancel(caller: Caller, id: string): Promise<AnnouncementView & { changed: boolean }> {
    requireRole(caller, 'admin');
    const path = announcementPath(id);
    return this.store.transaction(async (tx) => {
      const now = this.clock.now();
      const [snap, itemSnap] = await tx.getAll([path, schedulePath(id)]);
      const current = announcementOf(snap!.data);
      if (!current) throw notFound('data.id: no such announcement');
      if (current.status === 'cancelled') return { ...viewOf(id, current), changed: false };
      const problem = cancelProblem(current.status, current.recipients);
      if (problem) throw failedPrecondition(`data.${problem}`);
      const cancelled = { ...current, status: 'cancelled' as const, cancelledAt: now, cancelledBy: caller.uid };
      tx.update(path, { status: 'cancelled', cancelledAt: now, cancelledBy: caller.uid, updatedAt: now });
      const item = itemOf(itemSnap!.data);
      if (item?.status === 'pending')
        tx.set(
          schedulePath(id),
          {
            status: 'cancelled',
            cancelledAt: now,
            updatedAt: now,
            expiresAt: expiresAtFor('scheduledNotifications', now),
          },
          { merge: true },
        );
      this.audit.recordIn(tx, {
        actorUid: caller.uid,
        action: 'announcement.cancelled',
        target: { type: 'announcement', id },
        details: {
          segment: segmentLabel(current.segment),
          released: item?.status === 'released',
          // Part-sent: the users its claimed pages held, who are told; nobody after them is.
          ...(current.status === 'sending' ? { recipients: current.recipients ?? 0 } : {}),
        },
      });
      return { ...viewOf(id, cancelled), changed: true };
    });
  }
}
