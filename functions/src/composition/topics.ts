import { TOPICS } from '../domain/channels.js';
import type { Feature, Services } from './features.js';

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
 * The map reads a feature only when its handler runs, so a consumer builds only its own feature (TOPIC_FEATURES).
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

/** The feature each topic's consumer uses (what a deployed consumer's first message loads). */
export const TOPIC_FEATURES: Record<string, Feature> = {
  [TOPICS.domainEvents]: 'notifications',
  [TOPICS.fanout]: 'notifications',
  [TOPICS.push]: 'delivery',
  [TOPICS.sms]: 'delivery',
  [TOPICS.email]: 'delivery',
};
