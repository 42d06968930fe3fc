import { TOPICS } from '../domain/channels.js';
import { CALL_LIMITS } from '../app/callLimits.js';
import { callable, inputFrom } from './callable.js';
import { SECRETS } from './options.js';
import { pubsubTrigger, scheduled } from './triggers.js';

/** The callables' schemas (zod; libphonenumber-js for the phone ones), loaded on a function's first call. */
const devices = () => import('../app/delivery/deviceRegistry.js');
const phone = () => import('../app/delivery/phoneVerification.js');

/** Pub/Sub consumers of the delivery jobs the notification pipeline publishes (retry on; handlers idempotent). */
export const deliverPush = pubsubTrigger(TOPICS.push);
export const deliverSms = pubsubTrigger(TOPICS.sms, { secrets: SECRETS.twilio });
export const deliverEmail = pubsubTrigger(TOPICS.email, { secrets: SECRETS.sendgrid });

/**
 * The backstop for jobs Pub/Sub no longer carries: republishes deliveries stuck in `sending` or never claimed, ends
 * them `failed` after a bounded number of sweeps (critical ones fall back), publishes fallbacks a dying handler missed.
 */
export const sweepStuckDeliveries = scheduled('every 5 minutes', (s) => s.delivery.channels.sweeper.sweep(), {
  timeoutSeconds: 300,
});

/** The caller's device (FCM token) for push; registering again refreshes lastSeenAt. */
export const registerDevice = callable(
  inputFrom(devices, 'registerDeviceSchema'),
  (data, { caller, services: s }) => s.delivery.devices.register(caller, data),
  { limit: CALL_LIMITS.registerDevice },
);

export const unregisterDevice = callable(
  inputFrom(devices, 'unregisterDeviceSchema'),
  (data, { caller, services: s }) => s.delivery.devices.unregister(caller, data),
  { limit: CALL_LIMITS.unregisterDevice },
);

/** Twilio Verify costs money per code: permanent, email-verified accounts only, one App Check token per call. */
const VERIFY = { secrets: SECRETS.twilio, access: 'reach', appCheck: 'consume' } as const;

/** Sends a Twilio Verify code to the caller's number (E.164 after libphonenumber parsing). */
export const startPhoneVerification = callable(
  inputFrom(phone, 'startPhoneVerificationSchema'),
  (data, { caller, services: s }) => s.delivery.phone.start(caller, data),
  {
    ...VERIFY,
    limit: CALL_LIMITS.startPhoneVerification,
  },
);

/** Checks the code; on success the number becomes the caller's verified phone (the only kind that gets SMS). */
export const checkPhoneVerification = callable(
  inputFrom(phone, 'checkPhoneVerificationSchema'),
  (data, { caller, services: s }) => s.delivery.phone.check(caller, data),
  {
    ...VERIFY,
    // Codes are 6 digits: a few guesses per 10 minutes (Twilio Verify also locks a code after 5 wrong tries).
    limit: CALL_LIMITS.checkPhoneVerification,
  },
);
