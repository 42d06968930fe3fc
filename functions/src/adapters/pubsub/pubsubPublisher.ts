import type { PubSub } from '@google-cloud/pubsub';
import type { Publisher } from '../../ports.js';

/** Publishes JSON messages to Google Cloud Pub/Sub (or its emulator, via PUBSUB_EMULATOR_HOST). */
export class PubSubPublisher implements Publisher {
  private client: PubSub | undefined;

  constructor(private readonly makeClient: () => Promise<PubSub>) {}

  async publish(topic: string, data: unknown, attributes?: Record<string, string>): Promise<string> {
    this.client ??= await this.makeClient();
    return this.client.topic(topic).publishMessage({ json: data, attributes });
  }
}
