import type { Infra } from '../../ports.js';
import { buildDelivery } from './deliveryServices.js';
import type { DeliveryDeps } from './deliveryServices.js';

/**
 * `services.delivery`: channel delivery, devices, contact points, provider events, phone verification. Its settings
 * travel with the provider adapters (`infra.delivery.settings`), since most are secrets read at call time. `shared`
 * is the notification pipeline's own preferences and SMS allowance (one daily limit, one set of preferences).
 */
export function deliveryServices(
  infra: Pick<Infra, 'store' | 'publisher' | 'clock' | 'logger' | 'delivery'>,
  _settings: Record<string, never>,
  shared: Pick<DeliveryDeps, 'preferences' | 'smsAllowance'>,
) {
  return buildDelivery({ ...infra, ...shared });
}
