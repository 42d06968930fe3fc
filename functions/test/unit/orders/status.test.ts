import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../../src/domain/notifications/events.js';
import type { OrderEvent, OrderStatus, OrderView } from '../../../src/domain/orders/status.js';
import { ORDER_STATUSES, applyOrderEvent, canMove, isOrderEvent } from '../../../src/domain/orders/status.js';

const base = { orderId: 'o1', itemTitle: 'Moon jar', buyerId: 'buyer', sellerId: 'seller' };
const money = { amount: 420, currency: 'USD' };
const PAYLOADS: Record<string, Record<string, unknown>> = {
  'order.placed': { ...base, ...money },
  'order.payment_failed': { ...base, ...money, reason: 'Card declined', retryBy: '2026-06-12T14:00:00Z' },
  'order.purchase_confirmed': { ...base, ...money },
  'order.processing': base,
  'order.shipped': { ...base, carrier: 'DHL', trackingNumber: 'JD1', trackingUrl: 'https://dhl.example/t/JD1' },
  'order.delivered': base,
  'order.cancelled': { ...base, reason: 'Out of stock', cancelledBy: 'seller' },
  'order.refunded': { ...base, amount: 100, currency: 'USD' },
};

let n = 0;
function ev(type: string, minute = ++n, over: Record<string, unknown> = {}): [OrderEvent, string] {
  const key = `k-${type}-${minute}-${JSON.stringify(over)}`;
  const event = parseEvent({
    type,
    idempotencyKey: key,
    occurredAt: new Date(Date.UTC(2026, 5, 10, 12, minute)).toISOString(),
    payload: { ...PAYLOADS[type], ...over },
  });
  if (!isOrderEvent(event)) throw new Error('not an order event');
  return [event, key];
}

function run(types: string[]): OrderView {
  let view: OrderView | undefined;
  types.forEach((type, i) => {
    const [event, key] = ev(type, i);
    const applied = applyOrderEvent(view, event, key);
    if (applied.changed) view = applied.view;
  });
  return view!;
}

describe('order status state machine', () => {
  it('walks the happy path and records each step once', () => {
    const view = run([
      'order.placed',
      'order.purchase_confirmed',
      'order.processing',
      'order.shipped',
      'order.delivered',
    ]);
    expect(view.status).toBe('delivered');
    expect(view.history.map((h) => h.status)).toEqual(['placed', 'confirmed', 'processing', 'shipped', 'delivered']);
    expect(view).toMatchObject({ carrier: 'DHL', trackingNumber: 'JD1', trackingUrl: 'https://dhl.example/t/JD1' });
    expect(view).toMatchObject({ amount: 420, currency: 'USD', sellerId: 'seller' });
  });

  it('never moves backwards, whatever order events arrive in (every permutation of the happy path ends delivered)', () => {
    const steps = ['order.placed', 'order.purchase_confirmed', 'order.processing', 'order.shipped', 'order.delivered'];
    const permutations = (xs: string[]): string[][] =>
      xs.length <= 1
        ? [xs]
        : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
    for (const order of permutations(steps)) {
      const view = run(order);
      expect(view.status, order.join(' → ')).toBe('delivered');
      // Recorded status changes only ever go forward.
      const ranks = view.history.map((h) => ORDER_STATUSES.indexOf(h.status));
      expect(ranks, order.join(' → ')).toEqual([...ranks].sort((a, b) => a - b));
      // Facts of late events are still recorded.
      expect(view.trackingNumber).toBe('JD1');
    }
  });

  it('the same event twice changes nothing the second time', () => {
    const [placed, key] = ev('order.placed');
    const first = applyOrderEvent(undefined, placed, key);
    expect(first.changed).toBe(true);
    if (!first.changed) return;
    expect(applyOrderEvent(first.view, placed, key)).toEqual({ changed: false });
  });

  it('payment failed: held with the reason and deadline; a later confirmation moves on, a late failure does not move back', () => {
    const failed = run(['order.placed', 'order.payment_failed']);
    expect(failed.status).toBe('payment_failed');
    expect(failed.paymentFailure).toMatchObject({ reason: 'Card declined', retryBy: '2026-06-12T14:00:00Z' });
    expect(run(['order.placed', 'order.payment_failed', 'order.purchase_confirmed']).status).toBe('confirmed');
    expect(run(['order.placed', 'order.purchase_confirmed', 'order.payment_failed']).status).toBe('confirmed');
  });

  it('cancelled stands (not after delivery); refunded stands over everything and adds partial refunds', () => {
    const cancelled = run(['order.placed', 'order.cancelled', 'order.processing', 'order.shipped']);
    expect(cancelled).toMatchObject({ status: 'cancelled', cancellation: { reason: 'Out of stock', by: 'seller' } });
    expect(run(['order.delivered', 'order.cancelled']).status).toBe('delivered');
    const refunded = run(['order.delivered', 'order.refunded', 'order.refunded', 'order.shipped', 'order.cancelled']);
    expect(refunded.status).toBe('refunded');
    expect(refunded.refund).toMatchObject({ amount: 200, currency: 'USD' });
    // The refund's amount is not the order's.
    expect(refunded.amount).toBeUndefined();
  });

  it('canMove: forward only, terminal states per the table', () => {
    const table: Array<[OrderStatus, OrderStatus, boolean]> = [
      ['placed', 'confirmed', true],
      ['confirmed', 'placed', false],
      ['shipped', 'processing', false],
      ['shipped', 'cancelled', true],
      ['delivered', 'cancelled', false],
      ['cancelled', 'delivered', false],
      ['cancelled', 'refunded', true],
      ['refunded', 'cancelled', false],
      ['payment_failed', 'confirmed', true],
      ['confirmed', 'payment_failed', false],
      ['shipped', 'shipped', false],
    ];
    for (const [from, to, ok] of table) expect(canMove(from, to), `${from} → ${to}`).toBe(ok);
  });

  it('order events validate their payloads: https tracking links, a cancellation reason, who cancelled', () => {
    const parse = (type: string, over: Record<string, unknown>) => () =>
      parseEvent({
        type,
        idempotencyKey: 'k',
        occurredAt: '2026-06-10T12:00:00Z',
        payload: { ...PAYLOADS[type], ...over },
      });
    expect(parse('order.shipped', { trackingUrl: 'http://dhl.example/t' })).toThrow(/payload.trackingUrl/);
    expect(parse('order.cancelled', { reason: '' })).toThrow(/payload.reason/);
    expect(parse('order.cancelled', { cancelledBy: 'martians' })).toThrow(/payload.cancelledBy/);
    expect(parse('order.placed', { sellerId: undefined })).toThrow(/payload.sellerId/);
  });
});
