import { ProviderError, isNetworkError, isTransientStatus } from '../../domain/delivery/providerError.js';
import { errorText } from '../../domain/errors.js';

/** Twilio's codes that say something about the recipient (https://www.twilio.com/docs/api/errors). */
const OPTED_OUT = new Set([
  '21610', // the number replied STOP (carrier or Twilio Advanced Opt-Out): no message may go to it
]);
/** Twilio's own codes for "over a rate": 20429 is its HTTP 429; 60203 is Verify's per-number send limit. */
const ACCOUNT_RATE = new Set(['20429']);
const TARGET_RATE = new Set(['60203']);

/**
 * Twilio errors → ProviderError. RestException carries the HTTP status and Twilio's code: 4xx are permanent (21211
 * invalid number, 21610 opted out…), 429 and 5xx transient. Throttling and server errors the request client already
 * turned into a ProviderError (with Retry-After) pass through.
 */
export function twilioError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  const e = error as { status?: number; code?: number | string; message?: string };
  if (typeof e.status === 'number') {
    const code = String(e.code ?? e.status);
    const throttle = TARGET_RATE.has(code)
      ? 'target'
      : ACCOUNT_RATE.has(code) || e.status === 429
        ? 'provider'
        : undefined;
    return new ProviderError('twilio', isTransientStatus(e.status), code, e.message ?? `HTTP ${e.status}`, undefined, {
      ...(throttle ? { throttle } : {}),
      ...(OPTED_OUT.has(code) ? { recipient: 'opted-out' as const } : {}),
    });
  }
  if (isNetworkError(error)) return new ProviderError('twilio', true, String(e.code), e.message ?? 'network error');
  return new ProviderError('twilio', false, 'unknown', errorText(error));
}
