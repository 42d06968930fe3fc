import type { Infra } from '../ports.js';
import type { Settings } from '../config.js';
import { DEFAULT_SETTINGS } from '../config.js';
import { ManualClock } from '../adapters/clocks.js';
import { memoryDelivery, memoryWebhookSecrets } from '../adapters/memory/memoryDelivery.js';
import { MemoryDocumentStore } from '../adapters/memory/memoryDocumentStore.js';
import { MemoryLogger } from '../adapters/memory/memoryLogger.js';
import { MemoryMessageIndex } from '../adapters/memory/memoryMessageIndex.js';
import { MemoryObjectStorage } from '../adapters/memory/memoryObjectStorage.js';
import { MemoryPublisher } from '../adapters/memory/memoryPublisher.js';
import { MemoryUserAccounts } from '../adapters/memory/memoryUserAccounts.js';
import { sendgridWebhooks } from '../adapters/sendgrid/index.js';
import { twilioWebhooks } from '../adapters/twilio/index.js';
import type { Services } from './services.js';
import { topicHandlers } from './services.js';

/**
 * The in-memory environment (unit tests, `npm start`): first-class in-memory adapters with sandbox providers that
 * capture what would be sent, and a clock the caller moves. Services come from `buildServices(memoryInfra())` with
 * the default settings; `connectMemoryBus` then runs the Pub/Sub consumers as the cloud would.
 * The concrete types stay visible for assertions.
 */
export function memoryInfra(options: { now?: Date | string; settings?: Settings } = {}) {
  const settings = options.settings ?? DEFAULT_SETTINGS;
  return {
    store: new MemoryDocumentStore(),
    publisher: new MemoryPublisher(),
    clock: new ManualClock(options.now),
    logger: new MemoryLogger(),
    messageIndex: new MemoryMessageIndex(),
    exportStorage: new MemoryObjectStorage(),
    mediaStorage: new MemoryObjectStorage(),
    accounts: new MemoryUserAccounts(),
    delivery: memoryProviders(settings),
  } satisfies Infra;
}

/**
 * In-memory senders that capture what would be sent, and the providers' real webhook parsers (signatures, schemas,
 * status mapping) keyed with `webhookSecrets`, which a test may change.
 */
function memoryProviders(settings: Settings) {
  const webhookSecrets = memoryWebhookSecrets();
  return {
    ...memoryDelivery({
      publicBaseUrl: settings.publicBaseUrl,
      webAppUrl: settings.webAppUrl,
      fromEmail: settings.sendgrid.fromEmail,
    }),
    webhookSecrets,
    webhooks: {
      ...twilioWebhooks({ authToken: () => webhookSecrets.twilioAuthToken }),
      ...sendgridWebhooks({ publicKey: () => webhookSecrets.sendgridPublicKey }),
    },
  };
}

export type MemoryInfra = ReturnType<typeof memoryInfra>;

/** Subscribes the topic handlers to the in-memory publisher; `publisher.drain()` then runs them. */
export function connectMemoryBus(services: Services, publisher: MemoryPublisher): void {
  for (const [topic, handler] of Object.entries(topicHandlers(services))) {
    publisher.subscribe(topic, (message) =>
      handler(message.data, {
        messageId: message.id,
        attributes: message.attributes,
        publishedAt: services.infra.clock.now().toISOString(),
      }),
    );
  }
}
