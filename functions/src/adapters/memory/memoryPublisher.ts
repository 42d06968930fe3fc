import type { Publisher } from '../../ports.js';

export interface PublishedMessage {
  id: string;
  topic: string;
  data: unknown;
  attributes: Record<string, string>;
}

export type Subscriber = (message: PublishedMessage) => Promise<void>;

/**
 * An in-process Pub/Sub: messages queue per publish; `drain()` delivers them (and whatever they publish in turn)
 * to the subscribers, in order, the way the Pub/Sub triggers would in the cloud. `published` keeps every message.
 * Delivery is at-least-once like the real thing: `redeliver` hands a message to its subscribers again.
 */
export class MemoryPublisher implements Publisher {
  readonly published: PublishedMessage[] = [];
  private readonly queue: PublishedMessage[] = [];
  private readonly subscribers = new Map<string, Subscriber[]>();
  private counter = 0;

  async publish(topic: string, data: unknown, attributes: Record<string, string> = {}): Promise<string> {
    // A JSON round-trip, like the wire: Dates become strings, undefined disappears.
    const message = {
      id: `msg-${++this.counter}`,
      topic,
      data: JSON.parse(JSON.stringify(data)) as unknown,
      attributes,
    };
    this.published.push(message);
    this.queue.push(message);
    return message.id;
  }

  subscribe(topic: string, subscriber: Subscriber): void {
    this.subscribers.set(topic, [...(this.subscribers.get(topic) ?? []), subscriber]);
  }

  /** Delivers queued messages until none are left; returns how many were delivered. */
  async drain(): Promise<number> {
    let delivered = 0;
    for (let message = this.queue.shift(); message; message = this.queue.shift()) {
      await this.redeliver(message);
      delivered++;
    }
    return delivered;
  }

  async redeliver(message: PublishedMessage): Promise<void> {
    for (const subscriber of this.subscribers.get(message.topic) ?? []) await subscriber(message);
  }

  on(topic: string): PublishedMessage[] {
    return this.published.filter((m) => m.topic === topic);
  }
}
