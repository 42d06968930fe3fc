import type { DomainEvent } from '../notifications/events.js';

/**
 * The order status view's state machine (`orders/{orderId}`, kept by src/app/orders/orderView.ts from the order
 * events). Pure: the view as it is stored, one event, the view after it.
 *
 * placed → payment_failed (on hold until a new payment method works, or `retryBy`) → confirmed (paid) → processing →
 * shipped → delivered; cancelled and refunded end it. Events arrive late, twice and out of order (Pub/Sub, retried
 * producers), so:
 * - an event already applied (same idempotency key) changes nothing;
 * - the status only moves forward (RANK): a late `processing` after `shipped` keeps `shipped`, but its facts (who the
 *   seller is, the title) are still recorded where the view lacks them;
 * - `cancelled` stands unless the order was delivered or refunded (a delivered order is refunded, not cancelled);
 *   `refunded` stands over everything (a refund after delivery or cancellation); no later event moves either back.
 */
export const ORDER_STATUSES = [
  'placed',
  'payment_failed',
  'confirmed',
  'processing',
  'shipped',
  'delivered',
  'cancelled',
  'refunded',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

const RANK: Record<OrderStatus, number> = {
  placed: 0,
  payment_failed: 1,
  confirmed: 2,
  processing: 3,
  shipped: 4,
  delivered: 5,
  cancelled: 6,
  refunded: 7,
};

/** The event types that describe an order, and the status each one means. */
export const ORDER_EVENT_STATUS = {
  'order.placed': 'placed',
  'order.payment_failed': 'payment_failed',
  'order.purchase_confirmed': 'confirmed',
  'order.processing': 'processing',
  'order.shipped': 'shipped',
  'order.delivered': 'delivered',
  'order.cancelled': 'cancelled',
  'order.refunded': 'refunded',
} as const satisfies Record<string, OrderStatus>;
export type OrderEventType = keyof typeof ORDER_EVENT_STATUS;
export type OrderEvent = Extract<DomainEvent, { type: OrderEventType }>;

export const isOrderEvent = (event: DomainEvent): event is OrderEvent => event.type in ORDER_EVENT_STATUS;

/** Idempotency keys remembered per order: far more events than one order ever has. */
export const MAX_APPLIED = 50;
/** Status changes kept in `history`. */
export const MAX_HISTORY = 30;

export interface OrderView {
  orderId: string;
  buyerId: string;
  sellerId?: string;
  itemTitle: string;
  status: OrderStatus;
  /** When the event that set the status happened. */
  statusAt: Date;
  amount?: number;
  currency?: string;
  carrier?: string;
  trackingNumber?: string;
  trackingUrl?: string;
  /** The latest payment failure: its reason (shown to the buyer) and until when the order is held. */
  paymentFailure?: { reason?: string; retryBy?: string; at: Date };
  cancellation?: { reason: string; by: string; at: Date };
  refund?: { amount: number; currency: string; at: Date };
  history: Array<{ status: OrderStatus; at: Date }>;
  /** Idempotency keys of the events applied (the last MAX_APPLIED). */
  applied: string[];
}

/** May the status move from `from` to `to`? Only forward; see the module comment for cancelled and refunded. */
export function canMove(from: OrderStatus, to: OrderStatus): boolean {
  if (from === to) return false;
  if (to === 'refunded') return true;
  if (from === 'refunded') return false;
  if (to === 'cancelled') return from !== 'delivered';
  if (from === 'cancelled') return false;
  return RANK[to] > RANK[from];
}

export type Applied = { changed: false } | { changed: true; view: OrderView; statusChanged: boolean };

/**
 * The view after `event` (key: its idempotency key). `current` undefined: the first event seen for this order (any
 * type: the `placed` event may arrive last).
 */
export function applyOrderEvent(current: OrderView | undefined, event: OrderEvent, key: string): Applied {
  if (current?.applied.includes(key)) return { changed: false };
  const at = event.occurredAt;
  const p = event.payload;
  const to = ORDER_EVENT_STATUS[event.type];
  const view: OrderView = current
    ? { ...current, history: [...current.history], applied: [...current.applied] }
    : {
        orderId: p.orderId,
        buyerId: p.buyerId,
        itemTitle: p.itemTitle,
        status: to,
        statusAt: at,
        history: [],
        applied: [],
      };
  // Facts the view lacks are taken from any event, in any order.
  const sellerId = 'sellerId' in p ? p.sellerId : undefined;
  if (sellerId && !view.sellerId) view.sellerId = sellerId;
  if ('amount' in p && view.amount === undefined && event.type !== 'order.refunded') {
    view.amount = p.amount;
    view.currency = p.currency;
  }
  switch (event.type) {
    case 'order.shipped': {
      const q = event.payload;
      view.carrier = q.carrier;
      view.trackingNumber = q.trackingNumber;
      if (q.trackingUrl) view.trackingUrl = q.trackingUrl;
      else delete view.trackingUrl;
      break;
    }
    case 'order.payment_failed': {
      const q = event.payload;
      view.paymentFailure = {
        at,
        ...(q.reason ? { reason: q.reason } : {}),
        ...(q.retryBy ? { retryBy: q.retryBy } : {}),
      };
      break;
    }
    case 'order.cancelled':
      view.cancellation = { reason: event.payload.reason, by: event.payload.cancelledBy, at };
      break;
    case 'order.refunded': {
      const q = event.payload;
      // Partial refunds add up (each event is one refund); another currency replaces (commerce refunds in one).
      const before = view.refund?.currency === q.currency ? view.refund.amount : 0;
      view.refund = { amount: Math.round((before + q.amount) * 100) / 100, currency: q.currency, at };
      break;
    }
    default:
      break;
  }
  let statusChanged = false;
  if (!current) {
    view.history.push({ status: to, at });
    statusChanged = true;
  } else if (canMove(current.status, to)) {
    view.status = to;
    view.statusAt = at;
    view.history.push({ status: to, at });
    statusChanged = true;
  }
  view.history = view.history.slice(-MAX_HISTORY);
  view.applied = [...view.applied, key].slice(-MAX_APPLIED);
  return { changed: true, view, statusChanged };
}
