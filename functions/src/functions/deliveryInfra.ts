import type { App } from 'firebase-admin/app';
import type { DeliveryInfra } from '../ports.js';
import { params, requireSecret } from '../config.js';
import { FcmPushSender } from '../adapters/fcm/fcmPushSender.js';
import { TwilioClientFactory } from '../adapters/twilio/twilioClient.js';
import { TwilioSmsSender, TwilioVerifier } from '../adapters/twilio/twilioSms.js';
import { SendgridEmailSender } from '../adapters/sendgrid/sendgridEmailSender.js';
import { DEFAULT_RESILIENCE } from '../app/delivery/resilience.js';

/** The real providers (FCM, Twilio, SendGrid); every secret and param is read when a call needs it. */
export function firebaseDelivery(app: () => App): DeliveryInfra {
  const twilio = new TwilioClientFactory({
    credentials: () => ({ accountSid: requireSecret('TWILIO_ACCOUNT_SID'), authToken: requireSecret('TWILIO_AUTH_TOKEN') }),
    timeoutMs: DEFAULT_RESILIENCE.timeoutMs,
  });
  return {
    push: new FcmPushSender(app),
    sms: new TwilioSmsSender(twilio, {
      sender: () => ({ messagingServiceSid: params.TWILIO_MESSAGING_SERVICE_SID.value() || undefined, from: params.TWILIO_FROM_NUMBER.value() || undefined }),
    }),
    smsVerifier: new TwilioVerifier(twilio, () => params.TWILIO_VERIFY_SERVICE_SID.value()),
    email: new SendgridEmailSender({ apiKey: () => requireSecret('SENDGRID_API_KEY'), timeoutMs: DEFAULT_RESILIENCE.timeoutMs }),
    settings: {
      publicBaseUrl: () => params.PUBLIC_BASE_URL.value(),
      webAppUrl: () => params.WEB_APP_URL.value(),
      fromEmail: () => params.SENDGRID_FROM_EMAIL.value(),
      unsubscribeKey: () => requireSecret('UNSUBSCRIBE_SIGNING_KEY'),
      twilioAuthToken: () => requireSecret('TWILIO_AUTH_TOKEN'),
      sendgridWebhookPublicKey: () => requireSecret('SENDGRID_WEBHOOK_PUBLIC_KEY'),
      resilience: DEFAULT_RESILIENCE,
    },
  };
}
