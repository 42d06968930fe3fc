import type { Twilio } from 'twilio';
import type TwilioRequestClient from 'twilio/lib/base/RequestClient';
import { ProviderError, isTransientStatus, parseRetryAfter } from '../../domain/delivery/providerError.js';

export interface TwilioCredentials {
  accountSid: string;
  authToken: string;
}

export type RequestClientClass = typeof TwilioRequestClient;

export interface TwilioClientOptions {
  /** Read at call time (secrets). */
  credentials: () => TwilioCredentials;
  /** Per-request timeout. */
  timeoutMs?: number;
  /**
   * The twilio RequestClient class to build on. Tests pass a subclass that sends to a loopback server; in production
   * it is twilio's own.
   */
  requestClientClass?: RequestClientClass;
  /**
   * Send every request to this origin (e.g. http://127.0.0.1:5006, the emulator's sandbox Twilio) instead of
   * https://api.twilio.com / verify.twilio.com, keeping the path; the host the SDK meant goes along in `x-twilio-host`.
   */
  apiOrigin?: string;
}

/**
 * A twilio client, loaded and built on first use. Retries are ours (cockatiel), so twilio's own autoRetry stays off;
 * throttling and server errors are turned into transient ProviderErrors here, where the Retry-After header is still
 * visible (twilio's RestException drops response headers).
 */
export class TwilioClientFactory {
  private client: Promise<Twilio> | undefined;

  constructor(private readonly options: TwilioClientOptions) {}

  get(): Promise<Twilio> {
    this.client ??= (async () => {
      const twilio = (await import('twilio')).default;
      const Base = this.options.requestClientClass ?? twilio.RequestClient;
      const origin = this.options.apiOrigin;
      class ProviderAwareRequestClient extends Base {
        override async request<T>(opts: TwilioRequestClient.RequestOptions<T>) {
          let sent = opts;
          if (origin) {
            const target = new URL(opts.uri);
            sent = {
              ...opts,
              uri: `${origin}${target.pathname}${target.search}`,
              headers: { ...opts.headers, 'x-twilio-host': target.host },
            };
          }
          const response = await super.request<T>(sent);
          if (isTransientStatus(response.statusCode)) {
            const headers = (response.headers ?? {}) as Record<string, string | undefined>;
            throw new ProviderError(
              'twilio',
              true,
              String(response.statusCode),
              `Twilio answered HTTP ${response.statusCode}`,
              parseRetryAfter(headers['retry-after'], new Date()),
            );
          }
          return response;
        }
      }
      const { accountSid, authToken } = this.options.credentials();
      const httpClient = new ProviderAwareRequestClient({
        timeout: this.options.timeoutMs ?? 10_000,
        autoRetry: false,
        keepAlive: true,
      });
      return twilio(accountSid, authToken, { httpClient, autoRetry: false });
    })();
    // A failed build (missing secret) is not cached: the next call tries again.
    this.client.catch(() => (this.client = undefined));
    return this.client;
  }
}
