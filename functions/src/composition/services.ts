import type { Infra } from '../ports.js';
import type { Settings } from '../config.js';
import { DEFAULT_SETTINGS } from '../config.js';
import * as accounts from '../app/accountAdmin.js';
import * as audit from '../app/audit.js';
import * as analytics from '../app/analytics/index.js';
import * as orders from '../app/orders/index.js';
import * as scheduling from '../app/scheduling/index.js';
import * as announcements from '../app/announcements/index.js';
import * as activity from '../app/activity/index.js';
import * as social from '../app/social/index.js';
import * as compliance from '../app/compliance/index.js';
import * as delivery from '../app/delivery/index.js';
import * as identity from '../app/identity/index.js';
import * as messaging from '../app/messaging/index.js';
import * as notifications from '../app/notifications/index.js';
import * as search from '../app/search/index.js';
import type { FeatureModules, Services } from './features.js';
import { FEATURES, composeServices } from './features.js';

/**
 * The composition root's shared half: every use case from one set of adapters (`Infra`, built by cloud.ts for the
 * cloud and the emulators, by memory.ts for tests and `npm start`) and one `Settings` (src/config.ts). The wiring is
 * composeServices (features.ts), feature by feature; this builds every feature at once, from modules imported here.
 * Deployed functions do not import this module: runtime.ts loads only the features a function uses. A new feature
 * adds its module to FeatureModules, FEATURE_LOADERS and composeServices, and here.
 */
const ALL_MODULES: FeatureModules = {
  audit,
  search,
  notifications,
  messaging,
  compliance,
  delivery,
  accounts,
  identity,
  analytics,
  social,
  orders,
  scheduling,
  announcements,
  activity,
};

export function buildServices(infra: Infra, settings: Settings = DEFAULT_SETTINGS): Services {
  const services = composeServices(infra, settings, ALL_MODULES);
  // Built now, as before the wiring became lazy: a test or the local run sees every use case from the start.
  for (const feature of FEATURES) void services[feature];
  return services;
}

export type { Services };
export type { TopicHandler, TopicMeta } from './topics.js';
export { topicHandlers } from './topics.js';
