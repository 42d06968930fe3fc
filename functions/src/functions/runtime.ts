import type { Services } from '../composition/services.js';

/**
 * The wrappers' handle on the use cases: built once per instance, on the first invocation, by the composition root
 * (src/composition/cloud.ts). The composition root, every use case, zod and the provider SDKs are loaded by that first
 * invocation (a dynamic import), not when the deploy surface is imported: the Firebase CLI's discovery and every
 * instance's cold start load only the function definitions (bench/coldStart.ts measures both).
 */
let current: Services | undefined;
let building: Promise<Services> | undefined;

/**
 * What a wrapper's handler gets: the use cases, without the adapters (`infra`). Only the helpers (callable.ts,
 * triggers.ts, events.ts) see the adapters, for the account guard, call limits and logging.
 */
export type UseCases = Omit<Services, 'infra'>;

export function services(): Promise<Services> {
  if (current) return Promise.resolve(current);
  // Memoised: concurrent first invocations (concurrency > 1) share one build.
  building ??= import('../composition/cloud.js').then(({ cloudServices }) => (current ??= cloudServices()));
  return building;
}

/** Tests and the local run install services built on other adapters (usually src/composition/memory.ts). */
export function useServices(next: Services | undefined): void {
  current = next;
  building = undefined;
}
