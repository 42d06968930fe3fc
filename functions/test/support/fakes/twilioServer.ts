import twilio from 'twilio';
import type TwilioRequestClient from 'twilio/lib/base/RequestClient';
import { Loopback } from '../../../src/local/sandbox/http.js';
import { twilioProvider } from '../../../src/local/sandbox/twilio.js';

export const TWILIO_SID = 'AC00000000000000000000000000000001';
export const TWILIO_TOKEN = 'twilio-auth-token-for-tests';
export const VERIFY_SID = 'VA00000000000000000000000000000001';
/** The code the fake Verify service accepts. */
export const VERIFY_CODE = '482913';

/**
 * The sandbox Twilio REST API (Programmable Messaging) and Verify v2 (src/local/sandbox/twilio.ts) on loopback, with
 * the test credentials: Basic auth checked, answers like Twilio (201 + resource JSON; 400 + {code, message, more_info,
 * status} for errors; +15005550001 invalid, +15005550004 opted out).
 */
export function fakeTwilio(): Loopback {
  return new Loopback(
    twilioProvider({
      accountSid: TWILIO_SID,
      authToken: TWILIO_TOKEN,
      verifyServiceSid: VERIFY_SID,
      verifyCode: VERIFY_CODE,
    }),
  );
}

/**
 * twilio's RequestClient, sending to the loopback server instead of *.twilio.com. The host it meant is passed along
 * in `x-twilio-host` so tests can check which API (api. or verify.) the SDK called.
 */
export function loopbackRequestClient(server: Loopback): typeof TwilioRequestClient {
  return class LoopbackRequestClient extends twilio.RequestClient {
    override request<T>(opts: TwilioRequestClient.RequestOptions<T>) {
      const target = new URL(opts.uri);
      return super.request<T>({
        ...opts,
        uri: `${server.url}${target.pathname}${target.search}`,
        headers: { ...opts.headers, 'x-twilio-host': target.host },
      });
    }
  };
}
