import type { Captured, OutboxKind } from '../../../src/local/sandbox/outbox.js';
import { SANDBOX_URL_ENV } from '../../../src/local/sandbox/connect.js';
import { afterAll, beforeAll } from 'vitest';
import { emulatorHub, functionsEmulatorOrigin, runScheduledFunction } from '../../../src/local/sandbox/schedules.js';
import { REGION } from '../../../src/functions/options.js';
import { getFirestore } from 'firebase-admin/firestore';
import { FirestoreDocumentStore } from '../../../src/adapters/firestore/firestoreDocumentStore.js';
import { adminApp } from '../../../src/composition/cloud.js';

/**
 * For trigger-chain tests in the emulator tier: what the sandbox providers captured, waiting for an outcome, and
 * running scheduled functions. The tier's runner (scripts/test-emulators.mjs) starts the sandbox and sets its URL.
 */
export function sandboxUrl(): string {
  const url = process.env[SANDBOX_URL_ENV];
  if (!url)
    throw new Error(
      `${SANDBOX_URL_ENV} is not set: run the emulator tier with \`npm run test:emulators\`, which starts the sandbox providers`,
    );
  return url;
}

export async function outbox(
  kind: OutboxKind,
  filter: { deliveryId?: string; to?: string; since?: number } = {},
): Promise<Captured[]> {
  const query = new URLSearchParams(
    Object.entries(filter)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]): [string, string] => [k, String(v)]),
  );
  const response = await fetch(`${sandboxUrl()}/outbox/${kind}?${query}`);
  if (!response.ok) throw new Error(`sandbox outbox answered HTTP ${response.status}`);
  return (await response.json()) as Captured[];
}

/** The records of a sandbox Algolia index. */
export async function searchRecords(index = 'messages'): Promise<Array<Record<string, unknown>>> {
  return (await (await fetch(`${sandboxUrl()}/search/${index}`)).json()) as Array<Record<string, unknown>>;
}

/** Polls `read` until `done` holds; on timeout fails naming `what` and the last value read. */
export async function eventually<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 45_000,
): Promise<T> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) {
      if (Date.now() - started > 10_000)
        console.log(`(waited ${Math.round((Date.now() - started) / 1000)} s for ${what})`);
      return value;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(value)?.slice(0, 800)}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/** Runs a scheduled function in the Functions emulator now and expects it to succeed. */
export async function runSchedule(name: string): Promise<void> {
  const run = await runScheduledFunction(name);
  if (run.status !== 200)
    throw new Error(`scheduled function ${name} failed: HTTP ${run.status} (see the emulator log)`);
}

/** Calls a deployed callable in the Functions emulator as `uid`, signed in through the Auth emulator with the JS SDK. */
export async function callAs<R>(
  uid: string,
  name: string,
  data: unknown,
  claims: Record<string, unknown> = {},
): Promise<R> {
  const [
    { initializeApp, deleteApp },
    { connectAuthEmulator, getAuth, signInWithCustomToken },
    { connectFunctionsEmulator, getFunctions, httpsCallable },
    { getAuth: getAdminAuth },
    { adminApp },
  ] = await Promise.all([
    import('firebase/app'),
    import('firebase/auth'),
    import('firebase/functions'),
    import('firebase-admin/auth'),
    import('../../../src/composition/cloud.js'),
  ]);
  const origin = new URL(await functionsEmulatorOrigin());
  const app = initializeApp(
    { projectId: process.env.GCLOUD_PROJECT, apiKey: 'demo-api-key' },
    `as-${uid}-${Date.now()}-${Math.random()}`,
  );
  try {
    const auth = getAuth(app);
    connectAuthEmulator(auth, `http://${process.env.FIREBASE_AUTH_EMULATOR_HOST}`, { disableWarnings: true });
    await signInWithCustomToken(auth, await getAdminAuth(adminApp()).createCustomToken(uid, claims));
    const functions = getFunctions(app, REGION);
    connectFunctionsEmulator(functions, origin.hostname, Number(origin.port));
    return (await httpsCallable(functions, name)(data)).data as R;
  } finally {
    await deleteApp(app);
  }
}

// ── the Functions emulator's background triggers, per trigger-chain test file ──
//
// Every Firestore write in the suite fires the deployed triggers, also the rules and adapter tests' writes (same
// project); the emulator runs them one worker process per concurrent call and kills a worker whose function throws
// (those tests clear the database under the triggers), so by the time a chain test writes its first document the
// emulator may still be working through minutes of other files' events. A chain test file therefore starts by
// dropping that backlog (disable: queued events are answered 204 and gone; enable: the triggers are registered again)
// and ends with the triggers off, so the files after it do not pile up a new one.

async function hubPut(path: string): Promise<void> {
  const response = await fetch(`http://${emulatorHub()}${path}`, {
    method: 'PUT',
    signal: AbortSignal.timeout(120_000),
  });
  if (!response.ok) throw new Error(`emulator hub ${path}: HTTP ${response.status} ${await response.text()}`);
}

/** The newest trigger generation the Functions emulator lists (its keys are `<region>-<name>-<generation>`). */
async function triggerGeneration(): Promise<number> {
  const origin = await functionsEmulatorOrigin();
  const response = await fetch(`${origin}/functions/projects/${process.env.GCLOUD_PROJECT}/triggers/-probe-`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  const keys = (/valid functions are: (.*)$/s.exec(await response.text())?.[1] ?? '').split(',');
  return Math.max(-1, ...keys.map((key) => Number(/-(\d+)$/.exec(key.trim())?.[1] ?? -1)));
}

export async function freshTriggers(): Promise<void> {
  await hubPut('/functions/disableBackgroundTriggers');
  const before = await triggerGeneration();
  for (let attempt = 1; attempt <= 3; attempt++) {
    await hubPut('/functions/enableBackgroundTriggers');
    // A reload whose definition discovery timed out (a busy machine) registers nothing: try again.
    if ((await triggerGeneration()) > before) return;
  }
  throw new Error(
    'the Functions emulator did not register its triggers again (see "Failed to load function definition" in its log)',
  );
}

export const pauseTriggers = () => hubPut('/functions/disableBackgroundTriggers');

/** For a trigger-chain test file: a Functions emulator with no other file's backlog while it runs, triggers off after. */
export function useTriggerChains(): void {
  beforeAll(freshTriggers, 180_000);
  afterAll(pauseTriggers, 120_000);
}

/**
 * What a trigger-chain file writes with: the emulator's Firestore through the production adapter, a run id that keeps
 * this file's users apart from other runs', and a profile as a client creates it (verified email, UTC, English).
 */
export function chainWorld() {
  const run = `${process.pid}${Date.now().toString(36)}`;
  return {
    store: new FirestoreDocumentStore(() => getFirestore(adminApp())),
    run,
    profile: (name: string, kind = 'collector') => ({
      displayName: name,
      kind,
      email: `${name.toLowerCase()}-${run}@example.com`,
      emailVerified: true,
      timeZone: 'UTC',
      locale: 'en',
    }),
  };
}
