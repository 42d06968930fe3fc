import { docWritten } from './triggers.js';

/**
 * The order status view (`orders/{orderId}`, src/app/orders/orderView.ts): every order event recorded in `events/`
 * (whichever door it came by) moves the view, idempotently and never backwards. Buyers and sellers listen to it.
 * The same event flags its seller's profile (`sells: true`, src/app/orders/sellers.ts) for the seller's notification
 * limits; each step is idempotent, so a retry after either fails redoes neither.
 */
export const orderStatusOnEventWritten = docWritten('events/{eventId}', async ({ params, before, after }, s) => {
  const view = await s.orders.view.onEventWritten(params.eventId, before, after);
  await s.orders.sellers.onEventWritten(params.eventId, before, after);
  return view;
});
