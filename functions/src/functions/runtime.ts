import type { Services } from '../composition/services.js';
import { cloudServices } from '../composition/cloud.js';

/**
 * The wrappers' handle on the use cases: built once per instance, on the first invocation, by the composition root
 * (src/composition/cloud.ts). Importing the deploy surface initialises nothing (cold starts stay fast, and a function
 * never pays for an SDK it does not use).
 */
let current: Services | undefined;

/**
 * What a wrapper's handler gets: the use cases, without the adapters (`infra`). Only the helpers (callable.ts,
 * triggers.ts, webhooks.ts) see the adapters, for the account guard, call limits and logging.
 */
export type UseCases = Omit<Services, 'infra'>;

export function services(): Services {
  current ??= cloudServices();
  return current;
}

/** Tests and the local run install services built on other adapters (usually src/composition/memory.ts). */
export function useServices(next: Services | undefined): void {
  current = next;
}
