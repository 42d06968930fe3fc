import type { Clock, DocData, DocumentStore, Logger } from '../../ports.js';
import { hashedId } from '../../domain/ids.js';
import { EventRejected, parseEvent } from '../../domain/notifications/events.js';
import type { OrderStatus, OrderView } from '../../domain/orders/status.js';
import { ORDER_STATUSES, applyOrderEvent, isOrderEvent } from '../../domain/orders/status.js';

/** The status view clients listen to (the buyer and the seller: firestore.rules). */
export const orderPath = (orderId: string) => `orders/${orderId}`;

export type ViewOutcome =
  | { status: 'ignored'; reason: string }
  | { status: 'unchanged'; orderId: string }
  | { status: 'updated'; orderId: string; orderStatus: OrderStatus; statusChanged: boolean };

/**
 * Keeps `orders/{orderId}` in step with the order events, whichever door they came in by: every accepted event is an
 * `events/{eventId}` document (publishEvent and the domain-events topic record one; backends may write one), and the
 * trigger on it (src/functions/orders.ts) calls `onEventWritten`. The state machine is src/domain/orders/status.ts; here
 * one transaction reads the view, applies the event and writes the result, so concurrent and repeated events (the
 * trigger is retried, one key may arrive by two doors) apply once and never move the status backwards.
 */
export class OrderStatusView {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /**
   * An events/ document was written. It is applied when it appears, and when a rejected one is replaced by a valid
   * retry (publishEvent overwrites the rejection); the pipeline's own status updates are ignored cheaply.
   */
  async onEventWritten(eventId: string, before: DocData | undefined, after: DocData | undefined): Promise<ViewOutcome> {
    if (!after) return { status: 'ignored', reason: 'deleted' };
    if (before && before.status !== 'rejected') return { status: 'ignored', reason: 'already seen' };
    if (typeof after.type !== 'string' || !after.type.startsWith('order.'))
      return { status: 'ignored', reason: 'not an order event' };
    return this.apply(eventId, after);
  }

  async apply(eventId: string, data: DocData): Promise<ViewOutcome> {
    let event;
    try {
      event = parseEvent(data);
    } catch (error) {
      // The intake records the rejection on the same document; the view has nothing to learn from it.
      if (error instanceof EventRejected) return { status: 'ignored', reason: error.message };
      throw error;
    }
    if (!isOrderEvent(event)) return { status: 'ignored', reason: 'not an order event' };
    const { orderId } = event.payload;
    // The idempotency key, not the document id: one key written by two doors is one event.
    const key = hashedId(event.idempotencyKey, { length: 24 });
    const outcome = await this.store.transaction(async (tx) => {
      const snap = await tx.get(orderPath(orderId));
      const current = snap.exists ? viewOf(orderId, snap.data!) : undefined;
      if (current && current.buyerId !== event.payload.buyerId) {
        // Another buyer's order under this id: never let one buyer's event open another's order to them.
        return { status: 'ignored', reason: 'buyerId differs from the order view' } as const;
      }
      const applied = applyOrderEvent(current, event, key);
      if (!applied.changed) return { status: 'unchanged', orderId } as const;
      tx.set(orderPath(orderId), { ...withoutUndefined(applied.view), updatedAt: this.clock.now() });
      return {
        status: 'updated',
        orderId,
        orderStatus: applied.view.status,
        statusChanged: applied.statusChanged,
      } as const;
    });
    if (outcome.status === 'ignored')
      this.logger.warn('order event ignored', { eventId, orderId, reason: outcome.reason });
    return outcome;
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
const date = (v: unknown): Date | undefined => (v instanceof Date ? v : undefined);

/**
 * The stored view as the state machine reads it. Tolerant: documents written before the view existed (the emulator
 * seed's orders: status, carrier, no history) read as views without history or applied keys.
 */
export function viewOf(orderId: string, data: DocData): OrderView {
  const status = (ORDER_STATUSES as readonly string[]).includes(String(data.status))
    ? (data.status as OrderStatus)
    : 'placed';
  const history = Array.isArray(data.history)
    ? data.history.flatMap((h: { status?: unknown; at?: unknown }) =>
        (ORDER_STATUSES as readonly unknown[]).includes(h?.status) && date(h?.at)
          ? [{ status: h.status as OrderStatus, at: h.at as Date }]
          : [],
      )
    : [];
  const updatedAt = date(data.updatedAt) ?? new Date(0);
  const view: OrderView = {
    orderId,
    buyerId: String(data.buyerId ?? ''),
    itemTitle: String(data.itemTitle ?? ''),
    status,
    statusAt: date(data.statusAt) ?? updatedAt,
    history,
    applied: Array.isArray(data.applied) ? data.applied.filter((k): k is string => typeof k === 'string') : [],
  };
  const sellerId = str(data.sellerId);
  if (sellerId) view.sellerId = sellerId;
  if (typeof data.amount === 'number') view.amount = data.amount;
  const currency = str(data.currency);
  if (currency) view.currency = currency;
  for (const field of ['carrier', 'trackingNumber', 'trackingUrl'] as const) {
    const value = str(data[field]);
    if (value) view[field] = value;
  }
  for (const field of ['paymentFailure', 'cancellation', 'refund'] as const)
    if (data[field] && typeof data[field] === 'object') (view as unknown as DocData)[field] = data[field];
  return view;
}

function withoutUndefined<T extends object>(value: T): DocData {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}
