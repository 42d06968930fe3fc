import type { App } from 'firebase-admin/app';
import { getApps, initializeApp } from 'firebase-admin/app';
import { getFirestore } from 'firebase-admin/firestore';
import type { DeliveryInfra, DeliverySettings, Infra } from '../ports.js';
import type { Settings } from '../config.js';
import type { SecretName } from '../config.js';
import { assertSecretDeclared, readSettings, requireSecret } from '../config.js';
import { AlgoliaMessageIndex } from '../adapters/algolia/algoliaMessageIndex.js';
import { systemClock } from '../adapters/clocks.js';
import { fcmProvider } from '../adapters/fcm/index.js';
import { FirebaseUserAccounts } from '../adapters/firebaseAuth/firebaseUserAccounts.js';
import { FirestoreDocumentStore } from '../adapters/firestore/firestoreDocumentStore.js';
import { FunctionsLogger } from '../adapters/functionsLogger.js';
import { PubSubPublisher } from '../adapters/pubsub/pubsubPublisher.js';
import { sendgridProvider } from '../adapters/sendgrid/index.js';
import { CloudStorageExports } from '../adapters/storage/cloudStorageExports.js';
import { twilioProvider } from '../adapters/twilio/index.js';
import { DEFAULT_RESILIENCE } from '../app/delivery/resilience.js';
import type { SandboxConnection } from '../local/sandbox/connect.js';
import {
  RedirectAgent,
  sandboxAlgoliaHosts,
  sandboxFcmCredential,
  sandboxProviders,
} from '../local/sandbox/connect.js';
import { SANDBOX_CREDENTIALS } from '../local/sandbox/credentials.js';
import { SandboxExportStorage } from '../local/sandbox/storage.js';
import type { FeatureModules, Services } from './features.js';
import { composeServices } from './features.js';

/**
 * The cloud and the Functions emulator: Firebase and provider SDK adapters, settings from params (src/config.ts).
 * The emulator differs only in the providers: with FUNCTIONS_EMULATOR and SANDBOX_PROVIDERS_URL set (npm run
 * emulators, the emulator test tier) Algolia, FCM, Twilio, SendGrid and export storage are the sandbox providers, with
 * the sandbox's credentials instead of Secret Manager secrets; a deployed function never reads that variable
 * (sandboxProviders checks FUNCTIONS_EMULATOR first). Called by src/functions/runtime.ts on the first invocation:
 * importing the deploy surface initialises nothing. Each feature is built from `modules` when first read: runtime.ts
 * loads into it only the features the instance's function uses.
 */
export function cloudServices(modules: Partial<FeatureModules>): Services {
  const settings = readSettings();
  return composeServices(firebaseInfra(settings), settings, modules);
}

/** The default Admin SDK app, initialised on first use (credentials and project come from the environment). */
export function adminApp(): App {
  return getApps()[0] ?? initializeApp();
}

export function firebaseInfra(settings: Settings = readSettings()): Infra {
  const sandbox = sandboxProviders();
  const indexName = () => settings.algolia.indexName;
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
        ? {
            credentials: () =>
              sandboxSecret(['ALGOLIA_APP_ID', 'ALGOLIA_ADMIN_KEY', 'ALGOLIA_SEARCH_KEY'], SANDBOX_CREDENTIALS.algolia),
            indexName,
            hosts: sandboxAlgoliaHosts(sandbox),
          }
        : {
            credentials: () => ({
              appId: requireSecret('ALGOLIA_APP_ID'),
              adminKey: requireSecret('ALGOLIA_ADMIN_KEY'),
              searchKey: requireSecret('ALGOLIA_SEARCH_KEY'),
            }),
            indexName,
          },
    ),
    exportStorage: exportStorage(settings, sandbox),
    mediaStorage: mediaStorage(sandbox),
    accounts: new FirebaseUserAccounts(adminApp),
    delivery: firebaseDelivery(adminApp, sandbox, settings),
  };
}

/**
 * Cloud Storage for exports. In the Functions emulator: the Storage emulator when it runs (it cannot sign URLs, so
 * downloads use its plain media URL), else the sandbox's object store, so nothing reaches the real Cloud Storage.
 */
function exportStorage(settings: Settings, sandbox: SandboxConnection | undefined) {
  const bucket = () => settings.exports.bucket;
  const storageEmulator =
    process.env.FUNCTIONS_EMULATOR === 'true' ? process.env.FIREBASE_STORAGE_EMULATOR_HOST : undefined;
  if (storageEmulator) {
    return new CloudStorageExports({
      app: adminApp,
      bucket,
      sign: async (file, expiresAt) =>
        `http://${storageEmulator}/v0/b/${file.bucket}/o/${encodeURIComponent(file.name)}?alt=media&expires=${expiresAt.getTime()}`,
    });
  }
  if (sandbox) return new SandboxExportStorage(sandbox.origin);
  return new CloudStorageExports({ app: adminApp, bucket });
}

/**
 * Conversation media in the project's default bucket (storage.rules). In the Functions emulator: the Storage emulator
 * when it runs (the Admin SDK finds it through FIREBASE_STORAGE_EMULATOR_HOST), else the sandbox's object store.
 */
function mediaStorage(sandbox: SandboxConnection | undefined) {
  const storageEmulator =
    process.env.FUNCTIONS_EMULATOR === 'true' ? process.env.FIREBASE_STORAGE_EMULATOR_HOST : undefined;
  if (!storageEmulator && sandbox) return new SandboxExportStorage(sandbox.origin);
  return new CloudStorageExports({ app: adminApp, bucket: () => undefined });
}

/** Delivery's settings: params as plain values, the unsubscribe key (a secret) read when a call needs it. */
function deliverySettings(settings: Settings, unsubscribeKey: () => string): DeliverySettings {
  return {
    publicBaseUrl: () => settings.publicBaseUrl,
    webAppUrl: () => settings.webAppUrl,
    fromEmail: () => settings.sendgrid.fromEmail,
    unsubscribeKey,
    resilience: DEFAULT_RESILIENCE,
  };
}

/**
 * The real providers, one folder each (src/adapters/fcm, twilio, sendgrid: sending, error classification, webhooks);
 * every secret is read when a call needs it. With the sandbox providers running (`sandbox`) the same adapters and SDKs
 * talk to the sandbox with its credentials instead, so the emulator suite works end to end without a single real secret.
 */
export function firebaseDelivery(
  app: () => App,
  sandbox?: SandboxConnection,
  settings: Settings = readSettings(),
): DeliveryInfra {
  if (sandbox) return sandboxDelivery(sandbox, settings);
  const fcm = fcmProvider(app);
  const twilio = twilioProvider({
    accountSid: () => requireSecret('TWILIO_ACCOUNT_SID'),
    authToken: () => requireSecret('TWILIO_AUTH_TOKEN'),
    timeoutMs: DEFAULT_RESILIENCE.timeoutMs,
    sender: () => ({
      messagingServiceSid: settings.twilio.messagingServiceSid || undefined,
      from: settings.twilio.fromNumber || undefined,
    }),
    verifyServiceSid: () => settings.twilio.verifyServiceSid,
  });
  const sendgrid = sendgridProvider({
    apiKey: () => requireSecret('SENDGRID_API_KEY'),
    webhookPublicKey: () => requireSecret('SENDGRID_WEBHOOK_PUBLIC_KEY'),
    timeoutMs: DEFAULT_RESILIENCE.timeoutMs,
  });
  return providersInfra(
    fcm,
    twilio,
    sendgrid,
    deliverySettings(settings, () => requireSecret('UNSUBSCRIBE_SIGNING_KEY')),
  );
}

const SANDBOX_FCM_APP = 'sandbox-fcm';

/**
 * A sandbox credential stands in for these secrets: the read is refused, as in production, when the running function
 * does not declare them, so the emulator tier catches an undeclared secret on every code path it runs.
 */
function sandboxSecret<T>(names: readonly SecretName[], value: T): T {
  for (const name of names) assertSecretDeclared(name);
  return value;
}

/**
 * The provider adapters pointed at the sandbox providers (emulator only): FCM through an https Agent, Twilio through
 * its httpClient, SendGrid through its base URL.
 */
function sandboxDelivery(sandbox: SandboxConnection, settings: Settings): DeliveryInfra {
  const creds = SANDBOX_CREDENTIALS;
  // A second Admin SDK app for messaging only: its credential needs no Google, its agent reaches the sandbox.
  const fcmApp = () =>
    getApps().find((a) => a.name === SANDBOX_FCM_APP) ??
    initializeApp(
      {
        projectId: process.env.GCLOUD_PROJECT ?? 'demo-sandbox',
        credential: sandboxFcmCredential,
        httpAgent: new RedirectAgent(sandbox.port, sandbox.host),
      },
      SANDBOX_FCM_APP,
    );
  const fcm = fcmProvider(fcmApp);
  const twilio = twilioProvider({
    accountSid: () => sandboxSecret(['TWILIO_ACCOUNT_SID'], creds.twilio.accountSid),
    authToken: () => sandboxSecret(['TWILIO_AUTH_TOKEN'], creds.twilio.authToken),
    timeoutMs: DEFAULT_RESILIENCE.timeoutMs,
    apiOrigin: sandbox.origin,
    sender: () => {
      const from = settings.twilio.fromNumber || undefined;
      return {
        messagingServiceSid:
          settings.twilio.messagingServiceSid || (from ? undefined : creds.twilio.messagingServiceSid),
        from,
      };
    },
    verifyServiceSid: () => creds.twilio.verifyServiceSid,
  });
  const sendgrid = sendgridProvider({
    apiKey: () => sandboxSecret(['SENDGRID_API_KEY'], creds.sendgrid.apiKey),
    baseUrl: sandbox.origin,
    timeoutMs: DEFAULT_RESILIENCE.timeoutMs,
    // The sandbox posts no SendGrid events; a developer who signs their own sets the key in functions/.secret.local.
    webhookPublicKey: () => requireSecret('SENDGRID_WEBHOOK_PUBLIC_KEY'),
  });
  return providersInfra(
    fcm,
    twilio,
    sendgrid,
    // The emulator's PUBLIC_BASE_URL is loopback http: community email carries that unsubscribe URL here, and only here.
    {
      ...deliverySettings(settings, () => sandboxSecret(['UNSUBSCRIBE_SIGNING_KEY'], creds.unsubscribeKey)),
      loopbackUnsubscribe: true,
    },
  );
}

/** The three providers' folders as delivery's adapters: their senders, and every webhook they parse by name. */
function providersInfra(
  fcm: ReturnType<typeof fcmProvider>,
  twilio: ReturnType<typeof twilioProvider>,
  sendgrid: ReturnType<typeof sendgridProvider>,
  settings: DeliverySettings,
): DeliveryInfra {
  return {
    push: fcm.push,
    sms: twilio.sms,
    smsVerifier: twilio.smsVerifier,
    email: sendgrid.email,
    webhooks: { ...fcm.webhooks, ...twilio.webhooks, ...sendgrid.webhooks },
    settings,
  };
}
