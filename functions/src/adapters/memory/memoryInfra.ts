import type { Infra } from '../../composition.js';
import { ManualClock } from '../clocks.js';
import { MemoryDocumentStore } from './memoryDocumentStore.js';
import { MemoryLogger } from './memoryLogger.js';
import { memoryDelivery } from './memoryDelivery.js';
import { MemoryMessageIndex } from './memoryMessageIndex.js';
import { MemoryObjectStorage } from './memoryObjectStorage.js';
import { MemoryUserAccounts } from './memoryUserAccounts.js';
import { MemoryPublisher } from './memoryPublisher.js';

/** Infra on in-memory adapters, for tests and the local run. The concrete types stay visible for assertions. */
export function memoryInfra(options: { now?: Date | string } = {}) {
  return {
    store: new MemoryDocumentStore(),
    publisher: new MemoryPublisher(),
    clock: new ManualClock(options.now),
    logger: new MemoryLogger(),
    messageIndex: new MemoryMessageIndex(),
    exportStorage: new MemoryObjectStorage(),
    accounts: new MemoryUserAccounts(),
    delivery: memoryDelivery(),
  } satisfies Infra;
}

export type MemoryInfra = ReturnType<typeof memoryInfra>;
