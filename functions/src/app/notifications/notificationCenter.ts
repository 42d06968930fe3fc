import { z } from 'zod';
import { CATEGORIES } from '../../domain/channels.js';
import type { Category, Priority } from '../../domain/channels.js';
import { invalidArgument } from '../../domain/errors.js';
import { docId, isoDateTime } from '../../domain/validation.js';
import { paths } from '../../domain/paths.js';
import { NOTIFICATION_TYPES } from '../../domain/notifications/plans.js';
import type { NotificationType, PlannedNotification } from '../../domain/notifications/plans.js';
import { RETENTION_RULES } from '../../domain/compliance/retention.js';
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
const NOTIFICATION_MAX_AGE_MS = RETENTION_RULES.find((r) => r.collection === 'notifications')!.maxAgeMs;

export const listQuerySchema = z.strictObject({
  category: z.enum(CATEGORIES).optional(),
  /** One type (a type has one category, so give either, not both). */
  type: z.enum(NOTIFICATION_TYPES).optional(),
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

/** What searchNotifications takes: words matched (all of them, case and accents ignored) in the title and body. */
export const searchQuerySchema = z.strictObject({
  query: z.string().trim().min(2).max(100),
  archived: z.boolean().optional(),
  limit: z.number().int().min(1).max(50).default(20),
  /** nextCursor of the previous answer: the sortKey where the last scan stopped. */
  cursor: z.string().max(500).optional(),
});
export type SearchQuery = z.input<typeof searchQuerySchema>;

/**
 * A search reads at most this many of the user's notifications per call (newest first) and answers with a cursor to
 * go on: the cost of one call is bounded whatever the user's history, and no index or copy of the text is needed.
 */
export const SEARCH_SCAN = 1000;
const SEARCH_PAGE = 200;

/** Unread counts: the badge and one count per category (each exact, kept in the same writes). */
export interface UnreadCounts {
  unread: number;
  byCategory: Record<Category, number>;
}

/**
 * The counter change for `by` notifications of `category` turning unread (negative: turning read or going). Every
 * writer of the counter uses it, so the total and the category counts move together in the same write.
 */
export function unreadIncrement(category: Category, by = 1): DocData {
  return { unread: fieldOps.increment(by), byCategory: { [category]: fieldOps.increment(by) } };
}

export const sortKeyOf = (createdAt: Date, id: string) => `${createdAt.toISOString()}_${id}`;

/**
 * The notification center's reads and user actions. The unread count lives in users/{uid}/counters/notifications
 * with one count per category (`byCategory`), and is changed only in the same transaction that flips a notification's
 * read state (create, collapse into an already-read one, mark read, archive, delete, the retention sweep's delete),
 * so neither drifts.
 */
export class NotificationCenter {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
  ) {}

  async unreadCount(uid: string): Promise<number> {
    return (await this.unreadCounts(uid)).unread;
  }

  /**
   * The badge and the per-category counts. Counters written before the category counts existed have none (0 until
   * their notifications change); a category count is never shown below 0.
   */
  async unreadCounts(uid: string): Promise<UnreadCounts> {
    const data = (await this.store.get(paths.counter(uid, UNREAD))).data ?? {};
    const stored = (data.byCategory ?? {}) as Record<string, unknown>;
    return {
      unread: Math.max(0, Number(data.unread ?? 0)),
      byCategory: Object.fromEntries(CATEGORIES.map((c) => [c, Math.max(0, Number(stored[c] ?? 0))])) as Record<
        Category,
        number
      >,
    };
  }

  /**
   * Sets the counts to what the user's unread notifications are: for counters from before the category counts (or
   * from before the sweep kept them: retention and TTL used to delete unread notifications behind the counter). One
   * transaction reads the counter and the unread notifications, so a delivery or a read committed meanwhile makes it
   * retry instead of being overwritten. `scripts/recount-unread.ts` runs it for every user.
   */
  async recountUnread(uid: string): Promise<UnreadCounts & { before: number }> {
    return this.store.transaction(async (tx) => {
      const counter = await tx.get(paths.counter(uid, UNREAD));
      const unread = await tx.query(paths.notifications(uid), { where: [['read', '==', false]] });
      const byCategory = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
      for (const snap of unread) {
        const category = snap.data?.category as Category;
        if (CATEGORIES.includes(category)) byCategory[category] += 1;
      }
      // Written whole (no merge): the stored counts are replaced, not added to.
      tx.set(paths.counter(uid, UNREAD), { ...(counter.data ?? {}), unread: unread.length, byCategory });
      return { unread: unread.length, byCategory, before: Number(counter.data?.unread ?? 0) };
    });
  }

  /** The counter's path, for writers that create notifications inside their own transaction. */
  static unreadCounterPath(uid: string): string {
    return paths.counter(uid, UNREAD);
  }

  async list(uid: string, input: ListQuery): Promise<{ items: InAppNotification[]; nextCursor: string | null }> {
    const q = listQuerySchema.parse(input);
    // Both would need indexes that add nothing: a type's category is fixed.
    if (q.category && q.type) throw invalidArgument('data.type: give type or category, not both');
    const where: Array<[string, '==' | '>=' | '<', unknown]> = [['archived', '==', q.archived]];
    if (q.category) where.push(['category', '==', q.category]);
    if (q.type) where.push(['type', '==', q.type]);
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

  /** Back into the list; it stays read (archiving read it). Unarchiving an unarchived one changes nothing. */
  async unarchive(uid: string, ids: readonly string[]): Promise<{ updated: number }> {
    return this.change(uid, ids, (n) => (n.archived ? { archived: false } : undefined));
  }

  /**
   * Searches the user's own notifications (only their collection is read) for every word of `query` in the title or
   * body, newest first. Reads at most SEARCH_SCAN notifications per call; `nextCursor` goes on from where it stopped
   * (so a page may hold fewer than `limit` items while more remain further back).
   */
  async search(
    uid: string,
    input: SearchQuery,
  ): Promise<{ items: InAppNotification[]; nextCursor: string | null; scanned: number }> {
    const q = searchQuerySchema.parse(input);
    const words = foldText(q.query).split(/\s+/).filter(Boolean);
    const items: InAppNotification[] = [];
    let after = q.cursor ? decodeCursor(q.cursor, 1) : undefined;
    let scanned = 0;
    while (scanned < SEARCH_SCAN) {
      const page = await this.store.query(paths.notifications(uid), {
        ...(q.archived !== undefined ? { where: [['archived', '==', q.archived]] } : {}),
        orderBy: [{ field: 'sortKey', direction: 'desc' }],
        limit: Math.min(SEARCH_PAGE, SEARCH_SCAN - scanned),
        ...(after ? { startAfter: after } : {}),
      });
      for (const snap of page) {
        scanned++;
        const n = toNotification(snap);
        after = [n.sortKey];
        const text = foldText(`${n.title} ${n.body}`);
        if (words.every((w) => text.includes(w))) items.push(n);
        if (items.length === q.limit) return { items, nextCursor: encodeCursor(after), scanned };
      }
      if (page.length < SEARCH_PAGE) return { items, nextCursor: null, scanned };
    }
    return { items, nextCursor: after ? encodeCursor(after) : null, scanned };
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
        const unreadDelta = new Map<Category, number>();
        // Only a notification the counts hold: unread, of a known category (never a document without those fields).
        const lower = (n: InAppNotification) => {
          if (n.read === false && CATEGORIES.includes(n.category))
            unreadDelta.set(n.category, (unreadDelta.get(n.category) ?? 0) - 1);
        };
        let count = 0;
        for (const snap of snaps) {
          if (!snap.exists) continue;
          const n = toNotification(snap);
          const next = change(n, now);
          if (!next) continue;
          count++;
          if (next === 'delete') {
            tx.delete(snap.path);
            lower(n);
          } else {
            tx.update(snap.path, { ...next, updatedAt: now });
            if (next.read === true) lower(n);
          }
        }
        let total = 0;
        const byCategory: DocData = {};
        for (const [category, delta] of unreadDelta) {
          total += delta;
          byCategory[category] = fieldOps.increment(delta);
        }
        if (total !== 0)
          tx.set(paths.counter(uid, UNREAD), { unread: fieldOps.increment(total), byCategory }, { merge: true });
        return count;
      });
    }
    return { updated };
  }
}

/** Lower case without accents, so `cafe` finds `Café`. */
const foldText = (text: string) => text.normalize('NFD').replace(/\p{M}/gu, '').toLocaleLowerCase('en');

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
    // When the retention sweep removes it (no TTL policy: a TTL deletion would leave an unread one in the counts).
    expiresAt: new Date(now.getTime() + NOTIFICATION_MAX_AGE_MS),
    sortKey: sortKeyOf(now, notificationId),
    eventId,
    // The document is what list() hands out as InAppNotification: a field added here must be declared there.
  } satisfies Omit<InAppNotification, 'id'>;
}
