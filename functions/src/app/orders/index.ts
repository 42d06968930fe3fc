import type { Infra } from '../../ports.js';
import { OrderStatusView } from './orderView.js';
import { SellerFlag } from './sellers.js';

/** `services.orders`: the order status view clients listen to (orderView.ts); the profile's seller flag (sellers.ts). */
export function orderServices(
  infra: Pick<Infra, 'store' | 'clock' | 'logger'>,
  _settings: Record<string, never> = {},
  _shared: Record<string, never> = {},
) {
  return {
    view: new OrderStatusView(infra.store, infra.clock, infra.logger),
    sellers: new SellerFlag(infra.store, infra.logger),
  };
}
