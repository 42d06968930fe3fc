import type { Feature } from '../composition/features.js';
import * as accounts from './accounts.js';
import * as analytics from './analytics.js';
import * as orders from './orders.js';
import * as scheduling from './scheduling.js';
import * as announcements from './announcements.js';
import * as activity from './activity.js';
import * as social from './social.js';
import * as compliance from './compliance.js';
import * as delivery from './delivery.js';
import * as identity from './identity.js';
import * as messaging from './messaging.js';
import * as notifications from './notifications.js';
import * as search from './search.js';
import * as webhooks from './webhooks.js';

/**
 * The features (src/composition/features.ts) each wrapper module's functions use, Pub/Sub consumers included
 * (TOPIC_FEATURES). A deployed instance's first invocation loads only its function's, so sendMessage never loads
 * exports, fonts or search. test/unit/functions/targets.test.ts checks every wrapper reads only these.
 */
export const WRAPPER_FEATURES: readonly (readonly [module: Record<string, unknown>, features: readonly Feature[]])[] = [
  [search, ['search']],
  [compliance, ['compliance']],
  [messaging, ['messaging']],
  [notifications, ['notifications']],
  [delivery, ['delivery']],
  [webhooks, ['delivery']],
  [accounts, ['accounts', 'identity']],
  [identity, ['identity']],
  [analytics, ['analytics']],
  [social, ['social']],
  [orders, ['orders']],
  [scheduling, ['scheduling']],
  [announcements, ['announcements']],
  [activity, ['activity']],
];

/**
 * The features of the function a deployed instance runs: `target` is FUNCTION_TARGET (the export's name) or, where it
 * is missing, K_SERVICE (Cloud Run's service: the name in lower case). Undefined for no target or an unknown one
 * (then every feature loads: slower, never wrong).
 */
export function featuresOf(target: string | undefined): readonly Feature[] | undefined {
  if (!target) return undefined;
  const wanted = target.toLowerCase();
  return WRAPPER_FEATURES.find(([module]) => Object.keys(module).some((name) => name.toLowerCase() === wanted))?.[1];
}
