import { getApps, initializeApp } from 'firebase-admin/app';
import { getFirestore } from 'firebase-admin/firestore';
import type { Infra, Services } from '../composition.js';
import { buildServices } from '../composition.js';
import { FirestoreDocumentStore } from '../adapters/firestore/firestoreDocumentStore.js';
import { FunctionsLogger } from '../adapters/functionsLogger.js';
import { PubSubPublisher } from '../adapters/pubsub/pubsubPublisher.js';
import { systemClock } from '../adapters/clocks.js';
import { AlgoliaMessageIndex } from '../adapters/algolia/algoliaMessageIndex.js';
import { CloudStorageExports } from '../adapters/storage/cloudStorageExports.js';
import { params, requireSecret } from '../config.js';
import { firebaseDelivery } from './deliveryInfra.js';
import { sandboxAlgoliaHosts, sandboxProviders } from '../local/sandbox/connect.js';
import { SANDBOX_CREDENTIALS } from '../local/sandbox/credentials.js';
import type { SandboxConnection } from '../local/sandbox/connect.js';
import { SandboxExportStorage } from '../local/sandbox/storage.js';
import { FirebaseUserAccounts } from '../adapters/firebaseAuth/firebaseUserAccounts.js';

/**
 * Built once per instance, on the first invocation: importing the deploy surface initialises nothing (cold starts
 * stay fast, and a function never pays for an SDK it does not use).
 */
let current: Services | undefined;

export function services(): Services {
  current ??= buildServices(firebaseInfra());
  return current;
}

/** Tests and the local run install services built on other adapters (usually memoryInfra()). */
export function useServices(next: Services | undefined): void {
  current = next;
}

/** The default Admin SDK app, initialised on first use (credentials and project come from the environment). */
export function adminApp() {
  return getApps()[0] ?? initializeApp();
}

/**
 * The Firebase and provider SDK adapters. In the Functions emulator with SANDBOX_PROVIDERS_URL set (npm run emulators,
 * the emulator test tier), Algolia, FCM, Twilio and SendGrid are the sandbox providers, with the sandbox's credentials
 * instead of Secret Manager secrets; a deployed function never reads that variable (sandboxProviders checks
 * FUNCTIONS_EMULATOR first).
 */
export function firebaseInfra(): Infra {
  const sandbox = sandboxProviders();
  return {
    store: new FirestoreDocumentStore(() => getFirestore(adminApp())),
    publisher: new PubSubPublisher(async () => {
      const { PubSub } = await import('@google-cloud/pubsub');
      return new PubSub();
    }),
    clock: systemClock,
    logger: new FunctionsLogger(),
    messageIndex: new AlgoliaMessageIndex(
      sandbox
        ? { credentials: () => SANDBOX_CREDENTIALS.algolia, indexName: () => params.ALGOLIA_INDEX.value(), hosts: sandboxAlgoliaHosts(sandbox) }
        : {
            credentials: () => ({
              appId: requireSecret('ALGOLIA_APP_ID'),
              adminKey: requireSecret('ALGOLIA_ADMIN_KEY'),
              searchKey: requireSecret('ALGOLIA_SEARCH_KEY'),
            }),
            indexName: () => params.ALGOLIA_INDEX.value(),
          },
    ),
    exportStorage: exportStorage(sandbox),
    accounts: new FirebaseUserAccounts(adminApp),
    delivery: firebaseDelivery(adminApp, sandbox),
  };
}

/**
 * Cloud Storage for exports. In the Functions emulator: the Storage emulator when it runs (it cannot sign URLs, so
 * downloads use its plain media URL), else the sandbox's object store, so nothing reaches the real Cloud Storage.
 */
function exportStorage(sandbox: SandboxConnection | undefined) {
  const storageEmulator = process.env.FUNCTIONS_EMULATOR === 'true' ? process.env.FIREBASE_STORAGE_EMULATOR_HOST : undefined;
  if (storageEmulator) {
    return new CloudStorageExports({
      app: adminApp,
      bucket: () => params.EXPORTS_BUCKET.value(),
      sign: async (file, expiresAt) => `http://${storageEmulator}/v0/b/${file.bucket}/o/${encodeURIComponent(file.name)}?alt=media&expires=${expiresAt.getTime()}`,
    });
  }
  if (sandbox) return new SandboxExportStorage(sandbox.origin);
  return new CloudStorageExports({ app: adminApp, bucket: () => params.EXPORTS_BUCKET.value() });
}
