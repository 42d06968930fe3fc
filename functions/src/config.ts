import { defineInt, defineSecret, defineString } from 'firebase-functions/params';
import type { NotificationSettings } from './app/notifications/index.js';
import { AppError } from './domain/errors.js';

/**
 * The one configuration module: every param and secret is defined and read here, and nowhere else. Credentials are
 * Secret Manager secrets (`firebase functions:secrets:set NAME`; functions/.secret.local for the emulators); plain
 * settings are params (functions/.env, .env.<project>, .env.local for the emulators). Nothing is read at import time:
 * the composition root calls readSettings() when it builds the services, inside a running function, and secrets are
 * read by requireSecret() only when a call needs them. App and adapter code never read params: they get the plain
 * `Settings` below (or a part of it) as an argument.
 */
export const secrets = {
  /** Twilio REST credentials (SMS, Verify). */
  TWILIO_ACCOUNT_SID: defineSecret('TWILIO_ACCOUNT_SID'),
  /** Twilio auth token: REST calls, and X-Twilio-Signature on the status and inbound webhooks. */
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

/**
 * The one set of defaults: each param's default (what the CLI fills in when no .env file sets it) is also what
 * readSettings() uses outside the Functions runtime, and what the in-memory wiring (tests, `npm start`) runs with.
 */
const PARAM_DEFAULTS = {
  TWILIO_FROM_NUMBER: '',
  TWILIO_MESSAGING_SERVICE_SID: '',
  TWILIO_VERIFY_SERVICE_SID: '',
  SENDGRID_FROM_EMAIL: 'notifications@craft.example',
  ALGOLIA_INDEX: 'messages',
  PUBLIC_BASE_URL: 'http://127.0.0.1:5001/demo-craft-comms/europe-west1',
  WEB_APP_URL: 'https://craft.example',
  EXPORTS_BUCKET: '',
  CRITICAL_COMMISSION_USD: 2000,
  SMS_DAILY_LIMIT: 10,
  EMAIL_DAILY_LIMIT: 50,
  IN_APP_DAILY_LIMIT: 500,
};

type ParamValues = typeof PARAM_DEFAULTS;
type ParamName = keyof ParamValues;

const str = (name: ParamName & string, description: string) =>
  defineString(name, { default: PARAM_DEFAULTS[name] as string, description });
const int = (name: ParamName & string, description: string) =>
  defineInt(name, { default: PARAM_DEFAULTS[name] as number, description });

export const params = {
  TWILIO_FROM_NUMBER: str(
    'TWILIO_FROM_NUMBER',
    'Twilio sender number (E.164) for SMS, used when TWILIO_MESSAGING_SERVICE_SID is empty.',
  ),
  TWILIO_MESSAGING_SERVICE_SID: str(
    'TWILIO_MESSAGING_SERVICE_SID',
    'Twilio Messaging Service (MG…) that sends SMS; preferred over TWILIO_FROM_NUMBER.',
  ),
  TWILIO_VERIFY_SERVICE_SID: str('TWILIO_VERIFY_SERVICE_SID', 'Twilio Verify service (VA…) for phone verification.'),
  SENDGRID_FROM_EMAIL: str('SENDGRID_FROM_EMAIL', 'Sender address of every email (a verified SendGrid sender).'),
  ALGOLIA_INDEX: str('ALGOLIA_INDEX', 'Algolia index holding the message records.'),
  PUBLIC_BASE_URL: str(
    'PUBLIC_BASE_URL',
    'Base URL of the HTTPS functions, exactly as providers call it (Twilio signs it): webhook URLs, unsubscribe links.',
  ),
  WEB_APP_URL: str(
    'WEB_APP_URL',
    'Web app origin (https): web push links and email links to app routes (/orders/o1) are made absolute with it. A trailing slash is dropped.',
  ),
  EXPORTS_BUCKET: str('EXPORTS_BUCKET', 'Cloud Storage bucket for exports; empty: the default bucket.'),
  CRITICAL_COMMISSION_USD: int(
    'CRITICAL_COMMISSION_USD',
    'Commission requests at or above this many USD are critical (break through quiet hours, fall back across channels).',
  ),
  SMS_DAILY_LIMIT: int('SMS_DAILY_LIMIT', 'SMS per user per local day (routed and fallback SMS alike).'),
  EMAIL_DAILY_LIMIT: int('EMAIL_DAILY_LIMIT', 'Emails per user per local day.'),
  IN_APP_DAILY_LIMIT: int('IN_APP_DAILY_LIMIT', 'In-app notifications per user per local day.'),
} as const satisfies Record<ParamName, unknown>;

/** What the wiring is configured with: plain values, passed as arguments into the feature factories and adapters. */
export interface Settings {
  /** Web app origin without a trailing slash (WEB_APP_URL): one value for the pipeline's email links and web push links. */
  webAppUrl: string;
  /** PUBLIC_BASE_URL: base of the webhook and unsubscribe URLs. */
  publicBaseUrl: string;
  /** Notification pipeline: thresholds, daily limits, web origin, fan-out tuning. */
  notifications: NotificationSettings;
  twilio: { fromNumber: string; messagingServiceSid: string; verifyServiceSid: string };
  sendgrid: { fromEmail: string };
  algolia: { indexName: string };
  /** Bucket for exports; '' = the project's default bucket. */
  exports: { bucket: string };
}

/** Strips trailing slashes, once, so every `${webAppUrl}${route}` joins with exactly one. */
export function normaliseOrigin(url: string): string {
  return url.replace(/\/+$/, '');
}

function settingsFrom(p: ParamValues): Settings {
  const webAppUrl = normaliseOrigin(p.WEB_APP_URL);
  return {
    webAppUrl,
    publicBaseUrl: p.PUBLIC_BASE_URL,
    notifications: {
      criticalCommissionUsd: p.CRITICAL_COMMISSION_USD,
      smsDailyLimit: p.SMS_DAILY_LIMIT,
      emailDailyLimit: p.EMAIL_DAILY_LIMIT,
      inAppDailyLimit: p.IN_APP_DAILY_LIMIT,
      webAppUrl,
      // Tuning, not params: audience pages per fan-out message (Firestore's 500-write batch) and parallel recipients.
      fanoutChunkSize: 500,
      concurrency: 16,
    },
    twilio: {
      fromNumber: p.TWILIO_FROM_NUMBER,
      messagingServiceSid: p.TWILIO_MESSAGING_SERVICE_SID,
      verifyServiceSid: p.TWILIO_VERIFY_SERVICE_SID,
    },
    sendgrid: { fromEmail: p.SENDGRID_FROM_EMAIL },
    algolia: { indexName: p.ALGOLIA_INDEX },
    exports: { bucket: p.EXPORTS_BUCKET },
  };
}

/** The settings every param left at its default gives: the in-memory wiring (tests, `npm start`) runs on these. */
export const DEFAULT_SETTINGS: Settings = settingsFrom(PARAM_DEFAULTS);

/**
 * Reads every param, inside a running function (the composition root calls it once per instance). A param the
 * environment does not set keeps its default: outside the Functions runtime `.value()` would give '' or 0, since only
 * the CLI writes defaults into the environment.
 */
export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const values = { ...PARAM_DEFAULTS };
  for (const name of Object.keys(PARAM_DEFAULTS) as ParamName[]) {
    if (env[name] !== undefined) (values as Record<ParamName, string | number>)[name] = params[name].value();
  }
  return settingsFrom(values);
}

export class MissingSecretError extends AppError {
  constructor(readonly secret: string) {
    super(
      'failed-precondition',
      `secret ${secret} is not configured: set it with \`firebase functions:secrets:set ${secret}\` (or in functions/.secret.local for the emulators)`,
    );
    this.name = 'MissingSecretError';
  }
}

/**
 * Reads a secret inside a running function, failing with an error that names it instead of handing `undefined` (or
 * an empty string) to an SDK. `read` is injectable so tests need not touch process.env.
 */
export function requireSecret(
  name: SecretName,
  read: (name: SecretName) => string | undefined = (n) => secrets[n].value(),
): string {
  const value = read(name);
  if (!value) throw new MissingSecretError(name);
  return value;
}
