import type { Feature, FeatureModules, Services } from '../composition/features.js';
import { FEATURES, loadFeatures } from '../composition/features.js';

/**
 * The wrappers' handle on the use cases: built once per instance, on the first invocation, by the composition root
 * (src/composition/cloud.ts). The composition root, the use cases, zod and the provider SDKs are loaded by that first
 * invocation (dynamic imports), not when the deploy surface is imported: the Firebase CLI's discovery and every
 * instance's cold start load only the function definitions (bench/coldStart.ts measures both). Only the features the
 * instance serves are loaded (`serveFeatures`, set by src/index.ts from FUNCTION_TARGET); every feature otherwise.
 */
let current: Services | undefined;
let building: Promise<Services> | undefined;
let scope: readonly Feature[] = FEATURES;
/** The factory modules loaded so far; the composed services read them when a feature is first used. */
const modules: Partial<FeatureModules> = {};

/**
 * What a wrapper's handler gets: the use cases, without the adapters (`infra`). Only the helpers (callable.ts,
 * triggers.ts, events.ts) see the adapters, for the account guard, call limits and logging.
 */
export type UseCases = Omit<Services, 'infra'>;

/** The features this instance's functions use: the first invocation loads these (and what they need) only. */
export function serveFeatures(features: readonly Feature[]): void {
  scope = features;
}

export function services(): Promise<Services> {
  if (current) return Promise.resolve(current);
  // Memoised: concurrent first invocations (concurrency > 1) share one build.
  building ??= Promise.all([import('../composition/cloud.js'), loadFeatures(scope, modules)]).then(
    ([{ cloudServices }]) => (current ??= cloudServices(modules)),
  );
  return building;
}

/** Tests and the local run install services built on other adapters (usually src/composition/memory.ts). */
export function useServices(next: Services | undefined): void {
  current = next;
  building = undefined;
}
