import type { Clock, DeliveryInfra, DocumentStore, Logger, MessageIndex, ObjectStorage, Publisher, UserAccounts } from './ports.js';
import { AuditLog } from './app/audit.js';
import { AccountAdmin } from './app/accountAdmin.js';
import { buildDelivery } from './app/delivery/deliveryServices.js';
import { messagingServices } from './app/messaging/index.js';
import { searchServices } from './app/search/index.js';
import { complianceServices } from './app/compliance/index.js';
import { TOPICS } from './domain/channels.js';
import { notificationServices } from './app/notifications/index.js';
import { notificationSettingsFromParams } from './functions/notificationSettings.js';

/**
 * The composition root: builds every use case from one set of adapters. `firebaseInfra()` (src/functions/runtime.ts)
 * supplies the Firebase and provider SDK adapters in the cloud and the emulators; `memoryInfra()`
 * (src/adapters/memory/memoryInfra.ts) the in-memory ones in tests and the local run. Features add their use-case
 * factories to `buildServices`, the adapters they need to `Infra`, and their Pub/Sub consumers to `topicHandlers`.
 */
export interface Infra {
  store: DocumentStore;
  publisher: Publisher;
  clock: Clock;
  logger: Logger;
  /** Search & compliance (issue 6): the message search index and where exports are written. */
  messageIndex: MessageIndex;
  exportStorage: ObjectStorage;
  accounts: UserAccounts;
  /** Channel delivery (issue 4): FCM, Twilio (SMS + Verify), SendGrid, and their settings. */
  delivery: DeliveryInfra;
}

export function buildServices(infra: Infra) {
  const audit = new AuditLog(infra.store, infra.clock);
  const search = searchServices(infra);
  const notifications = notificationServices(infra, audit, notificationSettingsFromParams());
  return {
    infra,
    audit,
    accounts: new AccountAdmin(infra.store, infra.clock, audit, infra.accounts, infra.logger),
    messaging: messagingServices(infra, audit),
    search,
    compliance: complianceServices(infra, { audit, indexer: search.indexer }),
    // One PreferencesRepo and one RateLimiter per instance: delivery uses the pipeline's (same limits, same documents).
    delivery: buildDelivery({ ...infra, preferences: notifications.preferences, smsAllowance: notifications.rateLimiter }),
    notifications,
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
 * Pub/Sub consumers by topic. The Cloud Functions (src/functions/pubsub.ts) and the in-memory bus
 * (connectMemoryBus) both dispatch through this map, so tests and the local run exercise the same code path.
 * Handlers validate `data` themselves (zod) and must be idempotent: Pub/Sub delivers at least once.
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
