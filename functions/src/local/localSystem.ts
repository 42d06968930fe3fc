import * as deployed from '../index.js';
import { buildServices } from '../composition/services.js';
import type { Services } from '../composition/services.js';
import { connectMemoryBus, memoryInfra } from '../composition/memory.js';
import { useServices } from '../functions/runtime.js';
import { applySeed } from './applySeed.js';
import { emulatorConfig } from './emulatorConfig.js';
import type { Identity } from './localFunctions.js';
import { LocalFunctions } from './localFunctions.js';
import { ObservedStore } from './observedStore.js';
import type { Seed } from './seedData.js';
import { readSeed } from './seedData.js';
import { seedAuthUsers, seedDocuments } from './seedDocuments.js';

/**
 * The whole system in one process, on its embedded default: in-memory store, bus, search index and export storage,
 * sandbox providers that capture what would be sent, a clock the scenario moves, and the deploy surface run as the
 * emulator suite would run it. Seeded from emulator-seed/ through the same seed → documents function as the emulators.
 */
export async function startLocalSystem(options: { now: Date | string; seed?: Seed }) {
  // The demo project, as the emulators would set it (some function definitions read it).
  process.env.GCLOUD_PROJECT ??= emulatorConfig().projectId;
  const base = memoryInfra({ now: options.now });
  const store = new ObservedStore(base.store);
  const infra = { ...base, store };
  const services: Services = buildServices(infra);
  useServices(services);
  connectMemoryBus(services, base.publisher);
  const functions = new LocalFunctions(
    store,
    base.publisher,
    base.clock,
    deployed as unknown as Record<string, unknown>,
  );

  const seed = options.seed ?? (await readSeed());
  const seeded = await applySeed(store, seedDocuments(seed, { now: base.clock.now() }));
  // The seed's documents fire the triggers as they would in the emulators (search indexing, message summaries);
  // seeded messages carry processed markers, so they count and notify nobody twice.
  await functions.settle();

  const claims = new Map(seedAuthUsers(seed).map((u) => [u.uid, u.customClaims as Record<string, unknown>]));
  const as = (uid: string): Identity => {
    if (!claims.has(uid)) throw new Error(`no seeded user ${uid}`);
    return { uid, claims: claims.get(uid)! };
  };

  return {
    infra,
    /** The in-memory store under the observer (for reads in assertions). */
    store: base.store,
    clock: base.clock,
    publisher: base.publisher,
    senders: base.delivery,
    messageIndex: base.messageIndex,
    exportStorage: base.exportStorage,
    services,
    functions,
    seed,
    seeded,
    as,
    stop: () => useServices(undefined),
  };
}

export type LocalSystem = Awaited<ReturnType<typeof startLocalSystem>>;
