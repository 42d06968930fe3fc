import { deliveryId } from '../../../src/domain/delivery.js';
import { Loopback } from '../../../src/local/sandbox/http.js';
import { sendgridProvider } from '../../../src/local/sandbox/sendgrid.js';

export const SENDGRID_KEY = 'SG.test-key';

/** An outbid email as the email channel hands it to the sender: unsubscribe headers, custom args, categories. */
export const OUTBID_MAIL = {
  to: 'maya@studio.example',
  from: 'notifications@craft.example',
  subject: 'You were outbid',
  html: '<p>Someone bid more on <b>Walnut bowl</b></p>',
  text: 'Someone bid more on Walnut bowl',
  headers: {
    'List-Unsubscribe': '<https://fn.example/unsubscribe?token=abc.def>',
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  },
  customArgs: {
    deliveryId: deliveryId('evt1', 'u1', 'email'),
    uid: 'u1',
    notificationCategory: 'commerce',
    eventId: 'evt1',
  },
  categories: ['commerce', 'auction.outbid'],
};

/** The sandbox SendGrid v3 `POST /v3/mail/send` (src/local/sandbox/sendgrid.ts) on loopback, with the test key. */
export function fakeSendgrid(): Loopback {
  return new Loopback(sendgridProvider({ apiKey: SENDGRID_KEY }));
}
