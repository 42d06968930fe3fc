import type { Infra } from '../ports.js';
import type { Settings } from '../config.js';
import type * as accountsModule from '../app/accountAdmin.js';
import type * as analyticsModule from '../app/analytics/index.js';
import type * as auditModule from '../app/audit.js';
import type * as complianceModule from '../app/compliance/index.js';
import type * as deliveryModule from '../app/delivery/index.js';
import type * as identityModule from '../app/identity/index.js';
import type * as messagingModule from '../app/messaging/index.js';
import type * as notificationsModule from '../app/notifications/index.js';
import type * as searchModule from '../app/search/index.js';
import type * as socialModule from '../app/social/index.js';
import type * as ordersModule from '../app/orders/index.js';
import type * as schedulingModule from '../app/scheduling/index.js';
import type * as announcementsModule from '../app/announcements/index.js';
import type * as activityModule from '../app/activity/index.js';

/**
 * The composition root's wiring, feature by feature, without loading any feature: every module here is a type-only
 * import, and `FEATURE_LOADERS` imports a feature's factory module when asked. A deployed function's first invocation
 * loads only the features it uses (`loadFeatures`, from src/functions/runtime.ts), so `sendMessage` does not load
 * exports, fonts or search; buildServices (services.ts) passes every module at once for tests and `npm start`.
 * A new feature: its module here (FeatureModules, FEATURE_LOADERS, FEATURE_NEEDS), its getter in composeServices,
 * its module in services.ts (ALL_MODULES), and its wrapper module in src/functions/targets.ts.
 */
export interface FeatureModules {
  audit: typeof auditModule;
  search: typeof searchModule;
  notifications: typeof notificationsModule;
  messaging: typeof messagingModule;
  compliance: typeof complianceModule;
  delivery: typeof deliveryModule;
  accounts: typeof accountsModule;
  identity: typeof identityModule;
  analytics: typeof analyticsModule;
  social: typeof socialModule;
  orders: typeof ordersModule;
  scheduling: typeof schedulingModule;
  announcements: typeof announcementsModule;
  activity: typeof activityModule;
}

export type Feature = keyof FeatureModules;

export const FEATURE_LOADERS: { [F in Feature]: () => Promise<FeatureModules[F]> } = {
  audit: () => import('../app/audit.js'),
  search: () => import('../app/search/index.js'),
  notifications: () => import('../app/notifications/index.js'),
  messaging: () => import('../app/messaging/index.js'),
  compliance: () => import('../app/compliance/index.js'),
  delivery: () => import('../app/delivery/index.js'),
  accounts: () => import('../app/accountAdmin.js'),
  identity: () => import('../app/identity/index.js'),
  analytics: () => import('../app/analytics/index.js'),
  social: () => import('../app/social/index.js'),
  orders: () => import('../app/orders/index.js'),
  scheduling: () => import('../app/scheduling/index.js'),
  announcements: () => import('../app/announcements/index.js'),
  activity: () => import('../app/activity/index.js'),
};

export const FEATURES = Object.keys(FEATURE_LOADERS) as Feature[];

/**
 * What each feature is built with besides the adapters: the objects it shares with other features (one audit log,
 * one PreferencesRepo and RateLimiter for the pipeline and delivery, the search indexer erasure cleans up with).
 * `composeServices` follows the same edges; loadFeatures loads them with the feature.
 */
export const FEATURE_NEEDS: Record<Feature, readonly Feature[]> = {
  audit: [],
  search: [],
  notifications: ['audit'],
  messaging: ['audit'],
  compliance: ['audit', 'search'],
  delivery: ['notifications'],
  accounts: ['audit'],
  identity: ['audit'],
  analytics: ['audit'],
  social: [],
  orders: [],
  scheduling: [],
  announcements: ['audit'],
  activity: [],
};

/** `features` and everything they are built with, each once. */
export function withNeeds(features: readonly Feature[]): Feature[] {
  const all = new Set<Feature>();
  const visit = (f: Feature) => {
    if (all.has(f)) return;
    all.add(f);
    FEATURE_NEEDS[f].forEach(visit);
  };
  features.forEach(visit);
  return [...all];
}

const loading = new Map<Feature, Promise<unknown>>();

/**
 * Imports the factory modules of `features` and what they need, each once per process (concurrent first invocations
 * share the imports), into `into`.
 */
export async function loadFeatures(features: readonly Feature[], into: Partial<FeatureModules>): Promise<void> {
  await Promise.all(
    withNeeds(features).map(async (f) => {
      let module = loading.get(f);
      if (!module) {
        module = FEATURE_LOADERS[f]();
        loading.set(f, module);
      }
      (into as Record<Feature, unknown>)[f] = await module;
    }),
  );
}

type Built<F extends Feature, K extends keyof FeatureModules[F]> = FeatureModules[F][K] extends (
  ...args: never[]
) => infer R
  ? R
  : never;

/** Every use case, by feature, with the adapters they were built on. */
export interface Services {
  infra: Infra;
  audit: InstanceType<FeatureModules['audit']['AuditLog']>;
  messaging: Built<'messaging', 'messagingServices'>;
  search: Built<'search', 'searchServices'>;
  compliance: Built<'compliance', 'complianceServices'>;
  delivery: Built<'delivery', 'deliveryServices'>;
  notifications: Built<'notifications', 'notificationServices'>;
  accounts: InstanceType<FeatureModules['accounts']['AccountAdmin']>;
  identity: Built<'identity', 'identityServices'>;
  analytics: Built<'analytics', 'analyticsServices'>;
  social: Built<'social', 'socialServices'>;
  orders: Built<'orders', 'orderServices'>;
  scheduling: Built<'scheduling', 'schedulingServices'>;
  announcements: Built<'announcements', 'announcementServices'>;
  activity: Built<'activity', 'activityServices'>;
}

/**
 * The services over `infra`, each feature built from `modules` when first read (a getter) and kept. Reading a feature
 * whose module is not in `modules` throws, naming it: the function's features (src/index.ts) must list it.
 * Every feature factory is `xxxServices(infra, settings, shared)`: the adapters it uses, its own settings, and what it
 * shares with other features (FEATURE_NEEDS).
 */
export function composeServices(infra: Infra, settings: Settings, modules: Partial<FeatureModules>): Services {
  const module = <F extends Feature>(f: F): FeatureModules[F] => {
    const loaded = modules[f];
    if (!loaded)
      throw new Error(`the ${f} feature is not loaded in this instance (its function's features, src/index.ts)`);
    return loaded;
  };
  const built = new Map<Feature, unknown>();
  const once = <T>(f: Feature, build: () => T): T => {
    if (!built.has(f)) built.set(f, build());
    return built.get(f) as T;
  };
  const services: Services = {
    infra,
    get audit() {
      return once('audit', () => new (module('audit').AuditLog)(infra.store, infra.clock));
    },
    get search() {
      return once('search', () => module('search').searchServices(infra, {}, {}));
    },
    get notifications() {
      return once('notifications', () =>
        module('notifications').notificationServices(infra, settings.notifications, { audit: services.audit }),
      );
    },
    get messaging() {
      return once('messaging', () => module('messaging').messagingServices(infra, {}, { audit: services.audit }));
    },
    get compliance() {
      return once('compliance', () =>
        module('compliance').complianceServices(infra, {}, { audit: services.audit, indexer: services.search.indexer }),
      );
    },
    // One PreferencesRepo and one RateLimiter per instance: delivery uses the pipeline's (same limits, same documents).
    get delivery() {
      return once('delivery', () =>
        module('delivery').deliveryServices(
          infra,
          {},
          { preferences: services.notifications.preferences, smsAllowance: services.notifications.rateLimiter },
        ),
      );
    },
    get accounts() {
      return once(
        'accounts',
        () =>
          new (module('accounts').AccountAdmin)(infra.store, infra.clock, services.audit, infra.accounts, infra.logger),
      );
    },
    get identity() {
      return once('identity', () => module('identity').identityServices(infra, {}, { audit: services.audit }));
    },
    get analytics() {
      return once('analytics', () => module('analytics').analyticsServices(infra, {}, { audit: services.audit }));
    },
    get social() {
      return once('social', () => module('social').socialServices(infra, {}, {}));
    },
    get orders() {
      return once('orders', () => module('orders').orderServices(infra, {}, {}));
    },
    get scheduling() {
      return once('scheduling', () => module('scheduling').schedulingServices(infra, {}, {}));
    },
    get announcements() {
      return once('announcements', () =>
        module('announcements').announcementServices(infra, {}, { audit: services.audit }),
      );
    },
    get activity() {
      return once('activity', () => module('activity').activityServices(infra, {}, {}));
    },
  };
  return services;
}
