/**
 * Ports: everything the use cases need from the outside world, as interfaces.
 * Adapters implement them: Firebase/provider SDKs in the cloud and the emulators (src/adapters/firestore, pubsub, …),
 * in-memory ones in tests and the local run (src/adapters/memory). Nothing here imports an SDK.
 *
 * Sections are owned by feature; add to yours, keep others' intact.
 */

import type { Readable } from 'node:stream';

// ───────────────────────────── core: documents, time, messages between functions, logs ─────────────────────────────

/** A document's fields. Dates are JS `Date` on both sides of the port (Firestore adapter maps to/from Timestamp). */
export type DocData = Record<string, unknown>;

export interface DocSnapshot<T extends DocData = DocData> {
  readonly id: string;
  readonly path: string;
  readonly exists: boolean;
  readonly data: T | undefined;
}

/** Field transforms understood by every DocumentStore (the Firestore adapter maps them to FieldValue). */
export type FieldOp =
  | { readonly __fieldOp: 'increment'; readonly by: number }
  | { readonly __fieldOp: 'delete' }
  | { readonly __fieldOp: 'arrayUnion'; readonly values: readonly unknown[] }
  | { readonly __fieldOp: 'arrayRemove'; readonly values: readonly unknown[] };

export const fieldOps = {
  increment: (by: number): FieldOp => ({ __fieldOp: 'increment', by }),
  delete: (): FieldOp => ({ __fieldOp: 'delete' }),
  arrayUnion: (...values: unknown[]): FieldOp => ({ __fieldOp: 'arrayUnion', values }),
  arrayRemove: (...values: unknown[]): FieldOp => ({ __fieldOp: 'arrayRemove', values }),
};

export function isFieldOp(value: unknown): value is FieldOp {
  return typeof value === 'object' && value !== null && '__fieldOp' in value;
}

export type WhereOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not-in' | 'array-contains' | 'array-contains-any';

export interface QuerySpec {
  readonly where?: ReadonlyArray<readonly [field: string, op: WhereOp, value: unknown]>;
  /** `__name__` orders by document id (Firestore's FieldPath.documentId()); its cursor value is the id. */
  readonly orderBy?: ReadonlyArray<{ readonly field: string; readonly direction?: 'asc' | 'desc' }>;
  readonly limit?: number;
  /** Cursor: the values of the orderBy fields of the last document already seen. */
  readonly startAfter?: readonly unknown[];
}

/** Reads must come before writes inside a transaction (Firestore's rule; the memory store enforces it too). */
export interface Transaction {
  get(path: string): Promise<DocSnapshot>;
  getAll(paths: readonly string[]): Promise<DocSnapshot[]>;
  query(collectionPath: string, spec?: QuerySpec): Promise<DocSnapshot[]>;
  /** Fails the transaction with AlreadyExistsError if the document exists. */
  create(path: string, data: DocData): void;
  set(path: string, data: DocData, options?: { merge?: boolean }): void;
  /** Fails the transaction with NotFoundError if the document does not exist. Dotted keys address nested fields. */
  update(path: string, data: DocData): void;
  delete(path: string): void;
}

export type WriteOp =
  | { readonly kind: 'create'; readonly path: string; readonly data: DocData }
  | { readonly kind: 'set'; readonly path: string; readonly data: DocData; readonly merge?: boolean }
  | { readonly kind: 'update'; readonly path: string; readonly data: DocData }
  | { readonly kind: 'delete'; readonly path: string };

/**
 * The document database. Repositories are written once against this port; the Firestore adapter and the
 * in-memory adapter both pass the same contract suite (test/contracts/documentStore.contract.ts).
 * Paths are slash-separated: `users/u1/notifications/n1`.
 */
export interface DocumentStore {
  get(path: string): Promise<DocSnapshot>;
  getAll(paths: readonly string[]): Promise<DocSnapshot[]>;
  query(collectionPath: string, spec?: QuerySpec): Promise<DocSnapshot[]>;
  /** Query every collection with this id, wherever it sits (Firestore collection group). */
  queryGroup(collectionId: string, spec?: QuerySpec): Promise<DocSnapshot[]>;
  /** Creates the document; returns false (and writes nothing) if it already exists. */
  create(path: string, data: DocData): Promise<boolean>;
  set(path: string, data: DocData, options?: { merge?: boolean }): Promise<void>;
  update(path: string, data: DocData): Promise<void>;
  delete(path: string): Promise<void>;
  /** Atomic batch of at most 500 writes. */
  commit(ops: readonly WriteOp[]): Promise<void>;
  /** Serializable read-modify-write with optimistic retry, like Firestore's runTransaction. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Ids of the documents directly in a collection (including ones that exist only as parents of subcollections). */
  listIds(collectionPath: string): Promise<string[]>;
}

export interface Clock {
  now(): Date;
}

/** Messages between functions (Google Cloud Pub/Sub in the cloud). */
export interface Publisher {
  publish(topic: string, data: unknown, attributes?: Record<string, string>): Promise<string>;
}

/** Ids that let one event or message be followed through every function. */
export interface LogContext {
  eventId?: string;
  messageId?: string;
  deliveryId?: string;
  conversationId?: string;
  uid?: string;
  [key: string]: unknown;
}

export interface Logger {
  debug(message: string, fields?: LogContext): void;
  info(message: string, fields?: LogContext): void;
  warn(message: string, fields?: LogContext): void;
  error(message: string, fields?: LogContext): void;
  /** A logger whose every line carries these ids too. */
  child(context: LogContext): Logger;
}

// ───────────────────────────── search & compliance (issue 6): message index, export storage ─────────────────────────────

/** One message as the search index holds it (see src/domain/search/record.ts for how it is built). */
export interface MessageRecord {
  objectID: string;
  conversationId: string;
  senderId: string;
  senderName: string;
  type: string;
  text: string;
  /** Epoch milliseconds, so ranges filter numerically. */
  createdAt: number;
  attachmentKinds: string[];
  attachmentNames: string[];
  /** Member ids of the conversation: the secured filter every search carries. */
  visibleTo: string[];
}

export interface MessageSearchQuery {
  query: string;
  /** Required: every search is limited to what this user may read. */
  visibleTo: string;
  conversationId?: string;
  senderId?: string;
  types?: readonly string[];
  /** Epoch milliseconds, inclusive. */
  from?: number;
  to?: number;
  page: number;
  hitsPerPage: number;
}

export interface MessageSearchResult {
  hits: MessageRecord[];
  page: number;
  nbPages: number;
  nbHits: number;
}

export interface MessageIndexSettings {
  searchableAttributes: string[];
  attributesForFaceting: string[];
  customRanking: string[];
}

/** The message search index (Algolia in the cloud, MemoryMessageIndex in tests and the local run). */
export interface MessageIndex {
  saveRecords(records: readonly MessageRecord[]): Promise<void>;
  deleteRecords(objectIDs: readonly string[]): Promise<void>;
  /** Changes some attributes of existing records; records that do not exist are not created. */
  partialUpdate(updates: ReadonlyArray<{ objectID: string } & Partial<MessageRecord>>): Promise<void>;
  search(query: MessageSearchQuery): Promise<MessageSearchResult>;
  applySettings(settings: MessageIndexSettings): Promise<void>;
  /** A search-only key restricted to `filters`, valid until then, for clients to query the index directly. */
  securedSearchKey(restrictions: {
    filters: string;
    validUntil: Date;
  }): Promise<{ apiKey: string; appId: string; indexName: string }>;
}

/** Where exports are written (a Cloud Storage bucket in the cloud). Writes stream: memory stays bounded. */
export interface ObjectStorage {
  /** Streams `source` into the object; resolves with the bytes written once it is stored. */
  write(path: string, contentType: string, source: Readable): Promise<{ bytes: number }>;
  /** A URL that lets its holder download the object until `expiresAt`. */
  signedUrl(path: string, expiresAt: Date): Promise<string>;
  /** Deletes every object under the prefix (erasure removes a user's past exports). */
  deletePrefix(prefix: string): Promise<number>;
  /** Deletes exactly this object (a tombstoned message's media); one that is already gone is not an error. */
  delete(path: string): Promise<void>;
}

// ───────────────────────────── delivery: push (FCM), SMS (Twilio), email (SendGrid) ─────────────────────────────

import type { PushMessage } from './domain/delivery/pushMessage.js';
import type { Provider, ProviderError } from './domain/delivery/providerError.js';
import type { DeliveryStatus } from './domain/delivery.js';
import type { Category } from './domain/channels.js';
export type { PushMessage } from './domain/delivery/pushMessage.js';

/** Per-token outcome: one dead token must not stop the user's other devices. */
export type PushResult =
  | { readonly token: string; readonly ok: true; readonly messageId: string }
  | { readonly token: string; readonly ok: false; readonly error: ProviderError };

/** FCM HTTP v1. Throws ProviderError only when nothing could be attempted (auth, network). */
export interface PushSender {
  send(messages: readonly PushMessage[]): Promise<PushResult[]>;
}

export interface SmsMessage {
  /** E.164. */
  to: string;
  body: string;
  /** Where Twilio posts status changes for this message. */
  statusCallback: string;
}

export interface SmsReceipt {
  sid: string;
  status: string;
}

/** Twilio Programmable Messaging. Throws ProviderError (transient or permanent). */
export interface SmsSender {
  send(message: SmsMessage): Promise<SmsReceipt>;
}

/** Twilio Verify: one-time codes proving a user owns a number. */
export interface SmsVerifier {
  start(phone: string): Promise<{ status: string }>;
  check(phone: string, code: string): Promise<{ approved: boolean; status: string }>;
}

export interface EmailMessage {
  to: string;
  from: string;
  subject: string;
  html: string;
  text: string;
  /** List-Unsubscribe and List-Unsubscribe-Post among them. */
  headers: Record<string, string>;
  /** Echoed back on every event webhook post: how events find their delivery. */
  customArgs: Record<string, string>;
  categories: string[];
}

/** SendGrid v3 mail/send. Throws ProviderError (transient or permanent). */
export interface EmailSender {
  send(message: EmailMessage): Promise<{ messageId: string }>;
}

/** Retry and circuit-breaker settings (cockatiel); injectable so tests run with millisecond delays. */
export interface ResilienceSettings {
  /** Provider calls per job delivery, first one included. */
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Longest Retry-After honoured within one invocation; longer waits go back to Pub/Sub's redelivery. */
  maxRetryAfterMs: number;
  /** Per provider call. */
  timeoutMs: number;
  /** Consecutive failures that open a provider's breaker. */
  breakerThreshold: number;
  halfOpenAfterMs: number;
  /** Provider calls over all Pub/Sub redeliveries after which a job is failed (and falls back) instead of retried. */
  giveUpAfterAttempts: number;
}

export interface DeliverySettings {
  /** Base URL of the HTTPS functions (status callbacks, unsubscribe links). Read at call time (a param). */
  publicBaseUrl(): string;
  /** Web app origin, for web push links to app routes. */
  webAppUrl(): string;
  fromEmail(): string;
  /** HMAC key for unsubscribe tokens (a secret, read at call time). */
  unsubscribeKey(): string;
  resilience: ResilienceSettings;
  /**
   * The emulators and the local run only (the composition root sets it for the sandbox providers and the in-memory
   * wiring, never for the real ones): marketing email may carry a loopback http unsubscribe URL, the only kind those
   * runs have. RFC 8058 wants https, and deployed, PUBLIC_BASE_URL must be https anyway (src/config.ts).
   */
  readonly loopbackUnsubscribe?: boolean;
}

/** A post a provider made to one of our HTTPS webhooks, as its provider folder needs it to authenticate and read it. */
export interface WebhookRequest {
  method: string;
  /** The URL the provider called, as configured (PUBLIC_BASE_URL + function name + query): Twilio signs it. */
  url: string;
  /** Lower-case header names. */
  headers: Readonly<Record<string, string | undefined>>;
  rawBody: Buffer;
}

/**
 * What a provider told us after the send, in delivery terms. Each provider's folder translates its own webhook
 * (status names, event names, error codes) into these; delivery policy (src/app/delivery/providerEvents.ts) applies them.
 */
export type ProviderEvent =
  /** News about one delivery: a status, a failure after the provider accepted it, engagement. */
  | {
      kind: 'delivery';
      provider: Provider;
      /** As the provider echoed it back (custom arg, callback URL); policy checks it is one of ours before using it. */
      deliveryId: string | undefined;
      /** Set when the post names the message: a post for another message than the delivery's is not applied. */
      providerMessageId?: string;
      status?: DeliveryStatus;
      /** When it happened, if the provider says (SendGrid does); otherwise when we received it. */
      at?: Date;
      /** Records the time under this `timestamps.*` field instead of the status's own (spam report, unsubscribe). */
      timestampField?: string;
      /** A failure the provider reported after accepting the message; `providerEventId` makes a repeated post a no-op. */
      failure?: { code: string; message: string; transient: boolean; providerEventId?: string };
      /** The provider's own words, kept on the record (providerStatus, providerErrorCode, lastProviderEvent, reason). */
      fields: DocData;
      /** What the message cost (SMS), reported once per message. */
      cost?: { amount: number; currency: string };
    }
  /** The address must not be mailed again (hard bounce, spam report). */
  | { kind: 'email-suppressed'; email: string; reason: string; deliveryId?: string }
  /** The recipient unsubscribed at the provider, from one category or all. */
  | { kind: 'unsubscribed'; uid: string; category: Category | 'all' }
  /** A text message someone sent to our number (STOP / START / HELP keywords among them). */
  | { kind: 'inbound-sms'; from: string; body: string };

/** The parse of one webhook post: its events, or why it is refused (403 unauthenticated, 400 naming the field). */
export type WebhookParse = { ok: true; events: ProviderEvent[] } | { ok: false; status: 400 | 403; message: string };

/** How policy handled a post: one result per `delivery` event, and a text for the sender if any (an SMS HELP answer). */
export interface WebhookOutcome {
  deliveries: ReadonlyArray<'updated' | 'missing' | 'ignored'>;
  reply?: string;
}

/**
 * One provider webhook (Twilio status callback, Twilio inbound SMS, SendGrid event webhook): authenticates the post
 * (signature over the raw body and URL), validates it (zod) and translates it; then answers in the provider's format
 * (TwiML, JSON). Lives in the provider's folder; delivery policy never sees the provider's wire format.
 */
export interface ProviderWebhook {
  parse(request: WebhookRequest, now: Date): Promise<WebhookParse>;
  respond(outcome: WebhookOutcome): { contentType: string; body: string };
}

export interface DeliveryInfra {
  push: PushSender;
  sms: SmsSender;
  smsVerifier: SmsVerifier;
  email: EmailSender;
  /** By HTTPS function name (`twilioStatus`, `twilioInbound`, `sendgridEvents`): each provider's webhook parsers. */
  webhooks: Readonly<Record<string, ProviderWebhook>>;
  settings: DeliverySettings;
}

/** A Firebase Auth account as account-state reconciliation and the email sync see it. */
export interface AuthAccount {
  uid: string;
  disabled: boolean;
  /** Auth's address and whether Auth has verified it (absent: an account without email, e.g. phone or custom token). */
  email?: string;
  emailVerified?: boolean;
  /** The account's custom claims (the caller roles among them, src/domain/caller.ts); absent: none. */
  customClaims?: Record<string, unknown>;
}

/** Firebase Auth accounts (deleteMyAccount removes the account after erasing its data; admins disable accounts). */
export interface UserAccounts {
  /** Deletes the account; an account that is already gone is not an error. */
  deleteUser(uid: string): Promise<void>;
  /**
   * Disables or re-enables sign-in. Disabling also revokes the account's refresh tokens, so no new ID token is
   * minted; ID tokens already issued stay valid until they expire (up to an hour), which is why `accountStates/{uid}`
   * exists. `missing` when Auth has no such account.
   */
  setDisabled(uid: string, disabled: boolean): Promise<'updated' | 'missing'>;
  /** One page of Auth accounts, in Auth's order (at most 1,000), for reconciling `accountStates` with Auth. */
  listAccounts(pageToken?: string): Promise<{ accounts: AuthAccount[]; nextPageToken?: string }>;
  /** One account as Auth holds it now (the email sync reads it; it never trusts a client's claim), or undefined. */
  getAccount(uid: string): Promise<AuthAccount | undefined>;
  /**
   * Replaces the account's custom claims (all of them: pass the ones to keep). They reach the user's ID token at its
   * next refresh (within the hour) or a forced `getIdToken(true)`. `missing` when Auth has no such account.
   */
  setCustomClaims(uid: string, claims: Record<string, unknown>): Promise<'updated' | 'missing'>;
}

/**
 * One set of adapters, everything the use cases run on. The composition root (src/composition/) builds it for the
 * cloud and the emulators (cloud.ts) or in memory (memory.ts); feature factories take the part they use.
 */
export interface Infra {
  store: DocumentStore;
  publisher: Publisher;
  clock: Clock;
  logger: Logger;
  /** The message search index (Algolia) and where exports are written (Cloud Storage). */
  messageIndex: MessageIndex;
  exportStorage: ObjectStorage;
  /** Where clients upload conversation media (`conversations/{cid}/{uid}/…`, the default bucket): erasure deletes a user's. */
  mediaStorage?: ObjectStorage;
  accounts: UserAccounts;
  /** FCM, Twilio (SMS + Verify), SendGrid, and their settings. */
  delivery: DeliveryInfra;
}
