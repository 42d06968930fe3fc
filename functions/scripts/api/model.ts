import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { z } from 'zod';
import type { CallLimit } from '../../src/app/callLimits.js';
import { CALL_LIMITS } from '../../src/app/callLimits.js';
import type { CallableContract, ErrorCase } from '../../src/app/contract.js';
import { analyticsContracts } from '../../src/app/analytics/contract.js';
import { complianceContracts } from '../../src/app/compliance/contract.js';
import { deliveryContracts } from '../../src/app/delivery/contract.js';
import { identityContracts } from '../../src/app/identity/contract.js';
import { messagingContracts } from '../../src/app/messaging/contract.js';
import { notificationsContracts } from '../../src/app/notifications/contract.js';
import { searchContracts } from '../../src/app/search/contract.js';
import { socialContracts } from '../../src/app/social/contract.js';
import { announcementContracts } from '../../src/app/announcements/contract.js';
import { schedulingContracts } from '../../src/app/scheduling/contract.js';
import { TOPICS } from '../../src/domain/channels.js';
import {
  MAX_PAYLOAD_BYTES,
  audienceSchema,
  eventEnvelopeSchema,
  eventPayloadSchemas,
} from '../../src/domain/notifications/events.js';
import { REGION } from '../../src/functions/options.js';
import type { JsonSchema } from './jsonSchemaToTs.js';
import { CLIENT_COLLECTIONS } from './collections.js';
import { readCallables } from './surface.js';

/**
 * The API model the reference and the typed client are rendered from. Everything here is read from code: the
 * callables' wrappers (src/functions), their input schemas, their contracts (src/app/<feature>/contract.ts), the
 * event schemas (src/domain/notifications/events.ts), the client collections (collections.ts) and
 * firestore.indexes.json.
 */
export const FUNCTIONS_DIR = resolve(__dirname, '../..');
export const REPO_ROOT = resolve(FUNCTIONS_DIR, '..');

export const CONTRACTS: Record<string, CallableContract> = {
  ...messagingContracts,
  ...notificationsContracts,
  ...deliveryContracts,
  ...searchContracts,
  ...complianceContracts,
  ...identityContracts,
  ...analyticsContracts,
  ...socialContracts,
  ...announcementContracts,
  ...schedulingContracts,
};

/**
 * A schema that checks the raw value first (`z.unknown().superRefine(…).pipe(shape)`, e.g. sendMessage's workshop
 * dates) accepts what its shape accepts: the shape is what to document.
 */
const documented = (schema: z.ZodType): z.ZodType =>
  schema instanceof z.ZodPipe && schema.in instanceof z.ZodUnknown ? documented(schema.out as z.ZodType) : schema;

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(documented(schema), { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
};

const ACCESS_TEXT = {
  own: 'signed in, with an active, provisioned account (`users/{uid}` exists; not deleted or disabled)',
  reach:
    'signed in, with an active, provisioned, permanent (not anonymous) and email-verified account (service identities exempt)',
  erasure: 'signed in (any account state)',
} as const;

function sharedErrors(access: keyof typeof ACCESS_TEXT, appCheck: string, limit?: CallLimit): ErrorCase[] {
  const errors: Array<{ code: string; when: string }> = [
    {
      code: 'unauthenticated',
      when:
        'not signed in; in production also without a valid App Check token' +
        (appCheck === 'consume' ? ' (limited-use: a replayed token is refused)' : ''),
    },
  ];
  if (access !== 'erasure') {
    errors.push({ code: 'permission-denied', when: 'the account is deleted or disabled' });
    errors.push({
      code: 'failed-precondition',
      when: 'the account has no `users/{uid}` profile yet (callers with the service claim need none)',
    });
  }
  if (access === 'reach')
    errors.push({
      code: 'permission-denied',
      when: 'an anonymous or email-unverified account (service identities exempt)',
    });
  if (limit)
    errors.push({
      code: 'resource-exhausted',
      when: `more than ${limit.max} calls per ${windowText(limit.windowMs)} (counter \`${limit.key}\`; details.retryAfterSeconds; service identities exempt)`,
    });
  errors.push({
    code: 'invalid-argument',
    when: 'the input does not match the schema: the message names the field (`data.<field>: …`), details.fields lists them',
  });
  return errors as ErrorCase[];
}

const windowText = (ms: number) =>
  ms % 86_400_000 === 0
    ? `${ms / 86_400_000 === 1 ? '' : `${ms / 86_400_000} `}day${ms / 86_400_000 === 1 ? '' : 's'}`
    : ms % 3_600_000 === 0
      ? `${ms / 3_600_000 === 1 ? '' : `${ms / 3_600_000} `}hour${ms / 3_600_000 === 1 ? '' : 's'}`
      : `${ms / 60_000 === 1 ? '' : `${ms / 60_000} `}minute${ms / 60_000 === 1 ? '' : 's'}`;

export interface CallableModel {
  name: string;
  feature: string;
  wrapper: string;
  summary: string;
  who: string;
  access: keyof typeof ACCESS_TEXT;
  accessText: string;
  roles: string[];
  appCheck: 'enforce' | 'consume';
  limit: CallLimit | null;
  input: JsonSchema;
  inputSource: string;
  output: JsonSchema;
  errors: Array<{ code: string; when: string }>;
}

export async function buildModel() {
  const sources = readCallables(join(FUNCTIONS_DIR, 'src/functions'));
  // A callable without a contract is still documented (input, access, shared errors), its output as not declared,
  // so adding a callable never breaks the build; test/unit/api/reference.test.ts names the ones left to declare.
  const missing = sources.filter((s) => !CONTRACTS[s.name]).map((s) => s.name);
  const extra = Object.keys(CONTRACTS).filter((n) => !sources.some((s) => s.name === n));
  if (extra.length) throw new Error(`contracts for callables the wrappers do not define: ${extra.join(', ')}`);

  const callables: CallableModel[] = [];
  for (const source of sources.sort((a, b) => a.name.localeCompare(b.name))) {
    const contract: CallableContract = CONTRACTS[source.name] ?? {
      summary: '(No contract declared yet: its output and errors are not documented.)',
      who: 'see its use case',
      output: z.unknown(),
      errors: [],
    };
    const module = (await import(source.inputModule)) as Record<string, unknown>;
    const schema = module[source.inputExport] as z.ZodType | undefined;
    if (!schema) throw new Error(`${source.name}: ${source.inputModule} has no export ${source.inputExport}`);
    let limit: CallLimit | null = null;
    if (source.limit && 'callLimitsKey' in source.limit)
      limit = CALL_LIMITS[source.limit.callLimitsKey as keyof typeof CALL_LIMITS];
    else if (source.limit)
      limit = ((await import(source.limit.module)) as Record<string, CallLimit>)[source.limit.export]!;
    callables.push({
      name: source.name,
      feature: source.file.replace(/^src\/functions\/|\.ts$/g, ''),
      wrapper: `functions/${source.file}`,
      summary: contract.summary,
      who: contract.who,
      access: source.access,
      accessText: ACCESS_TEXT[source.access],
      roles: [...(contract.roles ?? [])],
      appCheck: source.appCheck,
      limit,
      input: jsonSchema(contract.documentedInput ?? schema, 'input'),
      inputSource: `functions/${relative(FUNCTIONS_DIR, source.inputModule)} (${source.inputExport})`,
      output: jsonSchema(contract.output, 'output'),
      errors: [
        ...sharedErrors(source.access, source.appCheck, limit ?? undefined),
        ...contract.errors.map((e) => ({ code: e.code, when: e.when })),
      ],
    });
  }

  const events = Object.entries(eventPayloadSchemas)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, schema]) => ({ type, payload: jsonSchema(schema, 'input') }));

  const indexes = JSON.parse(readFileSync(join(REPO_ROOT, 'firestore.indexes.json'), 'utf8')) as {
    indexes: Array<{ collectionGroup: string; queryScope: string; fields: Array<Record<string, string>> }>;
    fieldOverrides?: Array<{ collectionGroup: string; fieldPath: string; ttl?: boolean }>;
  };
  const collections = CLIENT_COLLECTIONS.map((c) => {
    const document = jsonSchema(c.document, 'output');
    // A TTL policy is per collection group: in a group that holds several kinds of document (`counters`), it deletes
    // only the documents that have the field, so a kind whose schema has none of it is not listed as expiring.
    const fields = (document as { properties?: Record<string, unknown> }).properties;
    const hasField = (fieldPath: string) => !fields || fieldPath.split('.')[0]! in fields;
    return {
      path: c.path,
      group: c.group,
      typeName: c.typeName,
      access: c.access,
      writtenBy: c.writtenBy,
      document,
      queries: c.queries,
      indexes: indexes.indexes
        .filter((i) => i.collectionGroup === c.group)
        .map((i) => ({
          queryScope: i.queryScope,
          fields: i.fields.map((f) =>
            `${f.fieldPath} ${f.order ?? (f.arrayConfig ? 'CONTAINS' : f.vectorConfig ? 'VECTOR' : '')}`.trim(),
          ),
        })),
      ttl: (indexes.fieldOverrides ?? [])
        .filter((o) => o.collectionGroup === c.group && o.ttl && hasField(o.fieldPath))
        .map((o) => o.fieldPath),
    };
  });

  return {
    generatedFrom:
      'functions/src/functions/*.ts (wrappers), src/app/**/contract.ts, input schemas, src/domain/notifications/events.ts, ' +
      'functions/scripts/api/collections.ts, firestore.indexes.json — regenerate with `npm run docs`',
    region: REGION,
    callables,
    events: {
      topic: TOPICS.domainEvents,
      maxPayloadBytes: MAX_PAYLOAD_BYTES,
      envelope: jsonSchema(eventEnvelopeSchema, 'input'),
      audience: jsonSchema(audienceSchema, 'input'),
      types: events,
    },
    collections,
    webhooks: WEBHOOKS,
    undeclared: missing,
  };
}

export type ApiModel = Awaited<ReturnType<typeof buildModel>>;

/** The HTTPS endpoints (src/functions/webhooks.ts): the reference test checks this list against the deploy surface. */
export const WEBHOOKS = [
  {
    name: 'twilioStatus',
    method: 'POST',
    url: '{PUBLIC_BASE_URL}/twilioStatus?deliveryId={deliveryId}',
    caller: 'Twilio (message status callback, set per message when sending)',
    auth: 'X-Twilio-Signature over the configured URL and the form body (TWILIO_AUTH_TOKEN); 403 otherwise',
    body: 'application/x-www-form-urlencoded: MessageSid, MessageStatus, ErrorCode, …',
    effect:
      'moves deliveries/{deliveryId} to sent, delivered, undelivered or failed (a critical SMS failure falls back)',
  },
  {
    name: 'twilioInbound',
    method: 'POST',
    url: '{PUBLIC_BASE_URL}/twilioInbound',
    caller: 'Twilio (the number\'s "A message comes in" webhook)',
    auth: 'X-Twilio-Signature (TWILIO_AUTH_TOKEN); 403 otherwise',
    body: 'application/x-www-form-urlencoded: From, Body, …',
    effect: 'STOP / START / HELP: records or clears the opt-out (smsOptOuts/{phone}); answers TwiML',
  },
  {
    name: 'sendgridEvents',
    method: 'POST',
    url: '{PUBLIC_BASE_URL}/sendgridEvents',
    caller: 'SendGrid signed event webhook',
    auth: 'ECDSA signature headers (SENDGRID_WEBHOOK_PUBLIC_KEY); 403 otherwise',
    body: 'application/json: an array of SendGrid events (delivered, bounce, dropped, spamreport, unsubscribe, …)',
    effect: 'updates the deliveries named in custom_args; bounces and spam reports suppress the address',
  },
  {
    name: 'unsubscribe',
    method: 'GET, POST',
    url: '{PUBLIC_BASE_URL}/unsubscribe?token={token}',
    caller: 'the List-Unsubscribe link of every email (GET: a confirmation page; POST: one-click, RFC 8058)',
    auth: 'the HMAC token in the link (UNSUBSCRIBE_SIGNING_KEY)',
    body: 'POST form: List-Unsubscribe=One-Click',
    effect: "turns email off for the email's category in the user's preferences",
  },
];
