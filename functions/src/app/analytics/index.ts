import type { Infra } from '../../ports.js';
import type { AuditLog } from '../audit.js';
import { DeliveryRepo } from '../delivery/deliveryRepo.js';
import { DeliveryAlerts } from './alerts.js';
import { DeliveryCounter } from './counters.js';
import { DeliveryDashboard } from './dashboard.js';
import { Experiments } from './experiments.js';
import { Interactions } from './interactions.js';

/**
 * `services.analytics` (issue 19): counters fed by triggers, interaction tracking and conversion attribution,
 * experiments, alerts and the admin dashboard. `shared`: the audit log. Interactions are recorded on the delivery
 * through channel delivery's ledger (DeliveryRepo, stateless over the store), like provider events.
 */
export function analyticsServices(
  infra: Pick<Infra, 'store' | 'publisher' | 'clock' | 'logger'>,
  _settings: Record<string, never>,
  shared: { audit: AuditLog },
) {
  const { store, clock, logger } = infra;
  const alerts = new DeliveryAlerts(store, clock, logger);
  return {
    counter: new DeliveryCounter(store, clock, logger),
    interactions: new Interactions(store, new DeliveryRepo(store, clock), clock, logger),
    experiments: new Experiments(store, clock, shared.audit),
    alerts,
    dashboard: new DeliveryDashboard(store, clock, shared.audit, alerts),
  };
}

export type AnalyticsServices = ReturnType<typeof analyticsServices>;
