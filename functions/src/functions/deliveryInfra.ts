import type { App } from 'firebase-admin/app';
import { getApps, initializeApp } from 'firebase-admin/app';
import type { DeliveryInfra } from '../ports.js';
import { params, requireSecret } from '../config.js';
import { FcmPushSender } from '../adapters/fcm/fcmPushSender.js';
import { TwilioClientFactory } from '../adapters/twilio/twilioClient.js';
import { TwilioSmsSender, TwilioVerifier } from '../adapters/twilio/twilioSms.js';
import { SendgridEmailSender } from '../adapters/sendgrid/sendgridEmailSender.js';
import { DEFAULT_RESILIENCE } from '../app/delivery/resilience.js';
import type { SandboxConnection } from '../local/sandbox/connect.js';
import { RedirectAgent, sandboxFcmCredential } from '../local/sandbox/connect.js';
import { SANDBOX_CREDENTIALS } from '../local/sandbox/credentials.js';

/**
 * The real providers (FCM, Twilio, SendGrid); every secret and param is read when a call needs it. In the Functions
 * emulator with the sandbox providers running (`sandbox`, see runtime.ts) the same adapters and SDKs talk to the
 * sandbox with its credentials instead, so the emulator suite works end to end without a single real secret.
 */
export function firebaseDelivery(app: () => App, sandbox?: SandboxConnection): DeliveryInfra {
  if (sandbox) return sandboxDelivery(sandbox);
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

const SANDBOX_FCM_APP = 'sandbox-fcm';

/** The provider adapters pointed at the sandbox providers (emulator only): FCM through an https Agent, Twilio through its httpClient, SendGrid through its base URL. */
function sandboxDelivery(sandbox: SandboxConnection): DeliveryInfra {
  const creds = SANDBOX_CREDENTIALS;
  const twilio = new TwilioClientFactory({
    credentials: () => ({ accountSid: creds.twilio.accountSid, authToken: creds.twilio.authToken }),
    timeoutMs: DEFAULT_RESILIENCE.timeoutMs,
    apiOrigin: sandbox.origin,
  });
  // A second Admin SDK app for messaging only: its credential needs no Google, its agent reaches the sandbox.
  const fcmApp = () =>
    getApps().find((a) => a.name === SANDBOX_FCM_APP) ??
    initializeApp({ projectId: process.env.GCLOUD_PROJECT ?? 'demo-sandbox', credential: sandboxFcmCredential, httpAgent: new RedirectAgent(sandbox.port, sandbox.host) }, SANDBOX_FCM_APP);
  return {
    push: new FcmPushSender(fcmApp),
    sms: new TwilioSmsSender(twilio, {
      sender: () => {
        const from = params.TWILIO_FROM_NUMBER.value() || undefined;
        return { messagingServiceSid: params.TWILIO_MESSAGING_SERVICE_SID.value() || (from ? undefined : creds.twilio.messagingServiceSid), from };
      },
    }),
    smsVerifier: new TwilioVerifier(twilio, () => creds.twilio.verifyServiceSid),
    email: new SendgridEmailSender({ apiKey: () => creds.sendgrid.apiKey, baseUrl: sandbox.origin, timeoutMs: DEFAULT_RESILIENCE.timeoutMs }),
    settings: {
      publicBaseUrl: () => params.PUBLIC_BASE_URL.value(),
      webAppUrl: () => params.WEB_APP_URL.value(),
      fromEmail: () => params.SENDGRID_FROM_EMAIL.value(),
      unsubscribeKey: () => creds.unsubscribeKey,
      twilioAuthToken: () => creds.twilio.authToken,
      // The sandbox posts no SendGrid events; a developer who signs their own sets the key in functions/.secret.local.
      sendgridWebhookPublicKey: () => requireSecret('SENDGRID_WEBHOOK_PUBLIC_KEY'),
      resilience: DEFAULT_RESILIENCE,
    },
  };
}
