import { type Message, PubSub, type Subscription, type Topic } from '@google-cloud/pubsub';
import { describe, expect, it } from 'vitest';
import { PubSubPublisher } from '../../../src/adapters/pubsub/pubsubPublisher.js';
import { ADAPTERS_PROJECT } from '../isolatedProject.js';

// Runs against the Pub/Sub emulator (PUBSUB_EMULATOR_HOST set by `firebase emulators:exec`), in a project of its own
// so the suite's Pub/Sub functions never see these topics.

interface Observed {
  client: PubSub;
  /** Topic objects the adapter asked the client for, by name. */
  topicsMade: Map<string, number>;
  /** Publish RPCs sent, with how many messages each carried. */
  rpcs: number[];
}

/** A real client whose Topics count the publish RPCs they send (the library batches through topic.request). */
function observedClient(): Observed {
  const client = new PubSub({ projectId: ADAPTERS_PROJECT });
  const observed: Observed = { client, topicsMade: new Map(), rpcs: [] };
  const topic = client.topic.bind(client);
  client.topic = ((name: string, options?: Parameters<PubSub['topic']>[1]) => {
    observed.topicsMade.set(name, (observed.topicsMade.get(name) ?? 0) + 1);
    const t: Topic = topic(name, options);
    const request = t.request.bind(t) as (
      config: { method: string; reqOpts: { messages?: unknown[] } },
      ...rest: unknown[]
    ) => unknown;
    t.request = ((config: { method: string; reqOpts: { messages?: unknown[] } }, ...rest: unknown[]) => {
      if (config.method === 'publish') observed.rpcs.push(config.reqOpts.messages?.length ?? 0);
      return request(config, ...rest);
    }) as Topic['request'];
    return t;
  }) as PubSub['topic'];
  return observed;
}

/** Creates the topic and a subscription to it; the Topics this makes are not counted as the adapter's. */
async function topicWithSubscription(observed: Observed, name: string) {
  const [topic] = await observed.client.createTopic(name);
  const [subscription] = await topic.createSubscription(`${name}-sub`);
  observed.topicsMade.clear();
  return subscription;
}

/** Receives through the subscription until `count` messages arrived. */
async function receive(subscription: Subscription, count: number) {
  const received: Array<{ data: unknown; attributes: Record<string, string>; id: string }> = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`received ${received.length} of ${count}`)), 20_000);
    subscription.on('error', reject);
    subscription.on('message', (m: Message) => {
      m.ack();
      received.push({
        data: JSON.parse(m.data.toString('utf8')) as unknown,
        attributes: { ...m.attributes },
        id: m.id,
      });
      if (received.length === count) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  await subscription.close();
  return received;
}

describe('PubSubPublisher on the Pub/Sub emulator', () => {
  const unique = () => `bench-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;

  it('sends messages published together in one RPC over one Topic, each resolved with its server id', async () => {
    const observed = observedClient();
    const name = unique();
    const subscription = await topicWithSubscription(observed, name);
    let clients = 0;
    const publisher = new PubSubPublisher(async () => {
      clients++;
      return observed.client;
    });

    const ids = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        publisher.publish(name, { n: i, at: '2026-06-10T14:00:00.000Z' }, { deliveryId: `d${i}` }),
      ),
    );
    const received = await receive(subscription, 200);

    expect(clients).toBe(1);
    expect(observed.topicsMade.get(name)).toBe(1);
    expect(observed.rpcs).toEqual([200]);
    expect(new Set(ids).size).toBe(200);
    expect(received).toHaveLength(200);
    const byN = new Map(received.map((m) => [(m.data as { n: number }).n, m]));
    expect(byN.get(7)).toEqual({
      data: { n: 7, at: '2026-06-10T14:00:00.000Z' },
      attributes: { deliveryId: 'd7' },
      id: ids[7],
    });
  });

  it('sends each awaited publish by itself, over the one Topic it keeps', async () => {
    const observed = observedClient();
    const name = unique();
    await topicWithSubscription(observed, name);
    const publisher = new PubSubPublisher(async () => observed.client);

    for (let i = 0; i < 5; i++) await publisher.publish(name, { n: i });
    expect(observed.rpcs).toEqual([1, 1, 1, 1, 1]);
    expect(observed.topicsMade.get(name)).toBe(1);
  });

  it('rejects every publish of a batch the server refuses (no such topic)', async () => {
    const observed = observedClient();
    const publisher = new PubSubPublisher(async () => observed.client);
    const outcomes = await Promise.allSettled([
      publisher.publish(unique(), { n: 1 }),
      publisher.publish(unique(), { n: 2 }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(String((outcomes[0] as PromiseRejectedResult).reason)).toMatch(/NOT_FOUND|not found/i);
  });

  it('makes no client until the first publish, and tries again after a failed one', async () => {
    let attempts = 0;
    const observed = observedClient();
    const name = unique();
    await topicWithSubscription(observed, name);
    const publisher = new PubSubPublisher(async () => {
      attempts++;
      if (attempts === 1) throw new Error('credentials not ready');
      return observed.client;
    });
    expect(attempts).toBe(0);
    await expect(publisher.publish(name, { n: 1 })).rejects.toThrow(/credentials not ready/);
    await expect(publisher.publish(name, { n: 2 })).resolves.toMatch(/\S/);
    expect(attempts).toBe(2);
  });
});
