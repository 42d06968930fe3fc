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
  TWILIO_ACCOUNT_SID: defineSecret('TWILIO_ACCOUNT_SID', { description: 'Twilio account SID (AC…): SMS and Verify.' }),
  TWILIO_AUTH_TOKEN: defineSecret('TWILIO_AUTH_TOKEN', {
    description: 'Twilio auth token: REST calls, and X-Twilio-Signature on the status and inbound webhooks.',
  }),
  SENDGRID_API_KEY: defineSecret('SENDGRID_API_KEY', { description: 'SendGrid API key with Mail Send permission.' }),
  SENDGRID_WEBHOOK_PUBLIC_KEY: defineSecret('SENDGRID_WEBHOOK_PUBLIC_KEY', {
    description: 'SendGrid signed event webhook verification key (ECDSA public key, base64).',
  }),
  ALGOLIA_APP_ID: defineSecret('ALGOLIA_APP_ID', { description: 'Algolia application id.' }),
  ALGOLIA_ADMIN_KEY: defineSecret('ALGOLIA_ADMIN_KEY', { description: 'Algolia admin key (indexing, erasure).' }),
  ALGOLIA_SEARCH_KEY: defineSecret('ALGOLIA_SEARCH_KEY', {
    description: 'Algolia search-only key from which per-user secured keys are derived.',
  }),
  UNSUBSCRIBE_SIGNING_KEY: defineSecret('UNSUBSCRIBE_SIGNING_KEY', {
    description: 'HMAC key for email unsubscribe tokens (any long random string, e.g. `openssl rand -base64 32`).',
  }),
} as const;

export type SecretName = keyof typeof secrets;

/**
 * Each param once: its type, what it means (shown by the CLI when it prompts), the pattern a value must match (the
 * CLI's prompt and readSettings() check the same pattern), a default only where the default is right in production, and
 * the value the local run uses (tests, `npm start`; the emulators set theirs in functions/.env.demo-craft-comms).
 * URLs have no default: a wrong PUBLIC_BASE_URL makes Twilio's signature check refuse every callback, so a deploy
 * without a value must stop (functions/.env.example lists every param; README "Operating").
 */
const HTTPS_URL = '^https://[A-Za-z0-9.-]+(:[0-9]+)?(/[^\\s?#]*)?$';
/** The emulators and the local run call themselves over loopback http. */
const LOCAL_URL = '^http://(127\\.0\\.0\\.1|localhost)(:[0-9]+)?(/[^\\s?#]*)?$';
const COUNT = '^[0-9]+$';

interface ParamSpec<T extends string | number> {
  type: T extends number ? 'int' : 'string';
  description: string;
  /** What every value must match (anchored); the CLI re-prompts until it does, readSettings() refuses otherwise. */
  pattern: string;
  /** Shown when the pattern refuses a value. */
  expected: string;
  /** Only where it is the right production value; without one a deploy needs the value in a functions/.env file. */
  productionDefault?: T;
  /** The value the in-memory wiring (tests, `npm start`) runs with. */
  local: T;
}

const PARAM_SPECS = {
  TWILIO_FROM_NUMBER: {
    type: 'string',
    description: 'Twilio sender number (E.164) for SMS, used when TWILIO_MESSAGING_SERVICE_SID is empty; may be empty.',
    pattern: '^(\\+[1-9][0-9]{6,14})?$',
    expected: 'an E.164 number such as +15551234567, or empty',
    productionDefault: '',
    local: '',
  },
  TWILIO_MESSAGING_SERVICE_SID: {
    type: 'string',
    description: 'Twilio Messaging Service (MG…) that sends SMS; preferred over TWILIO_FROM_NUMBER; may be empty.',
    pattern: '^(MG[0-9a-fA-F]{32})?$',
    expected: 'MG followed by 32 hex digits, or empty',
    productionDefault: '',
    local: '',
  },
  TWILIO_VERIFY_SERVICE_SID: {
    type: 'string',
    description: 'Twilio Verify service (VA…) for phone verification; empty: phone verification fails with a message.',
    pattern: '^(VA[0-9a-fA-F]{32})?$',
    expected: 'VA followed by 32 hex digits, or empty',
    productionDefault: '',
    local: '',
  },
  SENDGRID_FROM_EMAIL: {
    type: 'string',
    description: 'Sender address of every email (a verified SendGrid sender).',
    pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$',
    expected: 'an email address',
    local: 'notifications@craft.example',
  },
  ALGOLIA_INDEX: {
    type: 'string',
    description: 'Algolia index holding the message records.',
    pattern: '^[A-Za-z0-9_.-]+$',
    expected: 'letters, digits, _ . -',
    productionDefault: 'messages',
    local: 'messages',
  },
  PUBLIC_BASE_URL: {
    type: 'string',
    description:
      'Base URL of the HTTPS functions, exactly as providers call it (Twilio signs it): webhook URLs, unsubscribe links. ' +
      'https://europe-west1-<project id>.cloudfunctions.net, without a trailing slash.',
    pattern: HTTPS_URL,
    expected: 'an https:// URL without query or fragment',
    local: 'http://127.0.0.1:5001/demo-craft-comms/europe-west1',
  },
  WEB_APP_URL: {
    type: 'string',
    description:
      'Web app origin (https): web push links and email links to app routes (/orders/o1) are made absolute with it.',
    pattern: HTTPS_URL,
    expected: 'an https:// URL without query or fragment',
    local: 'https://craft.example',
  },
  EXPORTS_BUCKET: {
    type: 'string',
    description:
      'Cloud Storage bucket for exports (its lifecycle rule: scripts/exports-bucket-lifecycle.mjs); empty: the default bucket.',
    pattern: '^([a-z0-9][a-z0-9._-]{1,220}[a-z0-9])?$',
    expected: 'a bucket name (lower case), or empty',
    productionDefault: '',
    local: '',
  },
  CRITICAL_COMMISSION_USD: {
    type: 'int',
    description:
      'Commission requests at or above this many USD are critical (break through quiet hours, fall back across channels).',
    pattern: COUNT,
    expected: 'a whole number',
    productionDefault: 2000,
    local: 2000,
  },
  // The three limits are ceilings over every role: each role's own limit is in src/domain/notifications/limits.ts (the
  // README's "Rate limits per role and channel"), and a param only lowers it. Their defaults are the table's highest
  // value for the channel, so by default the table decides; a lower value is the operator's brake for every role.
  SMS_DAILY_LIMIT: {
    type: 'int',
    description:
      "Ceiling on SMS per user per local day, over every role (routed and fallback SMS alike); each role's own limit is in the README table.",
    pattern: COUNT,
    expected: 'a whole number',
    productionDefault: 10,
    local: 10,
  },
  EMAIL_DAILY_LIMIT: {
    type: 'int',
    description:
      "Ceiling on emails per user per local day, over every role; each role's own limit is in the README table.",
    pattern: COUNT,
    expected: 'a whole number',
    productionDefault: 200,
    local: 200,
  },
  IN_APP_DAILY_LIMIT: {
    type: 'int',
    description:
      "Ceiling on in-app notifications per user per local day, over every role; each role's own limit is in the README table.",
    pattern: COUNT,
    expected: 'a whole number',
    productionDefault: 2000,
    local: 2000,
  },
} as const satisfies Record<string, ParamSpec<string> | ParamSpec<number>>;

type Specs = typeof PARAM_SPECS;
export type ParamName = keyof Specs;
type ParamValues = { [K in ParamName]: Specs[K]['local'] extends number ? number : string };

/** What the local run uses for each param (tests, `npm start`, the Functions emulator where a .env file is silent). */
const LOCAL_VALUES = Object.fromEntries(
  Object.entries(PARAM_SPECS).map(([name, spec]) => [name, spec.local]),
) as ParamValues;

function define(name: ParamName) {
  const spec: ParamSpec<string> | ParamSpec<number> = PARAM_SPECS[name];
  const input = {
    text: { validationRegex: spec.pattern, validationErrorMessage: `${name} must be ${spec.expected}` },
  };
  const base = { description: spec.description, input };
  return spec.type === 'int'
    ? defineInt(name, { ...base, ...(spec.productionDefault === undefined ? {} : { default: spec.productionDefault }) })
    : defineString(name, {
        ...base,
        ...(spec.productionDefault === undefined ? {} : { default: spec.productionDefault }),
      });
}

export const params = Object.fromEntries(
  (Object.keys(PARAM_SPECS) as ParamName[]).map((name) => [name, define(name)]),
) as { [K in ParamName]: ReturnType<typeof defineString> | ReturnType<typeof defineInt> };

/** The pattern each param's value must match, for the deploy check (test/unit/deploy) and readSettings(). */
export const PARAM_PATTERNS: Record<ParamName, { pattern: RegExp; expected: string }> = Object.fromEntries(
  Object.entries(PARAM_SPECS).map(([name, spec]) => [
    name,
    { pattern: new RegExp(spec.pattern), expected: spec.expected },
  ]),
) as Record<ParamName, { pattern: RegExp; expected: string }>;

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

/** The local run's settings (tests, `npm start`): every param at its local value. */
export const DEFAULT_SETTINGS: Settings = settingsFrom(LOCAL_VALUES);

/**
 * Local: the Functions emulator, or no Cloud Functions runtime at all (K_SERVICE is set by every deployed function).
 * Only there may a param fall back to its local value and a URL be loopback http.
 */
function isLocal(env: NodeJS.ProcessEnv): boolean {
  return env.FUNCTIONS_EMULATOR === 'true' || !env.K_SERVICE;
}

export class InvalidConfigurationError extends AppError {
  constructor(readonly problems: string[]) {
    super('failed-precondition', `invalid configuration (functions/.env.<project>): ${problems.join('; ')}`);
    this.name = 'InvalidConfigurationError';
  }
}

/**
 * Reads and checks every param, inside a running function (the composition root calls it once per instance). The CLI
 * checks a value's pattern only when it prompts, not the values it reads from .env files, so the same patterns are
 * checked here: a bad value fails every call with an error naming the param, instead of a 403 on every Twilio
 * callback. Locally (see isLocal) an unset param takes its local value and URLs may be loopback http.
 */
export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const local = isLocal(env);
  const problems: string[] = [];
  const values: Record<string, string | number> = {};
  for (const name of Object.keys(PARAM_SPECS) as ParamName[]) {
    const spec: ParamSpec<string> | ParamSpec<number> = PARAM_SPECS[name];
    const raw = env[name] ?? (local ? String(spec.local) : undefined);
    if (raw === undefined) {
      problems.push(`${name} is not set`);
      continue;
    }
    const ok =
      new RegExp(spec.pattern).test(raw) || (local && spec.pattern === HTTPS_URL && new RegExp(LOCAL_URL).test(raw));
    if (!ok) problems.push(`${name} must be ${spec.expected} (got ${JSON.stringify(raw)})`);
    values[name] = spec.type === 'int' ? Number(raw) : raw;
  }
  if (problems.length > 0) throw new InvalidConfigurationError(problems);
  return settingsFrom(values as ParamValues);
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
 * A function read a secret it does not declare. Cloud Functions mounts only the secrets a function declares, so in
 * production the read would find nothing and look like an unset secret; this names the function and the fix instead.
 */
export class UndeclaredSecretError extends AppError {
  constructor(
    readonly fn: string,
    readonly secret: string,
  ) {
    super(
      'internal',
      `function ${fn} reads secret ${secret} but does not declare it: add it to the function's \`secrets\` option (SECRETS in src/functions/options.ts)`,
    );
    this.name = 'UndeclaredSecretError';
  }
}

/** The running function and the secrets it declares (src/functions/runtime.ts sets it); unset: not checked. */
let secretScope: { fn: string; declared: ReadonlySet<string> } | undefined;

/** Limits secret reads to what `fn` declares (its endpoint's `secretEnvironmentVariables`); `undefined` lifts it. */
export function limitSecretsTo(scope: { fn: string; declared: readonly string[] } | undefined): void {
  secretScope = scope && { fn: scope.fn, declared: new Set(scope.declared) };
}

/**
 * Throws UndeclaredSecretError when the running function does not declare `name`. Every secret read goes through it,
 * the sandbox credentials of the emulators included, so the emulator tier's runs through the real wrappers fail on an
 * undeclared read exactly where production would.
 */
export function assertSecretDeclared(name: SecretName): void {
  if (secretScope && !secretScope.declared.has(name)) throw new UndeclaredSecretError(secretScope.fn, name);
}

/**
 * Reads a secret inside a running function, failing with an error that names it instead of handing `undefined` (or
 * an empty string) to an SDK. `read` is injectable so tests need not touch process.env.
 */
export function requireSecret(
  name: SecretName,
  read: (name: SecretName) => string | undefined = (n) => secrets[n].value(),
): string {
  assertSecretDeclared(name);
  const value = read(name);
  if (!value) throw new MissingSecretError(name);
  return value;
}
