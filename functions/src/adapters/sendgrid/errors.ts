import {
  ProviderError,
  isNetworkError,
  isTransientStatus,
  parseRetryAfter,
} from '../../domain/delivery/providerError.js';
import { errorText } from '../../domain/errors.js';

/**
 * SendGrid errors → ProviderError. @sendgrid's ResponseError carries the HTTP status as `code` and the response headers
 * (Retry-After on 429, which the ProviderError reads as the provider's rate); 5xx transient, other 4xx permanent.
 */
export function sendgridError(error: unknown): ProviderError {
  const e = error as {
    code?: unknown;
    message?: string;
    response?: { headers?: Record<string, string>; body?: { errors?: { message?: string }[] } };
  };
  if (typeof e.code === 'number') {
    const detail = e.response?.body?.errors?.map((x) => x.message).join('; ');
    return new ProviderError(
      'sendgrid',
      isTransientStatus(e.code),
      String(e.code),
      detail || e.message || `HTTP ${e.code}`,
      parseRetryAfter(e.response?.headers?.['retry-after'], new Date()),
    );
  }
  if (isNetworkError(error)) return new ProviderError('sendgrid', true, String(e.code), e.message ?? 'network error');
  return new ProviderError('sendgrid', false, 'unknown', errorText(error));
}
