import type { Feature, FeatureModules, Services } from '../composition/features.js';
import { FEATURES, loadFeatures } from '../composition/features.js';
import { limitSecretsTo } from '../config.js';

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
  building ??= Promise.all([
    import('../composition/cloud.js'),
    import('./targets.js'),
    loadFeatures(scope, modules),
  ]).then(([{ cloudServices }, { WRAPPER_FEATURES }]) => {
    // From here on a secret this function does not declare is refused by name, not read as unset (config.ts).
    const target = process.env.FUNCTION_TARGET || process.env.K_SERVICE;
    limitSecretsTo(
      declaredSecretsOf(
        target,
        WRAPPER_FEATURES.map(([module]) => module),
      ),
    );
    return (current ??= cloudServices(modules));
  });
  return building;
}

/** Tests and the local run install services built on other adapters (usually src/composition/memory.ts). */
export function useServices(next: Services | undefined): void {
  current = next;
  building = undefined;
}

type WithEndpoint = { __endpoint?: { secretEnvironmentVariables?: readonly { key: string }[] } };

/**
 * The deployed function `target` names (FUNCTION_TARGET, or K_SERVICE: the name in lower case) among the wrapper
 * modules' exports, and the secrets its definition declares, as the deploy reads them
 * (`__endpoint.secretEnvironmentVariables`). Undefined for no target or an unknown one: then secret reads are not
 * limited (tests, npm start, discovery).
 */
export function declaredSecretsOf(
  target: string | undefined,
  wrapperModules: readonly Record<string, unknown>[],
): { fn: string; declared: string[] } | undefined {
  if (!target) return undefined;
  const wanted = target.toLowerCase();
  for (const module of wrapperModules) {
    for (const [name, value] of Object.entries(module)) {
      if (name.toLowerCase() !== wanted) continue;
      try {
        const endpoint = (value as WithEndpoint).__endpoint;
        return { fn: name, declared: (endpoint?.secretEnvironmentVariables ?? []).map((v) => v.key) };
      } catch {
        // A v1 definition builds its endpoint from GCLOUD_PROJECT, which every deployed function has.
        return undefined;
      }
    }
  }
  return undefined;
}
