import { ProviderError } from '../../domain/delivery/providerError.js';
import { errorText } from '../../domain/errors.js';

/** FCM error codes worth another try (the rest — bad token, bad payload, wrong sender — will fail again). */
const TRANSIENT_CODES = new Set([
  'messaging/unavailable',
  'messaging/internal-error',
  'messaging/server-unavailable',
  'messaging/message-rate-exceeded',
  'messaging/quota-exceeded',
  'messaging/device-message-rate-exceeded',
  'messaging/topics-message-rate-exceeded',
  'app/network-error',
  'app/network-timeout',
]);

/** One device or topic over its own rate: retry that message later; FCM itself is healthy. */
const TARGET_RATE_CODES = new Set([
  'messaging/message-rate-exceeded',
  'messaging/device-message-rate-exceeded',
  'messaging/topics-message-rate-exceeded',
  'messaging/quota-exceeded',
]);

/** The token will never work again (app uninstalled, token rotated or malformed): the device is forgotten at once. */
const DEAD_TOKEN_CODES = new Set([
  'messaging/registration-token-not-registered',
  'messaging/invalid-registration-token',
]);

/** firebase-admin's FirebaseMessagingError (code on `errorInfo` or `code`) → ProviderError. */
export function fcmError(error: unknown): ProviderError {
  const e = error as { code?: string; errorInfo?: { code?: string }; message?: string };
  const code = e.errorInfo?.code ?? e.code ?? 'unknown';
  return new ProviderError('fcm', TRANSIENT_CODES.has(code), code, errorText(error), undefined, {
    ...(TARGET_RATE_CODES.has(code) ? { throttle: 'target' as const } : {}),
    ...(DEAD_TOKEN_CODES.has(code) ? { recipient: 'unreachable' as const } : {}),
  });
}
