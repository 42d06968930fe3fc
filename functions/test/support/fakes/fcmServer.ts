import { Loopback } from '../../../src/local/sandbox/http.js';
import { fcmProvider } from '../../../src/local/sandbox/fcm.js';

export { fcmErrorBody } from '../../../src/local/sandbox/fcm.js';
/** firebase-admin has no FCM endpoint setting; this https Agent sends its requests to the loopback server. */
export { RedirectAgent as LoopbackAgent } from '../../../src/local/sandbox/connect.js';

export const FCM_PROJECT = 'demo-fcm';

/**
 * The sandbox FCM HTTP v1 (src/local/sandbox/fcm.ts) on loopback, for FCM_PROJECT only. Tokens in `unregistered`
 * answer 404 UNREGISTERED; every other token gets a message name.
 */
export function fakeFcm() {
  const { route, unregistered } = fcmProvider({ project: FCM_PROJECT });
  return { server: new Loopback(route), unregistered };
}
