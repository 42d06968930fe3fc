import { onSchedule } from 'firebase-functions/v2/scheduler';
import { TOPICS } from '../domain/channels.js';
import { registerDeviceSchema, unregisterDeviceSchema } from '../app/delivery/deviceRegistry.js';
import { checkPhoneVerificationSchema, startPhoneVerificationSchema } from '../app/delivery/phoneVerification.js';
import { secrets } from '../config.js';
import { CALL_LIMITS } from '../app/callLimits.js';
import { callable } from './callable.js';
import { topicFunction } from './pubsub.js';
import { REGION } from './options.js';
import { services } from './runtime.js';

/** Pub/Sub consumers of the delivery jobs the notification pipeline publishes (retry on; handlers idempotent). */
export const deliverPush = topicFunction(TOPICS.push);
export const deliverSms = topicFunction(TOPICS.sms, { secrets: [secrets.TWILIO_ACCOUNT_SID, secrets.TWILIO_AUTH_TOKEN] });
export const deliverEmail = topicFunction(TOPICS.email, { secrets: [secrets.SENDGRID_API_KEY, secrets.UNSUBSCRIBE_SIGNING_KEY] });

/**
 * The backstop for jobs Pub/Sub no longer carries: republishes deliveries stuck in `sending` or never claimed, ends
 * them `failed` after a bounded number of sweeps (critical ones fall back), publishes fallbacks a dying handler missed.
 */
export const sweepStuckDeliveries = onSchedule({ schedule: 'every 5 minutes', region: REGION, timeoutSeconds: 300 }, async () => {
  await services().delivery.channels.sweeper.sweep();
});

/** The caller's device (FCM token) for push; registering again refreshes lastSeenAt. */
export const registerDevice = callable(registerDeviceSchema, (data, { caller, services }) => services.delivery.devices.register(caller.uid, data), { limit: CALL_LIMITS.registerDevice });

export const unregisterDevice = callable(unregisterDeviceSchema, (data, { caller, services }) => services.delivery.devices.unregister(caller.uid, data), { limit: CALL_LIMITS.unregisterDevice });

/** Sends a Twilio Verify code to the caller's number (E.164 after libphonenumber parsing). */
export const startPhoneVerification = callable(startPhoneVerificationSchema, (data, { caller, services }) => services.delivery.phone.start(caller.uid, data), {
  secrets: [secrets.TWILIO_ACCOUNT_SID, secrets.TWILIO_AUTH_TOKEN],
  // Twilio Verify costs money per code: permanent, email-verified accounts only.
  access: 'reach',
  appCheck: 'consume',
  limit: CALL_LIMITS.startPhoneVerification,
});

/** Checks the code; on success the number becomes the caller's verified phone (the only kind that gets SMS). */
export const checkPhoneVerification = callable(checkPhoneVerificationSchema, (data, { caller, services }) => services.delivery.phone.check(caller.uid, data), {
  secrets: [secrets.TWILIO_ACCOUNT_SID, secrets.TWILIO_AUTH_TOKEN],
  // Twilio Verify costs money per code: permanent, email-verified accounts only.
  access: 'reach',
  appCheck: 'consume',
  // Codes are 6 digits: a few guesses per 10 minutes (Twilio Verify also locks a code after 5 wrong tries).
  limit: CALL_LIMITS.checkPhoneVerification,
});
