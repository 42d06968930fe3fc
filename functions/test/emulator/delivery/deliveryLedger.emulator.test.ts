import { isolatedFirestore } from '../isolatedProject.js';
import { FirestoreDocumentStore } from '../../../src/adapters/firestore/firestoreDocumentStore.js';
import { deliveryLedgerContract } from '../../contracts/deliveryLedger.contract.js';

/**
 * Channel delivery's claim (one provider call per job, however often Pub/Sub delivers it) and its forward-only status
 * updates (out-of-order Twilio callbacks), decided by Firestore transactions on the emulator
 * (FIRESTORE_EMULATOR_HOST set by `npm run test:emulators`). Same scenarios as the unit tier's in-memory run.
 */
let n = 0;
deliveryLedgerContract('Firestore emulator', async () => ({
  store: new FirestoreDocumentStore(() => isolatedFirestore()),
  run: `${process.pid}-${Date.now()}-${n++}`,
}));
