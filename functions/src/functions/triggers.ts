import type { IncomingMessage, ServerResponse } from 'node:http';
import type * as FirestoreV2 from 'firebase-functions/v2/firestore';
import type * as PubsubV2 from 'firebase-functions/v2/pubsub';
import type * as SchedulerV2 from 'firebase-functions/v2/scheduler';
import type * as HttpsV2 from 'firebase-functions/v2/https';
import type * as FunctionsV1 from 'firebase-functions/v1';
import type * as AuthV1 from 'firebase-functions/v1/auth';
import type { MemoryOption } from 'firebase-functions/v2/options';
import type { SecretName } from '../config.js';
import type { DocData } from '../ports.js';
import { AppError } from '../domain/errors.js';
import type { DeletedAuthUser } from './events.js';
import { withRetryPolicy } from './eventRetry.js';
import { REGION, SIZES, secretParams } from './options.js';
import type { UseCases } from './runtime.js';
import { services } from './runtime.js';
import { lazyFunction } from './lazyFunction.js';

/*
 * Each kind's provider is required when the first function of that kind is built (lazyFunction.ts): an instance that
 * serves a Firestore trigger never loads the v1 SDK, the Pub/Sub or scheduler providers, or v2/https with its token
 * verification. `require`, not `import`: a function is built synchronously, and the deployed code is CommonJS.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const firestoreV2 = () => require('firebase-functions/v2/firestore') as typeof FirestoreV2;
const pubsubV2 = () => require('firebase-functions/v2/pubsub') as typeof PubsubV2;
const schedulerV2 = () => require('firebase-functions/v2/scheduler') as typeof SchedulerV2;
const httpsV2 = () => require('firebase-functions/v2/https') as typeof HttpsV2;
const functionsV1 = () => require('firebase-functions/v1') as typeof FunctionsV1;
const authV1 = () => require('firebase-functions/v1/auth') as typeof AuthV1 & { _userWithOptions?: UserWithOptions };
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * What runs once an event has arrived (document parsing, zod, the topic consumers in the composition root): loaded
 * by the function's first event, so defining a trigger loads only firebase-functions (bench/coldStart.ts).
 */
const events = () => import('./events.js');

export type { DeletedAuthUser };

/**
 * One helper per trigger kind (callables are in callable.ts). Each applies the options every
 * function of its kind shares (region; retry for Firestore and Pub/Sub events, whose handlers are idempotent; the
 * secrets the function names), turns the event into plain, validated data and hands it to a use case with the use
 * cases (`UseCases`: the services without their adapters, so a wrapper cannot reach past a use case). A wrapper is
 * then one line: which event, which use case.
 */
export interface TriggerOptions {
  /** The secrets the use cases may read (see SECRETS in options.ts). */
  secrets?: readonly SecretName[];
  timeoutSeconds?: number;
  memory?: MemoryOption;
  /** Instance size (SIZES in options.ts); `event` for triggers and consumers, `schedule` for schedules. */
  size?: keyof typeof SIZES;
}

/** `{cid: string, mid: string}` for `conversations/{cid}/messages/{mid}`. */
type Segments<P extends string> = P extends `${infer Head}/${infer Rest}` ? Head | Segments<Rest> : P;
type ParamName<S extends string> = S extends `{${infer Name}}` ? Name : never;
export type ParamsOf<Document extends string> = { [K in ParamName<Segments<Document>>]: string };

export interface DocCreated<P> {
  params: P;
  data: DocData;
  /** The CloudEvent id: the same on every delivery of one event (an idempotency key). */
  eventId: string;
}

export interface DocChanged<P> {
  params: P;
  /** Undefined when the document did not exist before (created) or does not exist after (deleted). */
  before: DocData | undefined;
  after: DocData | undefined;
  eventId: string;
}

type Handler<E> = (event: E, s: UseCases) => Promise<unknown>;

const eventOptions = (options: TriggerOptions) => ({
  region: REGION,
  ...SIZES[options.size ?? 'event'],
  // Redelivered until it succeeds or gets too old: withRetryPolicy acknowledges what a retry cannot fix.
  retry: true,
  ...(options.secrets ? { secrets: secretParams(options.secrets) } : {}),
  ...(options.timeoutSeconds ? { timeoutSeconds: options.timeoutSeconds } : {}),
  ...(options.memory ? { memory: options.memory } : {}),
});

/**
 * A document that cannot be handed on is logged and the event acknowledged: a retry would read the same bytes (the
 * handler would fail the same way for a week of retries).
 */
async function skip(document: string, eventId: string, reason: string): Promise<void> {
  (await services()).infra.logger.warn('trigger event skipped', { document, eventId, reason });
}

/** A document was created: its data, its path params and the event id. */
export function docCreated<D extends string>(
  document: D,
  handler: Handler<DocCreated<ParamsOf<D>>>,
  options: TriggerOptions = {},
) {
  return lazyFunction(() =>
    firestoreV2().onDocumentCreated({ document, ...eventOptions(options) }, (event) =>
      withRetryPolicy({ trigger: `firestore:${document}`, eventId: event.id, time: event.time }, async () => {
        const { parseDocument } = await events();
        const parsed = parseDocument(event.data?.data(), 'document');
        if (!parsed.ok || !parsed.data)
          return skip(document, event.id, parsed.ok ? 'no document in the event' : parsed.reason);
        await handler({ params: event.params as ParamsOf<D>, data: parsed.data, eventId: event.id }, await services());
      }),
    ),
  );
}

async function changed<D extends string>(
  document: D,
  event: { id: string; params: unknown; data?: { before?: { data(): unknown }; after?: { data(): unknown } } },
): Promise<{ change: DocChanged<ParamsOf<D>>; skipped?: undefined } | { change?: undefined; skipped: string }> {
  const { parseDocument } = await events();
  const before = parseDocument(event.data?.before?.data(), 'before');
  const after = parseDocument(event.data?.after?.data(), 'after');
  if (!before.ok) return { skipped: before.reason };
  if (!after.ok) return { skipped: after.reason };
  return { change: { params: event.params as ParamsOf<D>, before: before.data, after: after.data, eventId: event.id } };
}

/** An existing document changed: both versions. */
export function docUpdated<D extends string>(
  document: D,
  handler: Handler<DocChanged<ParamsOf<D>>>,
  options: TriggerOptions = {},
) {
  return lazyFunction(() =>
    firestoreV2().onDocumentUpdated({ document, ...eventOptions(options) }, (event) =>
      withRetryPolicy({ trigger: `firestore:${document}`, eventId: event.id, time: event.time }, async () => {
        const { change, skipped } = await changed(document, event);
        if (!change) return skip(document, event.id, skipped);
        await handler(change, await services());
      }),
    ),
  );
}

/** Created, updated or deleted: `before`/`after` undefined where the document did not exist. */
export function docWritten<D extends string>(
  document: D,
  handler: Handler<DocChanged<ParamsOf<D>>>,
  options: TriggerOptions = {},
) {
  return lazyFunction(() =>
    firestoreV2().onDocumentWritten({ document, ...eventOptions(options) }, (event) =>
      withRetryPolicy({ trigger: `firestore:${document}`, eventId: event.id, time: event.time }, async () => {
        const { change, skipped } = await changed(document, event);
        if (!change) return skip(document, event.id, skipped);
        await handler(change, await services());
      }),
    ),
  );
}

/**
 * A Pub/Sub consumer: hands the JSON body to the topic's handler in the composition root (`topicHandlers`, which the
 * in-memory bus dispatches through too). Handlers validate the body themselves and record bad input; they throw only
 * for transient failures they want redelivered.
 */
export function pubsubTrigger(topic: string, options: TriggerOptions = {}) {
  return lazyFunction(() =>
    pubsubV2().onMessagePublished({ topic, ...eventOptions(options) }, (event) =>
      withRetryPolicy({ trigger: `pubsub:${topic}`, eventId: event.id, time: event.time }, async () => {
        const [{ topicHandlers }, s] = await Promise.all([events(), services()]);
        const handler = topicHandlers(s)[topic];
        if (!handler) throw new Error(`no handler for topic ${topic}`);
        let data: unknown;
        try {
          data = event.data.message.json;
        } catch {
          data = undefined; // not JSON: the handler's schema rejects it and records why
        }
        await handler(data, {
          messageId: event.data.message.messageId,
          attributes: event.data.message.attributes ?? {},
          publishedAt: event.data.message.publishTime,
        });
      }),
    ),
  );
}

/**
 * A scheduled job (Cloud Scheduler). Times are UTC unless `timeZone` says otherwise. No retry: the next run picks up
 * what this one left, so every scheduled use case works from what is still to do.
 */
export function scheduled(
  schedule: string,
  handler: (s: UseCases) => Promise<unknown>,
  options: TriggerOptions & { timeZone?: string } = {},
) {
  const { timeZone = 'UTC', ...rest } = options;
  const { retry: _retry, ...shared } = eventOptions({ size: 'schedule', ...rest });
  return lazyFunction(() =>
    schedulerV2().onSchedule({ schedule, timeZone, ...shared }, async () => {
      await handler(await services());
    }),
  );
}

/**
 * An Auth account was deleted (console, Admin SDK, deleteMyAccount). This event exists only in the v1 API (v2 has
 * blocking triggers for create and sign-in, not delete). Retried on failure (failurePolicy), like the v2 events.
 */
export function authUserDeleted(handler: Handler<DeletedAuthUser>, options: Omit<TriggerOptions, 'memory'> = {}) {
  return lazyFunction(() =>
    authUserBuilder({
      ...(options.secrets ? { secrets: [...options.secrets] } : {}),
      ...(options.timeoutSeconds ? { timeoutSeconds: options.timeoutSeconds } : {}),
      // Retried (up to 7 days): an Algolia or Firestore outage must not leave personal data behind. Erasure is
      // idempotent; permanent failures are dead-lettered instead (no age cutoff: an erasure is never too late).
      failurePolicy: true,
      memory: '512MB',
      maxInstances: 10,
    }).onDelete((user) =>
      withRetryPolicy({ trigger: 'auth:user.delete', eventId: user.uid }, async () => {
        const parsed = (await events()).parseAuthUser(user);
        if (!parsed.ok) return skip('auth user', user.uid, parsed.reason);
        await handler(parsed.user, await services());
      }),
    ),
  );
}

type UserWithOptions = (options: FunctionsV1.DeploymentOptions, userOptions: object) => AuthV1.UserBuilder;

/**
 * The v1 Auth user builder for these options in REGION. `firebase-functions/v1`'s index (what `runWith().region()`
 * needs) loads every v1 provider: ~470 modules, ~390 ms of a cold start (bench/coldStart.ts). The `v1/auth` subpath
 * alone builds the same function through `_userWithOptions`, which is what `FunctionBuilder.auth.user()` calls with
 * the options `runWith` and `region` collected; it is marked internal, so when an SDK release drops it this falls back
 * to the public builder (slower to start, same function). test/unit/functions/authTrigger.test.ts fails if the two
 * endpoints ever differ or the fallback is taken.
 */
export function authUserBuilder(runtime: FunctionsV1.RuntimeOptions): AuthV1.UserBuilder {
  const lean = authV1()._userWithOptions;
  if (typeof lean === 'function') return lean({ ...runtime, regions: [REGION] }, {});
  return functionsV1().runWith(runtime).region(REGION).auth.user();
}

// ── HTTPS endpoints (provider webhooks, the unsubscribe page) ──

/**
 * An HTTP request as the endpoints' use cases read it. Written against Node's own req (Cloud Functions passes Express
 * objects, which extend it; tests pass a plain http server's), with the raw body Cloud Functions keeps in `rawBody`.
 */
export interface HttpRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  /** Lower-case names, one value each. */
  headers: Record<string, string | undefined>;
  rawBody: Buffer;
}

export interface HttpAnswer {
  status: number;
  body: string;
  contentType: string;
}

function toHttpRequest(req: IncomingMessage & { rawBody?: Buffer }): HttpRequest {
  const headers = Object.fromEntries(
    Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value[0] : value]),
  );
  return { method: req.method ?? 'GET', url: req.url ?? '/', headers, rawBody: req.rawBody ?? Buffer.alloc(0) };
}

function reply(res: ServerResponse, answer: HttpAnswer): void {
  res.statusCode = answer.status;
  res.setHeader('Content-Type', answer.contentType);
  res.end(answer.body);
}

/**
 * An HTTPS endpoint: the use case authenticates and answers; bad input (an AppError `invalid-argument`) is a 400
 * naming the field (a retry would not help); anything else is logged and answered 500, which makes Twilio and SendGrid
 * retry later (the handlers are idempotent). Never a path or a stack in the answer.
 */
export function httpEndpoint(
  name: string,
  handler: (request: HttpRequest, s: UseCases) => Promise<HttpAnswer>,
  options: TriggerOptions = {},
) {
  return lazyFunction(() =>
    httpsV2().onRequest({ region: REGION, secrets: secretParams(options.secrets) }, async (req, res) => {
      const response = res as unknown as ServerResponse;
      const s = await services();
      try {
        reply(response, await handler(toHttpRequest(req as unknown as IncomingMessage & { rawBody?: Buffer }), s));
      } catch (error) {
        const text = 'text/plain; charset=utf-8';
        if (error instanceof AppError && error.code === 'invalid-argument') {
          if (!response.headersSent) reply(response, { status: 400, body: error.message, contentType: text });
          return;
        }
        // The Error itself, so Error Reporting groups by where it was thrown (src/adapters/functionsLogger.ts).
        s.infra.logger.error(`${name} failed`, { error });
        if (!response.headersSent) reply(response, { status: 500, body: 'internal error', contentType: text });
      }
    }),
  );
}
