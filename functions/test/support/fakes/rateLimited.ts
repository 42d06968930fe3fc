import type { Answer, Recorded, Route } from '../../../src/local/sandbox/http.js';
import { Loopback } from '../../../src/local/sandbox/http.js';
import { sendgridProvider } from '../../../src/local/sandbox/sendgrid.js';
import { SENDGRID_KEY } from './sendgridServer.js';

export interface RateLimit {
  /** Requests accepted per rolling second; above it the provider answers 429 + Retry-After. */
  perSecond: number;
  /** The body of a 429, in the provider's own error format. */
  body?: unknown;
}

/**
 * A provider's rate limit in front of its route, the way SendGrid and Twilio enforce theirs: at most `perSecond`
 * requests are answered in any rolling second; the others get 429 with Retry-After (whole seconds, as the header
 * allows) until the oldest of them leaves the window. `accepted` keeps every request that got through, in order.
 */
export function rateLimited(route: Route, limit: RateLimit) {
  const window: number[] = [];
  const accepted: Recorded[] = [];
  let throttled = 0;
  const limitedRoute: Route = (req): Answer => {
    const now = Date.now();
    while (window.length > 0 && window[0]! <= now - 1_000) window.shift();
    if (window.length >= limit.perSecond) {
      throttled++;
      const waitMs = window[0]! + 1_000 - now;
      return {
        status: 429,
        headers: {
          'retry-after': String(Math.max(1, Math.ceil(waitMs / 1_000))),
          'x-ratelimit-limit': String(limit.perSecond),
          'x-ratelimit-remaining': '0',
        },
        body: limit.body ?? { errors: [{ message: 'too many requests', field: null, help: null }] },
      };
    }
    window.push(now);
    accepted.push(req);
    return route(req);
  };
  return { route: limitedRoute, accepted, throttled: () => throttled };
}

/** The loopback SendGrid v3 API (fakeSendgrid) throttling above `perSecond` requests per second. */
export function fakeSendgridRateLimited(perSecond: number) {
  const limited = rateLimited(sendgridProvider({ apiKey: SENDGRID_KEY }), { perSecond });
  return { server: new Loopback(limited.route), accepted: limited.accepted, throttled: limited.throttled };
}
