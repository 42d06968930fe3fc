import twilio from 'twilio';
import type TwilioRequestClient from 'twilio/lib/base/RequestClient';
import type { Answer, Recorded } from '../../unit/delivery/loopback.js';
import { Loopback } from '../../unit/delivery/loopback.js';

export const TWILIO_SID = 'AC00000000000000000000000000000001';
export const TWILIO_TOKEN = 'twilio-auth-token-for-tests';
export const VERIFY_SID = 'VA00000000000000000000000000000001';
/** The code the fake Verify service accepts. */
export const VERIFY_CODE = '482913';

/**
 * Twilio's REST API (Programmable Messaging) and Verify v2 on loopback: checks Basic auth with the account SID and
 * auth token, answers like Twilio (201 + resource JSON; 400 + {code, message, more_info, status} for errors).
 */
export function fakeTwilio(): Loopback {
  let counter = 0;
  return new Loopback((req: Recorded): Answer => {
    const expected = `Basic ${Buffer.from(`${TWILIO_SID}:${TWILIO_TOKEN}`).toString('base64')}`;
    if (req.headers.authorization !== expected) return { status: 401, body: { code: 20003, message: 'Authenticate', status: 401 } };
    const form = new URLSearchParams(req.raw);
    if (req.method === 'POST' && req.path === `/2010-04-01/Accounts/${TWILIO_SID}/Messages.json`) {
      const to = form.get('To') ?? '';
      if (to === '+15005550001') return { status: 400, body: { code: 21211, message: `The 'To' number ${to} is not a valid phone number.`, more_info: 'https://www.twilio.com/docs/errors/21211', status: 400 } };
      if (to === '+15005550004') return { status: 400, body: { code: 21610, message: 'Attempt to send to unsubscribed recipient', more_info: 'https://www.twilio.com/docs/errors/21610', status: 400 } };
      const sid = `SM${String(++counter).padStart(32, '0')}`;
      return {
        status: 201,
        body: { sid, account_sid: TWILIO_SID, to, from: form.get('From'), messaging_service_sid: form.get('MessagingServiceSid'), body: form.get('Body'), status: 'queued', price: null, date_created: new Date().toUTCString() },
      };
    }
    if (req.method === 'POST' && req.path === `/v2/Services/${VERIFY_SID}/Verifications`) {
      return { status: 201, body: { sid: 'VE1', service_sid: VERIFY_SID, to: form.get('To'), channel: form.get('Channel'), status: 'pending', valid: false } };
    }
    if (req.method === 'POST' && req.path === `/v2/Services/${VERIFY_SID}/VerificationCheck`) {
      const approved = form.get('Code') === VERIFY_CODE;
      return { status: 200, body: { sid: 'VE1', service_sid: VERIFY_SID, to: form.get('To'), channel: 'sms', status: approved ? 'approved' : 'pending', valid: approved } };
    }
    return { status: 404, body: { code: 20404, message: 'The requested resource was not found', status: 404 } };
  });
}

/**
 * twilio's RequestClient, sending to the loopback server instead of *.twilio.com. The host it meant is passed along
 * in `x-twilio-host` so tests can check which API (api. or verify.) the SDK called.
 */
export function loopbackRequestClient(server: Loopback): typeof TwilioRequestClient {
  return class LoopbackRequestClient extends twilio.RequestClient {
    override request<T>(opts: TwilioRequestClient.RequestOptions<T>) {
      const target = new URL(opts.uri);
      return super.request<T>({ ...opts, uri: `${server.url}${target.pathname}${target.search}`, headers: { ...opts.headers, 'x-twilio-host': target.host } });
    }
  };
}
