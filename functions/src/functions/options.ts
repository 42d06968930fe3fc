import { setGlobalOptions } from 'firebase-functions/v2/options';
import type { SecretName } from '../config.js';
import { secrets } from '../config.js';

/** Where the functions run. Kept as a constant: region must be known at deploy time, before params resolve. */
export const REGION = 'europe-west1';

/**
 * Secrets by provider. A function names the providers its use cases may call (a function without a secret cannot read
 * it at run time: Cloud Functions mounts only the secrets a function declares).
 */
export const SECRETS = {
  algolia: ['ALGOLIA_APP_ID', 'ALGOLIA_ADMIN_KEY', 'ALGOLIA_SEARCH_KEY'],
  twilio: ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN'],
  /** Sending email: the API key and the key that signs the unsubscribe links in every email. */
  sendgrid: ['SENDGRID_API_KEY', 'UNSUBSCRIBE_SIGNING_KEY'],
} as const satisfies Record<string, readonly SecretName[]>;

/** The secret params behind these names, as the v2 option `secrets` takes them. */
export const secretParams = (names: readonly SecretName[] = []) => names.map((name) => secrets[name]);

/**
 * Instance sizes by workload. Measured on Node 22 (README "Operating"): an instance that has loaded the deploy surface
 * holds ~90-110 MB RSS; exporting a 20,000-message conversation peaks at 127 MB RSS as JSON, 151 MB as the GDPR ZIP and
 * ~230 MB as a PDF (fonts and pdfkit); a fan-out chunk keeps 500 recipients and 16 deliveries in flight. Concurrency
 * needs a whole CPU (Cloud Run refuses concurrency > 1 below 1 vCPU). maxInstances caps what a burst can cost and how
 * hard it can hit Firestore and the providers; raise it with traffic.
 */
export const SIZES = {
  /** Callables and webhooks: short, I/O-bound calls, many at once per instance. */
  request: { memory: '256MiB', cpu: 1, concurrency: 40, maxInstances: 20 },
  /** Firestore triggers and Pub/Sub consumers: each holds one event's reads and writes. */
  event: { memory: '256MiB', cpu: 1, concurrency: 16, maxInstances: 20 },
  /** A fan-out page or chunk: 500 recipients, 16 in flight each; four per instance stay far below 512 MiB. */
  fanout: { memory: '512MiB', cpu: 1, concurrency: 4, maxInstances: 10 },
  /** Exports: two at once, 2 × ~140 MB over the base for the largest PDFs, within 1 GiB with room. */
  export: { memory: '1GiB', cpu: 1, concurrency: 2, maxInstances: 10 },
  /** Schedules: one run at a time (a run still going when the next fires makes that one wait for the next tick). */
  schedule: { memory: '512MiB', cpu: 1, concurrency: 1, maxInstances: 1 },
} as const;

/** v2 functions start from the request size; triggers.ts and the export callables choose theirs. */
setGlobalOptions({ region: REGION, ...SIZES.request });
