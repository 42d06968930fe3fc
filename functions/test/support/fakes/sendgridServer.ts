import { Loopback } from '../../../src/local/sandbox/http.js';
import { sendgridProvider } from '../../../src/local/sandbox/sendgrid.js';

export const SENDGRID_KEY = 'SG.test-key';

/** The sandbox SendGrid v3 `POST /v3/mail/send` (src/local/sandbox/sendgrid.ts) on loopback, with the test key. */
export function fakeSendgrid(): Loopback {
  return new Loopback(sendgridProvider({ apiKey: SENDGRID_KEY }));
}
