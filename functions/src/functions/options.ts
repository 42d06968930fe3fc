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
