import type { Infra } from '../ports.js';
import type { Settings } from '../config.js';
import { DEFAULT_SETTINGS } from '../config.js';
import { AccountAdmin } from '../app/accountAdmin.js';
import { AuditLog } from '../app/audit.js';
import { analyticsServices } from '../app/analytics/index.js';
import { complianceServices } from '../app/compliance/index.js';
import { deliveryServices } from '../app/delivery/index.js';
import { identityServices } from '../app/identity/index.js';
import { messagingServices } from '../app/messaging/index.js';
import { notificationServices } from '../app/notifications/index.js';
import { searchServices } from '../app/search/index.js';
import { TOPICS } from '../domain/channels.js';

/**
 * The composition root's shared half: every use case from one set of adapters (`Infra`, built by cloud.ts for the
 * cloud and the emulators, by memory.ts for tests and `npm start`) and one `Settings` (src/config.ts). Every feature
 * factory is `xxxServices(infra, settings, shared)`: the adapters it uses, its own settings, and what it shares with
 * features built before it. A new feature adds its factory here and its Pub/Sub consumers to `topicHandlers`.
 */
export function buildServices(infra: Infra, settings: Settings = DEFAULT_SETTINGS) {
  const audit = new AuditLog(infra.store, infra.clock);
  const search = searchServices(infra, {}, {});
  const notifications = notificationServices(infra, settings.notifications, { audit });
  return {
    infra,
    audit,
    messaging: messagingServices(infra, {}, { audit }),
    search,
    compliance: complianceServices(infra, {}, { audit, indexer: search.indexer }),
    // One PreferencesRepo and one RateLimiter per instance: delivery uses the pipeline's (same limits, same documents).
    delivery: deliveryServices(
      infra,
      {},
      { preferences: notifications.preferences, smsAllowance: notifications.rateLimiter },
    ),
    notifications,
    accounts: new AccountAdmin(infra.store, infra.clock, audit, infra.accounts, infra.logger),
    identity: identityServices(infra, {}, { audit }),
    analytics: analyticsServices(infra, {}, { audit }),
  };
}

export type Services = ReturnType<typeof buildServices>;

/** What a Pub/Sub consumer gets besides the message body. */
export interface TopicMeta {
  messageId: string;
  attributes: Record<string, string>;
  /** When Pub/Sub first published the message (ISO). */
  publishedAt: string;
}

export type TopicHandler = (data: unknown, meta: TopicMeta) => Promise<void>;

/**
 * Pub/Sub consumers by topic. The Cloud Functions (pubsubTrigger, src/functions/triggers.ts) and the in-memory bus
 * (connectMemoryBus, memory.ts) both dispatch through this map, so tests and the local run exercise the same code
 * path. Handlers validate `data` themselves (zod) and must be idempotent: Pub/Sub delivers at least once.
 */
export function topicHandlers(services: Services): Record<string, TopicHandler> {
  return {
    [TOPICS.domainEvents]: async (data, meta) => {
      await services.notifications.pipeline.submit(data, 'pubsub', meta.messageId);
    },
    [TOPICS.fanout]: (data, meta) => services.notifications.pipeline.onFanout(data, meta.messageId),
    [TOPICS.push]: (data) => services.delivery.channels.handle('push', data),
    [TOPICS.sms]: (data) => services.delivery.channels.handle('sms', data),
    [TOPICS.email]: (data) => services.delivery.channels.handle('email', data),
  };
}
