/**
 * How provider failures reach the use cases: adapters translate each SDK's errors into a ProviderError that says
 * whether trying again can help. Transient ones (timeouts, 5xx, 429) are retried with backoff; permanent ones
 * (invalid number, unsubscribed, dead token, bad request) are not.
 */
export const PROVIDERS = ['fcm', 'twilio', 'sendgrid'] as const;
export type Provider = (typeof PROVIDERS)[number];

export class ProviderError extends Error {
  constructor(
    readonly provider: Provider,
    readonly transient: boolean,
    /** The provider's own error code (`messaging/registration-token-not-registered`, Twilio `21211`, HTTP status). */
    readonly code: string,
    message: string,
    /** How long the provider asked us to wait (Retry-After on a 429), in milliseconds. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ProviderError';
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
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'ECONNABORTED', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'ERR_SOCKET_CONNECTION_TIMEOUT']);
export function isNetworkError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && NETWORK_CODES.has(code);
}

/**
 * Whether a provider error is throttling rather than failure, and whose limit it is:
 * - 'provider': the account is over the provider's rate (HTTP 429 from Twilio or SendGrid). Back-pressure for every
 *   call to that provider: pace to it (Retry-After), never count it toward the circuit breaker.
 * - 'target': one device or topic is over its own limit (FCM's rate codes). Retry that message later; the provider
 *   is healthy, so neither the breaker nor the other messages are affected.
 */
export type ThrottleScope = 'provider' | 'target';
const FCM_RATE_CODES = new Set(['messaging/message-rate-exceeded', 'messaging/device-message-rate-exceeded', 'messaging/topics-message-rate-exceeded', 'messaging/quota-exceeded']);
export function throttleScope(error: unknown): ThrottleScope | undefined {
  if (!(error instanceof ProviderError)) return undefined;
  if (error.provider === 'fcm') return FCM_RATE_CODES.has(error.code) ? 'target' : undefined;
  // Twilio's own code for HTTP 429 is 20429.
  return error.code === '429' || error.code === '20429' ? 'provider' : undefined;
}
