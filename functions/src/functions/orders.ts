import { docWritten } from './triggers.js';

/**
 * The order status view (`orders/{orderId}`, src/app/orders/orderView.ts): every order event recorded in `events/`
 * (whichever door it came by) moves the view, idempotently and never backwards. Buyers and sellers listen to it.
 */
export const orderStatusOnEventWritten = docWritten('events/{eventId}', ({ params, before, after }, s) =>
  s.orders.view.onEventWritten(params.eventId, before, after),
);
