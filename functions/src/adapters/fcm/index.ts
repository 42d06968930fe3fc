import type { App } from 'firebase-admin/app';
import type { DeliveryInfra } from '../../ports.js';
import { FcmPushSender } from './push.js';

/**
 * Firebase Cloud Messaging, the push provider: HTTP v1 sends through firebase-admin (push.ts) and its error codes in
 * delivery terms (errors.ts: transient, per-device throttling, dead tokens). FCM has no webhooks.
 */
export function fcmProvider(app: () => App) {
  return { push: new FcmPushSender(app), webhooks: {} } satisfies Partial<DeliveryInfra>;
}

export { FcmPushSender } from './push.js';
export { fcmError } from './errors.js';
