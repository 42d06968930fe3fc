import type { Answer, Recorded, Route } from './http.js';

/** SendGrid v3 `POST /v3/mail/send`: Bearer key checked, 202 + X-Message-Id like the real API, 400 for a bad mail. */
export function sendgridProvider(options: { apiKey: string }): Route {
  let counter = 0;
  return (req: Recorded): Answer => {
    if (req.headers.authorization !== `Bearer ${options.apiKey}`) {
      return {
        status: 401,
        body: {
          errors: [
            { message: 'The provided authorization grant is invalid, expired, or revoked', field: null, help: null },
          ],
        },
      };
    }
    if (req.method !== 'POST' || req.path !== '/v3/mail/send')
      return { status: 404, body: { errors: [{ message: 'not found' }] } };
    let mail: {
      personalizations?: Array<{ to?: Array<{ email?: string }> }>;
      from?: { email?: string };
      subject?: string;
    };
    try {
      mail = JSON.parse(req.raw) as typeof mail;
    } catch {
      return { status: 400, body: { errors: [{ message: 'Bad Request', field: null, help: null }] } };
    }
    const to = mail.personalizations?.[0]?.to?.[0]?.email;
    if (!to || !/^[^@\s]+@[^@\s]+$/.test(to)) {
      return {
        status: 400,
        body: {
          errors: [
            { message: 'Does not contain a valid address.', field: 'personalizations.0.to.0.email', help: null },
          ],
        },
      };
    }
    if (!mail.from?.email)
      return {
        status: 400,
        body: {
          errors: [{ message: 'The from object must be provided for every email send.', field: 'from', help: null }],
        },
      };
    return { status: 202, headers: { 'x-message-id': `sgmsg-${++counter}` } };
  };
}
