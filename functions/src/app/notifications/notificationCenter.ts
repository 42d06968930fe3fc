import { z } from 'zod';
import { CATEGORIES } from '../../domain/channels.js';
import type { Category, Priority } from '../../domain/channels.js';
import { invalidArgument } from '../../domain/errors.js';
import { docId, isoDateTime } from '../../domain/validation.js';
import { paths } from '../../domain/paths.js';
import type { NotificationType, PlannedNotification } from '../../domain/notifications/plans.js';
import { expiresAtFor } from '../../domain/compliance/retention.js';
import type { Clock, DocData, DocSnapshot, DocumentStore, QuerySpec } from '../../ports.js';
import { fieldOps } from '../../ports.js';

/** users/{uid}/notifications/{id}: the in-app notification center. */
export interface InAppNotification {
  id: string;
  type: NotificationType;
  category: Category;
  priority: Priority;
  title: string;
  body: string;
  data: Record<string, string>;
  groupKey: string;
  /** How many events this notification stands for (a collapsed burst counts each). */
  count: number;
  read: boolean;
  readAt: Date | null;
  archived: boolean;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date;
  /** `createdAt` ISO + id: one orderable field, so pages never skip or repeat notifications created the same ms. */
  sortKey: string;
  /**
   * Critical types reach the user through quiet hours and fall back across channels (newNotificationDoc writes it;
   * absent on documents written before it did).
   */
  critical?: boolean;
  /** The domain event it came from (newNotificationDoc; absent on older documents and ones made from no event). */
  eventId?: string;
}

export const MAX_BULK = 500;
/** Firestore's transaction write limit is generous, but smaller transactions contend less. */
const TX_CHUNK = 250;
const UNREAD = 'notifications';

export const listQuerySchema = z.strictObject({
  category: z.enum(CATEGORIES).optional(),
  read: z.boolean().optional(),
  archived: z.boolean().default(false),
  from: isoDateTime().optional(),
  to: isoDateTime().optional(),
  order: z.enum(['newest', 'oldest', 'unreadFirst']).default('newest'),
  limit: z.number().int().min(1).max(100).default(20),
  cursor: z.string().max(500).optional(),
});
export type ListQuery = z.input<typeof listQuerySchema>;

/** Notification ids: document ids only (`a/b` would address another document, `..` and blanks nothing real). */
export const idsSchema = z.strictObject({
  ids: z
    .array(docId('a notification id', 300, { dots: true }))
    .min(1)
    .max(MAX_BULK),
});

export const sortKeyOf = (createdAt: Date, id: string) => `${createdAt.toISOString()}_${id}`;

/**
 * The notification center's reads and user actions. The unread count lives in users/{uid}/counters/notifications
 * and is changed only in the same transaction that flips a notification's read state (create, collapse into an
 * already-read one, mark read, archive, delete), so it never drifts.
 */
export class NotificationCenter {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
  ) {}

  async unreadCount(uid: string): Promise<number> {
    const snap = await this.store.get(paths.counter(uid, UNREAD));
    return Math.max(0, Number(snap.data?.unread ?? 0));
  }

  /** The counter's path, for writers that create notifications inside their own transaction. */
  static unreadCounterPath(uid: string): string {
    return paths.counter(uid, UNREAD);
  }

  async list(uid: string, input: ListQuery): Promise<{ items: InAppNotification[]; nextCursor: string | null }> {
    const q = listQuerySchema.parse(input);
    const where: Array<[string, '==' | '>=' | '<', unknown]> = [['archived', '==', q.archived]];
    if (q.category) where.push(['category', '==', q.category]);
    if (q.read !== undefined) where.push(['read', '==', q.read]);
    // The date range is on sortKey (ISO first), the field we order by, so one index serves every filter combination.
    if (q.from) where.push(['sortKey', '>=', new Date(q.from).toISOString()]);
    if (q.to) where.push(['sortKey', '<', new Date(q.to).toISOString()]);
    const orderBy: QuerySpec['orderBy'] =
      q.order === 'oldest'
        ? [{ field: 'sortKey', direction: 'asc' }]
        : q.order === 'unreadFirst'
          ? [
              { field: 'read', direction: 'asc' },
              { field: 'sortKey', direction: 'desc' },
            ]
          : [{ field: 'sortKey', direction: 'desc' }];
    const startAfter = q.cursor ? decodeCursor(q.cursor, orderBy.length) : undefined;
    const snaps = await this.store.query(paths.notifications(uid), {
      where,
      orderBy,
      limit: q.limit + 1,
      ...(startAfter ? { startAfter } : {}),
    });
    const items = snaps.slice(0, q.limit).map(toNotification);
    const last = items.at(-1);
    const nextCursor =
      snaps.length > q.limit && last
        ? encodeCursor(q.order === 'unreadFirst' ? [last.read, last.sortKey] : [last.sortKey])
        : null;
    return { items, nextCursor };
  }

  async markRead(uid: string, ids: readonly string[]): Promise<{ updated: number }> {
    return this.change(uid, ids, (n, now) => (n.read ? undefined : { read: true, readAt: now }));
  }

  /** Archiving also marks read: an archived notification does not keep the badge up. */
  async archive(uid: string, ids: readonly string[]): Promise<{ updated: number }> {
    return this.change(uid, ids, (n, now) =>
      n.archived ? undefined : { archived: true, read: true, readAt: n.readAt ?? now },
    );
  }

  async remove(uid: string, ids: readonly string[]): Promise<{ updated: number }> {
    return this.change(uid, ids, () => 'delete');
  }

  async markAllRead(uid: string): Promise<{ updated: number }> {
    let updated = 0;
    for (;;) {
      const page = await this.store.query(paths.notifications(uid), {
        where: [['read', '==', false]],
        limit: TX_CHUNK,
      });
      if (page.length === 0) return { updated };
      updated += (
        await this.markRead(
          uid,
          page.map((s) => s.id),
        )
      ).updated;
    }
  }

  /** Applies `change` to each of the user's notifications (missing ids are skipped) and adjusts the unread count. */
  private async change(
    uid: string,
    ids: readonly string[],
    change: (n: InAppNotification, now: Date) => DocData | 'delete' | undefined,
  ): Promise<{ updated: number }> {
    if (ids.length > MAX_BULK) throw invalidArgument(`data.ids: at most ${MAX_BULK} ids per call`);
    const unique = [...new Set(ids)];
    let updated = 0;
    for (let i = 0; i < unique.length; i += TX_CHUNK) {
      const chunk = unique.slice(i, i + TX_CHUNK);
      updated += await this.store.transaction(async (tx) => {
        const snaps = await tx.getAll(chunk.map((id) => paths.notification(uid, id)));
        const now = this.clock.now();
        let unreadDelta = 0;
        let count = 0;
        for (const snap of snaps) {
          if (!snap.exists) continue;
          const n = toNotification(snap);
          const next = change(n, now);
          if (!next) continue;
          count++;
          if (next === 'delete') {
            tx.delete(snap.path);
            if (!n.read) unreadDelta--;
          } else {
            tx.update(snap.path, { ...next, updatedAt: now });
            if (!n.read && next.read === true) unreadDelta--;
          }
        }
        if (unreadDelta !== 0)
          tx.set(paths.counter(uid, UNREAD), { unread: fieldOps.increment(unreadDelta) }, { merge: true });
        return count;
      });
    }
    return { updated };
  }
}

export function toNotification(snap: DocSnapshot): InAppNotification {
  return { ...(snap.data as Omit<InAppNotification, 'id'>), id: snap.id };
}

const encodeCursor = (values: unknown[]) => Buffer.from(JSON.stringify(values)).toString('base64url');

function decodeCursor(cursor: string, length: number): unknown[] {
  try {
    const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(values) && values.length === length) return values;
  } catch {
    // fall through
  }
  throw invalidArgument(
    'data.cursor: not a cursor from this listing (use nextCursor as returned, with the same order)',
  );
}

/** What both delivery paths (one recipient, a whole chunk) write for an in-app notification. */
export interface InAppWrite {
  eventId: string;
  notification: PlannedNotification;
  notificationId: string;
  count: number;
  rendered: { title: string; body: string };
  now: Date;
}

/** The fields a burst changes on the notification it joins: new text and count, unread again. */
export function burstUpdateFields({ notification, count, rendered, now }: InAppWrite): DocData {
  return {
    title: rendered.title,
    body: rendered.body,
    data: notification.data,
    count,
    read: false,
    readAt: null,
    updatedAt: now,
  };
}

/** A new in-app notification document. */
export function newNotificationDoc({
  eventId,
  notification,
  notificationId,
  count,
  rendered,
  now,
}: InAppWrite): DocData {
  return {
    type: notification.type,
    category: notification.category,
    priority: notification.priority,
    critical: notification.critical,
    title: rendered.title,
    body: rendered.body,
    data: notification.data,
    groupKey: notification.groupKey,
    count,
    read: false,
    readAt: null,
    archived: false,
    createdAt: now,
    updatedAt: now,
    expiresAt: expiresAtFor('notifications', now),
    sortKey: sortKeyOf(now, notificationId),
    eventId,
    // The document is what list() hands out as InAppNotification: a field added here must be declared there.
  } satisfies Omit<InAppNotification, 'id'>;
}
