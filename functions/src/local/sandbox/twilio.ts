import type { Answer, Recorded, Route } from './http.js';

export interface TwilioSandboxOptions {
  accountSid: string;
  authToken: string;
  verifyServiceSid: string;
  /** The code the Verify service "texts" and accepts. */
  verifyCode: string;
}

/** Numbers Twilio's own test credentials treat specially (https://www.twilio.com/docs/iam/test-credentials). */
export const TWILIO_INVALID_NUMBER = '+15005550001';
export const TWILIO_OPTED_OUT_NUMBER = '+15005550004';

const error = (status: number, code: number, message: string): Answer => ({
  status,
  body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
});

/**
 * Twilio's REST API (Programmable Messaging) and Verify v2: checks Basic auth with the account SID and auth token,
 * answers like Twilio (201 + resource JSON; 4xx + {code, message, more_info, status} for errors). Verify approves
 * `verifyCode` for any number.
 */
export function twilioProvider(options: TwilioSandboxOptions): Route {
  let counter = 0;
  const { accountSid, authToken, verifyServiceSid, verifyCode } = options;
  return (req: Recorded): Answer => {
    const expected = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
    if (req.headers.authorization !== expected)
      return { status: 401, body: { code: 20003, message: 'Authenticate', status: 401 } };
    const form = new URLSearchParams(req.raw);
    if (req.method === 'POST' && req.path === `/2010-04-01/Accounts/${accountSid}/Messages.json`) {
      const to = form.get('To') ?? '';
      if (!/^\+[1-9]\d{6,14}$/.test(to) || to === TWILIO_INVALID_NUMBER)
        return error(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
      if (to === TWILIO_OPTED_OUT_NUMBER) return error(400, 21610, 'Attempt to send to unsubscribed recipient');
      if (!form.get('Body')) return error(400, 21602, 'Message body is required.');
      if (!form.get('From') && !form.get('MessagingServiceSid'))
        return error(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required to send a message");
      const sid = `SM${String(++counter).padStart(32, '0')}`;
      return {
        status: 201,
        body: {
          sid,
          account_sid: accountSid,
          to,
          from: form.get('From'),
          messaging_service_sid: form.get('MessagingServiceSid'),
          body: form.get('Body'),
          status: 'queued',
          num_segments: '1',
          price: null,
          date_created: new Date().toUTCString(),
          uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
        },
      };
    }
    if (req.method === 'POST' && req.path === `/v2/Services/${verifyServiceSid}/Verifications`) {
      return {
        status: 201,
        body: {
          sid: `VE${String(++counter).padStart(32, '0')}`,
          service_sid: verifyServiceSid,
          account_sid: accountSid,
          to: form.get('To'),
          channel: form.get('Channel'),
          status: 'pending',
          valid: false,
        },
      };
    }
    if (req.method === 'POST' && req.path === `/v2/Services/${verifyServiceSid}/VerificationCheck`) {
      const approved = form.get('Code') === verifyCode;
      return {
        status: 200,
        body: {
          sid: 'VE1',
          service_sid: verifyServiceSid,
          account_sid: accountSid,
          to: form.get('To'),
          channel: 'sms',
          status: approved ? 'approved' : 'pending',
          valid: approved,
        },
      };
    }
    return error(404, 20404, 'The requested resource was not found');
  };
}

/** Twilio's API paths (the sandbox serves them all on one origin: api.twilio.com and verify.twilio.com). */
export const isTwilioPath = (path: string) => path.startsWith('/2010-04-01/') || path.startsWith('/v2/Services/');
