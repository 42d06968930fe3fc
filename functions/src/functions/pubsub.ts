import { onMessagePublished } from 'firebase-functions/v2/pubsub';
import type { PubSubOptions } from 'firebase-functions/v2/pubsub';
import { topicHandlers } from '../composition/services.js';
import { REGION } from './options.js';
import { services } from './runtime.js';

/**
 * A Pub/Sub-triggered function that hands the JSON body to the topic's handler in the composition root.
 * Retry is on: a handler throws only for transient failures it wants redelivered; bad input it records and returns.
 */
export function topicFunction(topic: string, options: Omit<PubSubOptions, 'topic' | 'region'> = {}) {
  return onMessagePublished({ topic, region: REGION, retry: true, ...options }, async (event) => {
    const s = services();
    const handler = topicHandlers(s)[topic];
    if (!handler) throw new Error(`no handler for topic ${topic}`);
    let data: unknown;
    try {
      data = event.data.message.json;
    } catch {
      data = undefined; // not JSON: the handler's schema rejects it and records why
    }
    await handler(data, {
      messageId: event.data.message.messageId,
      attributes: event.data.message.attributes ?? {},
      publishedAt: event.data.message.publishTime,
    });
  });
}
