import { MemoryDocumentStore } from '../../../src/adapters/memory/memoryDocumentStore.js';
import { deliveryLedgerContract } from '../../contracts/deliveryLedger.contract.js';

// The same scenarios run on Firestore in the emulator tier (test/emulator/delivery/deliveryLedger.emulator.test.ts).
let run = 0;
deliveryLedgerContract('memory', async () => ({ store: new MemoryDocumentStore(), run: String(run++) }));
