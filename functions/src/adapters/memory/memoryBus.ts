import type { Services } from '../../composition.js';
import { topicHandlers } from '../../composition.js';
import type { MemoryPublisher } from './memoryPublisher.js';

/** Subscribes the composition root's topic handlers to the in-memory publisher; `publisher.drain()` then runs them. */
export function connectMemoryBus(services: Services, publisher: MemoryPublisher): void {
  for (const [topic, handler] of Object.entries(topicHandlers(services))) {
    publisher.subscribe(topic, (message) =>
      handler(message.data, { messageId: message.id, attributes: message.attributes, publishedAt: services.infra.clock.now().toISOString() }),
    );
  }
}
