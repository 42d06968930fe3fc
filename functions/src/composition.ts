import type { Clock, DocumentStore, Logger, Publisher } from './ports.js';

/**
 * The composition root: builds every use case from one set of adapters. `firebaseInfra()` (src/functions/runtime.ts)
 * supplies the Firebase and provider SDK adapters in the cloud and the emulators; `memoryInfra()`
 * (src/adapters/memory/memoryInfra.ts) the in-memory ones in tests and the local run. Features add their use-case
 * factories to `buildServices`, and the adapters they need to `Infra`.
 */
export interface Infra {
  store: DocumentStore;
  publisher: Publisher;
  clock: Clock;
  logger: Logger;
}

export function buildServices(infra: Infra) {
  return {
    infra,
  };
}

export type Services = ReturnType<typeof buildServices>;
