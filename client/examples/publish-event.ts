/**
 * How a backend service (auctions, orders, payments) submits marketplace events, both ways, against the emulators:
 *
 * 1. publish the envelope to the `domain-events` Pub/Sub topic (in production: the service account holds
 *    roles/pubsub.publisher on that topic only);
 * 2. call the `publishEvent` callable through @craft/client with an ID token that carries the `service` claim: a
 *    custom token minted with `{ service: true }` (Admin SDK) and exchanged for an ID token on the Auth emulator.
 *
 * Run it with the emulators up (`npm run emulators` in another shell, seeded from emulator-seed/):
 *
 *   npx tsx client/examples/publish-event.ts
 *
 * It outbids the seeded u_jonas twice (one event per way); his notification center shows both. Environment: the
 * emulators' usual variables (PUBSUB_EMULATOR_HOST, FIREBASE_AUTH_EMULATOR_HOST, GCLOUD_PROJECT), else firebase.json's
 * ports; FUNCTIONS_EMULATOR_ORIGIN overrides http://127.0.0.1:5001.
 * test/emulator/api/backendExample.e2e.test.ts runs these functions and checks the events arrive.
 */
import { PubSub } from '@google-cloud/pubsub';
import { deleteApp as deleteAdminApp, initializeApp as initializeAdminApp } from 'firebase-admin/app';
import { getAuth as getAdminAuth } from 'firebase-admin/auth';
import { deleteApp, initializeApp } from 'firebase/app';
import { connectAuthEmulator, getAuth, signInWithCustomToken } from 'firebase/auth';
import { connectFunctionsEmulator, getFunctions } from 'firebase/functions';
// In your service: `import { … } from '@craft/client'` ("@craft/client": "file:../client" in its package.json).
import type { EventMessage, PublishEventOutput } from '../src/index.js';
import { REGION, callables } from '../src/index.js';

export interface EmulatorTargets {
  projectId: string;
  /** host:port of the Auth emulator. */
  authHost: string;
  /** http://host:port of the Functions emulator. */
  functionsOrigin: string;
}

/** The topic every producer publishes to (TOPICS.domainEvents in functions/src/domain/channels.ts). */
export const DOMAIN_EVENTS_TOPIC = 'domain-events';

/**
 * Way 1: Pub/Sub. The envelope is the message's JSON body. The answer is the message id only: whether the event was
 * valid shows later in `events/{eventId}` (`processed`, or `rejected` naming the field; a rejected event is
 * acknowledged, not retried). With PUBSUB_EMULATOR_HOST set the client talks to the emulator, without credentials.
 */
export async function publishToTopic(event: EventMessage, projectId: string): Promise<string> {
  const pubsub = new PubSub({ projectId });
  try {
    return await pubsub.topic(DOMAIN_EVENTS_TOPIC).publishMessage({ json: event });
  } finally {
    await pubsub.close();
  }
}

/**
 * Way 2: the `publishEvent` callable as a service identity. A custom token with `{ service: true }` (minted by the
 * Admin SDK: on the Auth emulator it needs no key; in production the service's own credentials sign it), exchanged
 * for an ID token by the JS SDK, then the typed callable. The answer is immediate: `{eventId, status}`, or a
 * FunctionsError `functions/invalid-argument` naming the field.
 */
export async function publishThroughCallable(
  event: EventMessage,
  targets: EmulatorTargets,
  serviceUid = 'svc_commerce',
): Promise<PublishEventOutput> {
  const api = await signIn(targets, serviceUid, { service: true });
  try {
    return await api.callables.publishEvent(event);
  } finally {
    await api.close();
  }
}

/**
 * Signs `uid` in on the Auth emulator with a custom token carrying `claims` and answers the typed callables. (Apps
 * sign their users in with their own provider; backend services and tests use custom tokens like this.)
 */
export async function signIn(targets: EmulatorTargets, uid: string, claims: Record<string, unknown> = {}) {
  const admin = initializeAdminApp({ projectId: targets.projectId }, `example-admin-${uid}-${Date.now()}`);
  const app = initializeApp({ projectId: targets.projectId, apiKey: 'demo-api-key' }, `example-${uid}-${Date.now()}`);
  try {
    const token = await getAdminAuth(admin).createCustomToken(uid, claims);
    const auth = getAuth(app);
    connectAuthEmulator(auth, `http://${targets.authHost}`, { disableWarnings: true });
    await signInWithCustomToken(auth, token);
    const functions = getFunctions(app, REGION);
    const origin = new URL(targets.functionsOrigin);
    connectFunctionsEmulator(functions, origin.hostname, Number(origin.port));
    return {
      callables: callables(functions),
      close: async () => {
        await deleteApp(app);
        await deleteAdminApp(admin);
      },
    };
  } catch (error) {
    await deleteApp(app);
    await deleteAdminApp(admin);
    throw error;
  }
}

/** An auction bid that outbids `previousBidderId`: the outbid notification goes to them, the bid to the seller. */
export function outbidEvent(key: string, previousBidderId: string, sellerId = 'u_maya'): EventMessage<'auction.bid_placed'> {
  return {
    type: 'auction.bid_placed',
    idempotencyKey: key,
    occurredAt: new Date().toISOString(),
    payload: {
      auctionId: 'auc_walnut_bowl',
      auctionTitle: 'Walnut bowl, hand-turned',
      sellerId,
      bidderId: 'u_ben',
      bidderName: 'Ben',
      amount: 240,
      currency: 'USD',
      previousBidderId,
    },
  };
}

async function main() {
  process.env.PUBSUB_EMULATOR_HOST ??= '127.0.0.1:8085';
  process.env.FIREBASE_AUTH_EMULATOR_HOST ??= '127.0.0.1:9099';
  const targets: EmulatorTargets = {
    projectId: process.env.GCLOUD_PROJECT ?? 'demo-craft-comms',
    authHost: process.env.FIREBASE_AUTH_EMULATOR_HOST,
    functionsOrigin: process.env.FUNCTIONS_EMULATOR_ORIGIN ?? 'http://127.0.0.1:5001',
  };
  const run = Date.now().toString(36);
  const messageId = await publishToTopic(outbidEvent(`example:${run}:pubsub`, 'u_jonas'), targets.projectId);
  console.log(`1. Pub/Sub: published to ${DOMAIN_EVENTS_TOPIC} as message ${messageId}`);
  const answer = await publishThroughCallable(outbidEvent(`example:${run}:callable`, 'u_jonas'), targets);
  console.log(`2. publishEvent as svc_commerce {service: true}: ${answer.eventId} ${answer.status}`);
  const jonas = await signIn(targets, 'u_jonas');
  try {
    const { items } = await jonas.callables.listNotifications({ limit: 3 });
    for (const n of items) console.log(`   u_jonas sees: ${n.createdAt} ${n.title}`);
  } finally {
    await jonas.close();
  }
}

// `npx tsx client/examples/publish-event.ts` runs it; importing it (the emulator test does) does not.
if (/publish-event\.[cm]?[jt]s$/.test(process.argv[1] ?? ''))
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
