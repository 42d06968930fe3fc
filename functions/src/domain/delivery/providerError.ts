/**
 * How provider failures reach the use cases: adapters translate each SDK's errors into a ProviderError that says
 * whether trying again can help. Transient ones (timeouts, 5xx, 429) are retried with backoff; permanent ones
 * (invalid number, unsubscribed, dead token, bad request) are not.
 */
export const PROVIDERS = ['fcm', 'twilio', 'sendgrid'] as const;
export type Provider = (typeof PROVIDERS)[number];

/**
 * Whether a provider error is throttling rather than failure, and whose limit it is:
 * - 'provider': the account is over the provider's rate (HTTP 429). Back-pressure for every call to that provider:
 *   pace to it (Retry-After), never count it toward the circuit breaker.
 * - 'target': one device, topic or number is over its own limit. Retry that message later; the provider is healthy,
 *   so neither the breaker nor the other messages are affected.
 */
export type ThrottleScope = 'provider' | 'target';

/**
 * What a permanent error says about the recipient, beyond "this message failed":
 * - 'unreachable': this address (device token, number, mailbox) will never work again; forget it.
 * - 'opted-out': the recipient told the provider or carrier to stop; remember it and send no more.
 */
export type RecipientVerdict = 'unreachable' | 'opted-out';

/**
 * A provider's error in delivery terms. Each provider's folder (src/adapters/<provider>/errors.ts) reads its own
 * codes and fills in `transient`, `throttle` and `recipient`; delivery policy reads only those, never a provider code.
 */
export class ProviderError extends Error {
  /** Throttling, not failure; an HTTP 429 is the provider's rate unless the provider's classifier says otherwise. */
  readonly throttle: ThrottleScope | undefined;
  readonly recipient: RecipientVerdict | undefined;

  constructor(
    readonly provider: Provider,
    readonly transient: boolean,
    /** The provider's own error code (`messaging/registration-token-not-registered`, Twilio `21211`, HTTP status). */
    readonly code: string,
    message: string,
    /** How long the provider asked us to wait (Retry-After on a 429), in milliseconds. */
    readonly retryAfterMs?: number,
    meaning: { throttle?: ThrottleScope; recipient?: RecipientVerdict } = {},
  ) {
    super(message);
    this.name = 'ProviderError';
    this.throttle = meaning.throttle ?? (code === '429' ? 'provider' : undefined);
    this.recipient = meaning.recipient;
  }
}

/** Whether an HTTP status is worth retrying: throttling, server errors and request timeouts are; other 4xx are not. */
export function isTransientStatus(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). Returns milliseconds, or undefined. */
export function parseRetryAfter(value: string | undefined | null, now: Date): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}

/** Network-level failures (no HTTP answer at all) are transient. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);
export function isNetworkError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && NETWORK_CODES.has(code);
}

/** Whose limit a throttled call hit (see ThrottleScope); undefined for anything that is not throttling. */
export function throttleScope(error: unknown): ThrottleScope | undefined {
  return error instanceof ProviderError ? error.throttle : undefined;
}
