import { resolve } from 'node:path';
import { getFirestore } from 'firebase-admin/firestore';
import { beforeAll, describe, expect, it } from 'vitest';
import { FirestoreDocumentStore } from '../../../src/adapters/firestore/firestoreDocumentStore.js';
import { eventIdFor } from '../../../src/app/notifications/eventPipeline.js';
import { adminApp } from '../../../src/composition/cloud.js';
import { paths } from '../../../src/domain/paths.js';
import { functionsEmulatorOrigin } from '../../../src/local/sandbox/schedules.js';
import { eventually, useTriggerChains } from '../../support/fakes/emulatorChain.js';

/**
 * The backend example (client/examples/publish-event.ts) against the Auth, Firestore, Functions and Pub/Sub
 * emulators: an event published to `domain-events` with the Pub/Sub client and one submitted through `publishEvent`
 * by @craft/client as a custom-token identity with `{service: true}` both end processed in `events/`, each with the
 * recipient's in-app notification; the recipient then reads them through @craft/client's callables, dates arriving
 * as ISO strings over the real callable protocol. (`npm run test:emulators`.)
 */
interface EventEnvelope {
  type: string;
  idempotencyKey: string;
  occurredAt: string;
  payload: Record<string, unknown>;
}
interface Api {
  callables: Record<string, (input: unknown) => Promise<unknown>>;
  close(): Promise<void>;
}
interface Example {
  publishToTopic(event: EventEnvelope, projectId: string): Promise<string>;
  publishThroughCallable(
    event: EventEnvelope,
    targets: unknown,
    serviceUid?: string,
  ): Promise<{ eventId: string; status: string }>;
  signIn(targets: unknown, uid: string, claims?: Record<string, unknown>): Promise<Api>;
  outbidEvent(key: string, previousBidderId: string, sellerId?: string): EventEnvelope;
}

// The example lives in the client package (outside this package's rootDir), so it is loaded by path, as tsx would.
const EXAMPLE = resolve(__dirname, '../../../../client/examples/publish-event.ts');
const store = new FirestoreDocumentStore(() => getFirestore(adminApp()));
const run = `${process.pid}${Date.now().toString(36)}`;
const CHAIN_MS = 150_000;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

let example: Example;
let targets: { projectId: string; authHost: string; functionsOrigin: string };

async function seedUser(uid: string) {
  await store.set(paths.user(uid), {
    displayName: uid,
    timeZone: 'UTC',
    locale: 'en',
    // No email, phone or device: in-app only, so the chain starts no delivery workers beside the callables under test.
    createdAt: new Date(),
  });
  // No quiet hours: whatever time the suite runs, the notification is created at once.
  await store.set(paths.preferences(uid), { quietHours: { enabled: false } });
}

/**
 * The Functions emulator starts a worker per concurrent call and gives it 10 s to load the code; on a loaded machine
 * a worker can miss that and the call hangs until the SDK's deadline. A backend retries such a call (the
 * idempotencyKey makes it safe): so does this test, once, and says so.
 */
async function retriedOnce<T>(what: string, call: () => Promise<T>): Promise<{ value: T; retried: boolean }> {
  try {
    return { value: await call(), retried: false };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'functions/deadline-exceeded' && code !== 'functions/internal' && code !== 'functions/unavailable')
      throw error;
    console.log(`(${what}: ${code} from the Functions emulator, retried once)`);
    return { value: await call(), retried: true };
  }
}

const onAuction = (event: EventEnvelope, auctionId: string): EventEnvelope => ({
  ...event,
  payload: { ...event.payload, auctionId },
});

async function processedWithNotification(eventId: string, uid: string) {
  const event = await eventually(
    `events/${eventId} processed`,
    async () => (await store.get(paths.event(eventId))).data,
    (d) => d?.status === 'processed' || d?.status === 'rejected',
    CHAIN_MS,
  );
  expect(event?.status, JSON.stringify(event)).toBe('processed');
  return eventually(
    `${uid}'s notification of ${eventId}`,
    async () => (await store.query(paths.notifications(uid))).filter((n) => n.data?.eventId === eventId),
    (found) => found.length === 1,
    CHAIN_MS,
  );
}

describe('a backend service calls in: Pub/Sub and publishEvent through @craft/client (emulators)', () => {
  useTriggerChains();
  const recipient = `outbid-${run}`;
  const seller = `seller-${run}`;

  beforeAll(async () => {
    example = (await import(EXAMPLE)) as Example;
    targets = {
      projectId: process.env.GCLOUD_PROJECT!,
      authHost: process.env.FIREBASE_AUTH_EMULATOR_HOST!,
      functionsOrigin: await functionsEmulatorOrigin(),
    };
    await seedUser(recipient);
    await seedUser(seller);
  });

  it(
    'publishes to domain-events with the Pub/Sub client: the event is processed and the recipient notified',
    async () => {
      const key = `example:${run}:pubsub`;
      const messageId = await example.publishToTopic(
        onAuction(example.outbidEvent(key, recipient, seller), `auc-pubsub-${run}`),
        targets.projectId,
      );
      expect(messageId).toMatch(/^\d+$/);
      const [notification] = await processedWithNotification(eventIdFor(key), recipient);
      expect(notification!.data).toMatchObject({ type: 'auction.outbid', read: false });
    },
    CHAIN_MS * 2,
  );

  it(
    'calls publishEvent as a custom-token identity with {service: true}: processed once, a retry answered the same',
    async () => {
      const key = `example:${run}:callable`;
      const event = onAuction(example.outbidEvent(key, recipient, seller), `auc-callable-${run}`);
      const { value: answer } = await retriedOnce('publishEvent', () =>
        example.publishThroughCallable(event, targets, `svc-${run}`),
      );
      expect(answer).toEqual({ eventId: eventIdFor(key), status: 'processed' });
      await processedWithNotification(answer.eventId, recipient);
      // A retry with the same idempotencyKey lands on the same event: answered again, nothing sent twice.
      expect(await example.publishThroughCallable(event, targets, `svc-${run}`)).toEqual(answer);
      const notified = await store.query(paths.notifications(recipient));
      expect(notified.filter((n) => n.data?.eventId === answer.eventId)).toHaveLength(1);
      // Without the claim the same call is refused.
      const plain = await example.signIn(targets, recipient);
      try {
        await expect(plain.callables.publishEvent!(event)).rejects.toMatchObject({
          code: 'functions/permission-denied',
        });
      } finally {
        await plain.close();
      }
    },
    CHAIN_MS * 2,
  );

  it('the recipient reads both through @craft/client: dates arrive as ISO strings, the badge counts them', async () => {
    const api = await example.signIn(targets, recipient);
    try {
      const list = (await api.callables.listNotifications!({ limit: 10 })) as {
        items: Array<{ type: string; createdAt: unknown; readAt: unknown; eventId?: string }>;
      };
      expect(list.items.map((n) => n.eventId).sort()).toEqual(
        [eventIdFor(`example:${run}:callable`), eventIdFor(`example:${run}:pubsub`)].sort(),
      );
      for (const n of list.items) {
        expect(n.type).toBe('auction.outbid');
        expect(n.createdAt).toMatch(ISO);
        expect(n.readAt).toBeNull();
      }
      // The badge and its per-category counts (outbid alerts are commerce).
      const zero = { commerce: 0, community: 0, messaging: 0, social: 0 };
      expect(await api.callables.getUnreadCount!({})).toEqual({ unread: 2, byCategory: { ...zero, commerce: 2 } });
      expect(await api.callables.markAllNotificationsRead!({})).toEqual({ updated: 2 });
      expect(await api.callables.getUnreadCount!({})).toEqual({ unread: 0, byCategory: zero });
      const [read] = ((await api.callables.listNotifications!({ limit: 1 })) as { items: Array<{ readAt: unknown }> })
        .items;
      expect(read!.readAt).toMatch(ISO);
    } finally {
      await api.close();
    }
  }, 60_000);
});
