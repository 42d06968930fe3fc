import type { Answer, Recorded } from '../../unit/delivery/loopback.js';
import { Loopback } from '../../unit/delivery/loopback.js';

export const SENDGRID_KEY = 'SG.test-key';

/** SendGrid v3 `POST /v3/mail/send` on loopback: Bearer key checked, 202 + X-Message-Id like the real API. */
export function fakeSendgrid(): Loopback {
  let counter = 0;
  return new Loopback((req: Recorded): Answer => {
    if (req.headers.authorization !== `Bearer ${SENDGRID_KEY}`) return { status: 401, body: { errors: [{ message: 'The provided authorization grant is invalid, expired, or revoked' }] } };
    if (req.method === 'POST' && req.path === '/v3/mail/send') return { status: 202, headers: { 'x-message-id': `sgmsg-${++counter}` } };
    return { status: 404, body: { errors: [{ message: 'not found' }] } };
  });
}
