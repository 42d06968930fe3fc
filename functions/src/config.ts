import { defineBoolean, defineInt, defineSecret, defineString } from 'firebase-functions/params';
import { AppError } from './domain/errors.js';

/**
 * Configuration. Credentials are Secret Manager secrets (`firebase functions:secrets:set NAME`; locally
 * functions/.secret.local); plain settings are params (functions/.env, .env.<project>, .env.local for the emulators).
 * Nothing here is read at import time: `.value()` is only called inside a running function.
 */
export const secrets = {
  TWILIO_ACCOUNT_SID: defineSecret('TWILIO_ACCOUNT_SID'),
  TWILIO_AUTH_TOKEN: defineSecret('TWILIO_AUTH_TOKEN'),
  SENDGRID_API_KEY: defineSecret('SENDGRID_API_KEY'),
  /** SendGrid signed event webhook verification key (ECDSA public key, base64). */
  SENDGRID_WEBHOOK_PUBLIC_KEY: defineSecret('SENDGRID_WEBHOOK_PUBLIC_KEY'),
  ALGOLIA_APP_ID: defineSecret('ALGOLIA_APP_ID'),
  ALGOLIA_ADMIN_KEY: defineSecret('ALGOLIA_ADMIN_KEY'),
  /** Search-only key from which per-user secured keys are derived. */
  ALGOLIA_SEARCH_KEY: defineSecret('ALGOLIA_SEARCH_KEY'),
  /** HMAC key for email unsubscribe tokens. */
  UNSUBSCRIBE_SIGNING_KEY: defineSecret('UNSUBSCRIBE_SIGNING_KEY'),
} as const;

export type SecretName = keyof typeof secrets;

export const params = {
  TWILIO_FROM_NUMBER: defineString('TWILIO_FROM_NUMBER', { default: '' }),
  TWILIO_MESSAGING_SERVICE_SID: defineString('TWILIO_MESSAGING_SERVICE_SID', { default: '' }),
  TWILIO_VERIFY_SERVICE_SID: defineString('TWILIO_VERIFY_SERVICE_SID', { default: '' }),
  SENDGRID_FROM_EMAIL: defineString('SENDGRID_FROM_EMAIL', { default: 'notifications@craft.example' }),
  ALGOLIA_INDEX: defineString('ALGOLIA_INDEX', { default: 'messages' }),
  /** Public base URL of the HTTPS functions (webhook URLs, unsubscribe links). */
  PUBLIC_BASE_URL: defineString('PUBLIC_BASE_URL', { default: 'http://127.0.0.1:5001/demo-craft-comms/europe-west1' }),
  /** Web app origin (https): web push links and email links to app routes (`/orders/o1`) are made absolute with it. */
  WEB_APP_URL: defineString('WEB_APP_URL', { default: 'https://craft.example' }),
  EXPORTS_BUCKET: defineString('EXPORTS_BUCKET', { default: '' }),
  CRITICAL_COMMISSION_USD: defineInt('CRITICAL_COMMISSION_USD', { default: 2000 }),
  SMS_DAILY_LIMIT: defineInt('SMS_DAILY_LIMIT', { default: 10 }),
  EMAIL_DAILY_LIMIT: defineInt('EMAIL_DAILY_LIMIT', { default: 50 }),
  IN_APP_DAILY_LIMIT: defineInt('IN_APP_DAILY_LIMIT', { default: 500 }),
  MODERATION_ENABLED: defineBoolean('MODERATION_ENABLED', { default: true }),
} as const;

export class MissingSecretError extends AppError {
  constructor(readonly secret: string) {
    super('failed-precondition', `secret ${secret} is not configured: set it with \`firebase functions:secrets:set ${secret}\` (or in functions/.secret.local for the emulators)`);
    this.name = 'MissingSecretError';
  }
}

/**
 * Reads a secret inside a running function, failing with an error that names it instead of handing `undefined` (or
 * an empty string) to an SDK. `read` is injectable so tests need not touch process.env.
 */
export function requireSecret(name: SecretName, read: (name: SecretName) => string | undefined = (n) => secrets[n].value()): string {
  const value = read(name);
  if (!value) throw new MissingSecretError(name);
  return value;
}
