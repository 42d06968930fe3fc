import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FeatureModules } from '../../../src/composition/features.js';
import { composeServices, loadFeatures, withNeeds } from '../../../src/composition/features.js';
import { TOPIC_FEATURES } from '../../../src/composition/topics.js';
import { memoryInfra } from '../../../src/composition/memory.js';
import { DEFAULT_SETTINGS } from '../../../src/config.js';
import { TOPICS } from '../../../src/domain/channels.js';
import { WRAPPER_FEATURES, featuresOf } from '../../../src/functions/targets.js';
import * as accounts from '../../../src/functions/accounts.js';
import * as analytics from '../../../src/functions/analytics.js';
import * as compliance from '../../../src/functions/compliance.js';
import * as delivery from '../../../src/functions/delivery.js';
import * as identity from '../../../src/functions/identity.js';
import * as messaging from '../../../src/functions/messaging.js';
import * as notifications from '../../../src/functions/notifications.js';
import * as orders from '../../../src/functions/orders.js';
import * as scheduling from '../../../src/functions/scheduling.js';
import * as announcements from '../../../src/functions/announcements.js';
import * as activity from '../../../src/functions/activity.js';
import * as search from '../../../src/functions/search.js';
import * as social from '../../../src/functions/social.js';
import * as webhooks from '../../../src/functions/webhooks.js';

const MODULES: Record<string, Record<string, unknown>> = {
  search,
  compliance,
  messaging,
  notifications,
  delivery,
  webhooks,
  accounts,
  identity,
  analytics,
  social,
  orders,
  scheduling,
  announcements,
  activity,
};
const WRAPPERS = Object.keys(MODULES);

/** The features a wrapper's source reads: `s.<feature>.` in handlers, and its Pub/Sub consumers' topics. */
function featuresRead(file: string): string[] {
  const source = readFileSync(resolve('src/functions', `${file}.ts`), 'utf8');
  const read = [...source.matchAll(/\bs\.(\w+)\./g)].map((m) => m[1]!);
  const topics = [...source.matchAll(/pubsubTrigger\(TOPICS\.(\w+)/g)].map(
    (m) => TOPIC_FEATURES[TOPICS[m[1] as keyof typeof TOPICS]]!,
  );
  return [...new Set([...read, ...topics])].sort();
}

describe("a deployed function loads only its wrapper module's features", () => {
  it.each(WRAPPERS)('%s.ts reads only the features src/functions/targets.ts gives it', (file) => {
    const entry = WRAPPER_FEATURES.find(([m]) => m === MODULES[file]);
    expect(entry, `${file}.ts is missing from WRAPPER_FEATURES`).toBeDefined();
    expect(featuresRead(file)).not.toHaveLength(0);
    expect(withNeeds(entry![1])).toEqual(expect.arrayContaining(featuresRead(file)));
  });

  it('every wrapper module is listed', () => {
    const HELPERS = [
      'callable',
      'triggers',
      'events',
      'eventRetry',
      'runtime',
      'options',
      'targets',
      'inputs',
      'lazyFunction',
    ];
    const files = readdirSync(resolve('src/functions'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.slice(0, -3))
      .filter((f) => !HELPERS.includes(f));
    // A new wrapper module: add it to WRAPPER_FEATURES (src/functions/targets.ts) and to MODULES here. Until then its
    // functions still work, loading every feature on their first invocation.
    expect(files.sort()).toEqual([...WRAPPERS].sort());
    expect(WRAPPER_FEATURES).toHaveLength(WRAPPERS.length);
  });

  it('finds the function by FUNCTION_TARGET, or by K_SERVICE (lower case); none or unknown: every feature', () => {
    expect(featuresOf('sendMessage')).toEqual(['messaging']);
    expect(featuresOf('sendmessage')).toEqual(['messaging']);
    expect(featuresOf('deliverSms')).toEqual(['delivery']);
    expect(featuresOf('twilioStatus')).toEqual(['delivery']);
    expect(featuresOf('renderPdfExport')).toEqual(['compliance']);
    expect(featuresOf(undefined)).toBeUndefined();
    expect(featuresOf('')).toBeUndefined();
    expect(featuresOf('noSuchFunction')).toBeUndefined();
  });
});

describe('per-feature composition', () => {
  it('loads a feature with what it is built with, nothing else', async () => {
    const modules: Partial<FeatureModules> = {};
    await loadFeatures(['messaging'], modules);
    expect(Object.keys(modules).sort()).toEqual(['audit', 'messaging']);
    await loadFeatures(['delivery'], modules);
    expect(Object.keys(modules).sort()).toEqual(['audit', 'delivery', 'messaging', 'notifications']);
    await loadFeatures(['compliance'], modules);
    expect(Object.keys(modules).sort()).toContain('search');
  });

  it('builds a feature when first read, once, and refuses one that was not loaded, naming it', async () => {
    const modules: Partial<FeatureModules> = {};
    await loadFeatures(['delivery'], modules);
    const services = composeServices(memoryInfra(), DEFAULT_SETTINGS, modules);
    expect(services.delivery).toBe(services.delivery);
    // Delivery shares the pipeline's preferences: one PreferencesRepo per instance.
    expect(services.notifications.preferences).toBeDefined();
    expect(() => services.compliance).toThrow(/compliance feature is not loaded/);
    expect(() => services.messaging).toThrow(/messaging feature is not loaded/);
  });
});
