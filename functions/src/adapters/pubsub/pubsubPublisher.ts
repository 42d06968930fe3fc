import type { PubSub, Topic } from '@google-cloud/pubsub';
import type { Publisher } from '../../ports.js';

/**
 * How a topic batches. The publish RPC takes at most 1,000 messages and 10 MB; a batch leaves when it is full, at the
 * end of the event-loop turn that queued it (see PubSubPublisher), or after `maxMilliseconds` at the latest.
 */
export const PUBLISH_BATCHING = { maxMessages: 1000, maxBytes: 9 * 1024 * 1024, maxMilliseconds: 5 } as const;

/**
 * Publishes JSON messages to Google Cloud Pub/Sub (or its emulator, via PUBSUB_EMULATOR_HOST).
 *
 * One Topic per name for the life of the instance, so publishes batch: the client library queues a message and
 * resolves its promise with the server's id only when the batch holding it has been published (and rejects it if that
 * RPC fails). A handler that awaits its publishes has therefore flushed them before it returns, which Cloud Functions
 * needs (CPU is throttled once the function returns). The library would hold a batch for `maxMilliseconds` waiting for
 * more; instead a flush is scheduled for the end of the current event-loop turn, so the messages published together
 * (a Promise.all of jobs, concurrent recipients) leave in one RPC and a lone publish waits for no timer.
 *
 * No client at import: the first publish makes it (`makeClient`).
 */
export class PubSubPublisher implements Publisher {
  private client: Promise<PubSub> | undefined;
  private readonly topics = new Map<string, Topic>();
  private readonly flushing = new Set<Topic>();

  constructor(private readonly makeClient: () => Promise<PubSub>) {}

  async publish(topic: string, data: unknown, attributes?: Record<string, string>): Promise<string> {
    const t = this.topics.get(topic) ?? this.addTopic(topic, await this.clientOnce());
    const published = t.publishMessage({ json: data, attributes });
    this.flushSoon(t);
    return published;
  }

  /** Sends whatever is queued on every topic now; resolves when it has been published. */
  async flush(): Promise<void> {
    await Promise.all([...this.topics.values()].map((t) => t.flush()));
  }

  private clientOnce(): Promise<PubSub> {
    // Concurrent first publishes share one client; a failed attempt is not kept, so the next publish tries again.
    this.client ??= this.makeClient().catch((error: unknown) => {
      this.client = undefined;
      throw error;
    });
    return this.client;
  }

  private addTopic(name: string, client: PubSub): Topic {
    // Two first publishes to one topic both wait for the client; the second takes the first one's Topic.
    const existing = this.topics.get(name);
    if (existing) return existing;
    const topic = client.topic(name, { batching: PUBLISH_BATCHING });
    this.topics.set(name, topic);
    return topic;
  }

  private flushSoon(topic: Topic): void {
    if (this.flushing.has(topic)) return;
    this.flushing.add(topic);
    setImmediate(() => {
      this.flushing.delete(topic);
      // Each message's own promise reports a failed batch; this one has nothing to add.
      topic.flush().catch(() => undefined);
    });
  }
}
