import type { Clock, DocumentStore, Logger } from '../../ports.js';
import type { Caller } from '../../domain/caller.js';
import { hasRole } from '../../domain/caller.js';
import { failedPrecondition, invalidArgument, notFound, permissionDenied } from '../../domain/errors.js';
import { paths } from '../../domain/paths.js';
import { expiresAtFor } from '../../domain/compliance/retention.js';
import type { ScheduleInput, ScheduleItem } from '../../domain/scheduling/schedules.js';
import {
  MAX_PENDING_PER_RECIPIENT,
  SCHEDULES_COLLECTION,
  customMessage,
  customScheduleId,
  dueAtProblem,
  releaseKey,
  schedulePath,
} from '../../domain/scheduling/schedules.js';
import { eventIdFor } from '../notifications/eventPipeline.js';
import type { ScheduleView } from './store.js';
import { itemFields, itemOf, viewOf } from './store.js';

export interface ReleaseSettings {
  /** Items claimed per query page. */
  pageSize: number;
  /** Pages per run at most: a backlog larger than this is finished by the next minute's run. */
  maxPages: number;
  /** Items released at once within a page. */
  concurrency: number;
}

export const DEFAULT_RELEASE: ReleaseSettings = { pageSize: 200, maxPages: 10, concurrency: 10 };

export interface ReleaseReport {
  released: number;
  /** Claimed by a concurrent run, rescheduled, cancelled or unreadable between the query and the claim. */
  skipped: number;
  failed: number;
  pages: number;
}

/** Backends and admins schedule for anyone; everyone else only for themselves. */
const mayScheduleFor = (caller: Caller, recipientId: string) =>
  caller.uid === recipientId || hasRole(caller, 'service', 'admin');

/**
 * Scheduled notifications (src/domain/scheduling/schedules.ts): scheduleNotification, cancel and reschedule, and the
 * release of due items that the scheduled function `releaseScheduledNotifications` runs every minute.
 *
 * Release is one transaction per item that both claims it (pending → released) and writes the event it becomes to
 * `events/{evt_<hash of key>}` (the key is `scheduled:<id>:v<version>`): there is no moment where the item is claimed
 * but its event not written, so a crash anywhere leaves either both or neither, and the next run finds the item still
 * pending. Two concurrent runs (or a run and a reschedule/cancel) contend on the item document and Firestore
 * serializes them: the loser sees `released`/`cancelled`/a later `dueAt` and skips. The event document is created
 * only if absent, and the pipeline deduplicates by key (eventKeys/): a key that ever reached the pipeline by any
 * door is delivered once. The pipeline's own trigger (onNotificationEventCreated) delivers it, under the recipient's
 * preferences and quiet hours.
 */
export class Scheduler {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly release: ReleaseSettings = DEFAULT_RELEASE,
  ) {}

  async schedule(caller: Caller, input: ScheduleInput): Promise<ScheduleView & { created: boolean }> {
    const recipientId = input.recipientId ?? caller.uid;
    if (!mayScheduleFor(caller, recipientId))
      throw permissionDenied('recipientId: you may only schedule notifications for yourself');
    const now = this.clock.now();
    const problem = dueAtProblem(input.at, now);
    const id = customScheduleId(caller.uid, input.requestId);
    const path = schedulePath(id);
    // The same request again answers with what it created (a retried call), whatever `at` says now.
    const existing = itemOf((await this.store.get(path)).data);
    if (existing) return { ...viewOf(id, existing), created: false };
    if (problem) throw invalidArgument(problem, { field: 'at' });
    const pending = await this.store.query(SCHEDULES_COLLECTION, {
      where: [
        ['recipientId', '==', recipientId],
        ['status', '==', 'pending'],
      ],
      limit: MAX_PENDING_PER_RECIPIENT,
    });
    // Checked outside the transaction: concurrent calls may pass it together, by at most their number.
    if (pending.length >= MAX_PENDING_PER_RECIPIENT)
      throw failedPrecondition(`recipientId: already has ${MAX_PENDING_PER_RECIPIENT} scheduled notifications waiting`);
    const item: ScheduleItem = {
      kind: 'custom',
      status: 'pending',
      dueAt: input.at,
      version: 1,
      recipientId,
      createdBy: caller.uid,
      message: customMessage(id, recipientId, input),
    };
    const created = await this.store.transaction(async (tx) => {
      const snap = await tx.get(path);
      if (snap.exists) return itemOf(snap.data);
      tx.set(path, { ...itemFields(item), createdAt: now, updatedAt: now });
      return undefined;
    });
    if (created) return { ...viewOf(id, created), created: false };
    this.logger.info('notification scheduled', { scheduleId: id, uid: recipientId, dueAt: item.dueAt.toISOString() });
    return { ...viewOf(id, item), created: true };
  }

  /** Cancels a pending item; cancelling a cancelled one again is fine, a delivered one cannot be. */
  async cancel(caller: Caller, id: string): Promise<ScheduleView & { changed: boolean }> {
    return this.change(caller, id, (item) => {
      if (item.status === 'cancelled') return undefined;
      return { ...item, status: 'cancelled' };
    });
  }

  /** Moves a pending item to a new time (a new version: the event it becomes has a new key). */
  async reschedule(caller: Caller, id: string, at: Date): Promise<ScheduleView & { changed: boolean }> {
    const problem = dueAtProblem(at, this.clock.now());
    if (problem) throw invalidArgument(problem, { field: 'at' });
    return this.change(caller, id, (item) => {
      if (item.status === 'cancelled') throw failedPrecondition('id: this scheduled notification was cancelled');
      if (item.dueAt.getTime() === at.getTime()) return undefined;
      return { ...item, dueAt: at, version: item.version + 1 };
    });
  }

  private async change(
    caller: Caller,
    id: string,
    apply: (item: ScheduleItem) => ScheduleItem | undefined,
  ): Promise<ScheduleView & { changed: boolean }> {
    const path = schedulePath(id);
    const now = this.clock.now();
    return this.store.transaction(async (tx) => {
      const item = itemOf((await tx.get(path)).data);
      // Not found, and not someone else's: the same answer, so ids cannot be probed.
      if (!item || !this.mayChange(caller, item)) throw notFound('id: no such scheduled notification');
      if (item.status === 'released') throw failedPrecondition('id: this notification was already delivered');
      // Its announcement's status must change with it (src/app/announcements): only cancelAnnouncement does both.
      if (item.kind === 'announcement')
        throw failedPrecondition('id: this is an announcement: cancel it with cancelAnnouncement');
      const next = apply(item);
      if (!next) return { ...viewOf(id, item), changed: false };
      // A cancelled item is done: it expires like a released one (TTL on expiresAt, issue 18).
      const done =
        next.status === 'cancelled' ? { cancelledAt: now, expiresAt: expiresAtFor('scheduledNotifications', now) } : {};
      tx.set(path, { ...itemFields(next), ...done, updatedAt: now });
      return { ...viewOf(id, next), changed: true };
    });
  }

  /**
   * Who may cancel or move an item: whoever scheduled it, its recipient (it is their reminder), service and admin.
   * Reminders kept by auction and event announcements follow those events: only service and admin touch them.
   */
  private mayChange(caller: Caller, item: ScheduleItem): boolean {
    if (hasRole(caller, 'service', 'admin')) return true;
    if (item.kind !== 'custom') return false;
    return item.createdBy === caller.uid || item.recipientId === caller.uid;
  }

  /** Releases every item due by now, page by page (the scheduled function, every minute). */
  async releaseDue(): Promise<ReleaseReport> {
    const report: ReleaseReport = { released: 0, skipped: 0, failed: 0, pages: 0 };
    for (let page = 0; page < this.release.maxPages; page++) {
      const now = this.clock.now();
      // Released and cancelled items leave this query, so each page starts again from the oldest still pending.
      const due = await this.store.query(SCHEDULES_COLLECTION, {
        where: [
          ['status', '==', 'pending'],
          ['dueAt', '<=', now],
        ],
        orderBy: [{ field: 'dueAt', direction: 'asc' }],
        limit: this.release.pageSize,
      });
      if (!due.length) break;
      report.pages++;
      const before = report.released;
      for (let i = 0; i < due.length; i += this.release.concurrency) {
        await Promise.all(
          due.slice(i, i + this.release.concurrency).map(async (snap) => {
            const id = snap.id;
            try {
              if (await this.releaseOne(id)) report.released++;
              else report.skipped++;
            } catch (error) {
              // Left pending: the next run tries again (and the event key makes a second write a no-op).
              report.failed++;
              this.logger.error('scheduled notification not released', { scheduleId: id, error });
            }
          }),
        );
      }
      // A page that released nothing (all failing, or taken by a concurrent run) would come back the same: stop.
      if (due.length < this.release.pageSize || report.released === before) break;
    }
    if (report.released || report.failed) this.logger.info('scheduled notifications released', { ...report });
    return report;
  }

  /** Claims one item and writes its event, in one transaction; false when it is no longer due or pending. */
  async releaseOne(id: string): Promise<boolean> {
    const path = schedulePath(id);
    return this.store.transaction(async (tx) => {
      const now = this.clock.now();
      const item = itemOf((await tx.get(path)).data);
      if (!item || item.status !== 'pending' || item.dueAt.getTime() > now.getTime()) return false;
      const idempotencyKey = releaseKey(id, item.version);
      const eventId = eventIdFor(idempotencyKey);
      const event = await tx.get(paths.event(eventId));
      // Released items are history: kept as long as the event they became, then deleted by TTL (issue 18).
      tx.set(
        path,
        {
          status: 'released',
          releasedAt: now,
          eventId,
          updatedAt: now,
          expiresAt: expiresAtFor('scheduledNotifications', now),
        },
        { merge: true },
      );
      if (!event.exists)
        tx.set(paths.event(eventId), {
          type: item.message.type,
          idempotencyKey,
          occurredAt: now,
          payload: item.message.payload,
          ...(item.message.audience ? { audience: item.message.audience } : {}),
          scheduleId: id,
          expiresAt: expiresAtFor('events', now),
        });
      return true;
    });
  }
}
