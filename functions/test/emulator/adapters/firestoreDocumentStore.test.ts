import { getFirestore } from 'firebase-admin/firestore';
import { FirestoreDocumentStore } from '../../../src/adapters/firestore/firestoreDocumentStore.js';
import { adminApp } from '../../../src/functions/runtime.js';
import { documentStoreContract } from '../../contracts/documentStore.contract.js';

// Runs against the Firestore emulator (FIRESTORE_EMULATOR_HOST set by `firebase emulators:exec`).
let run = 0;
documentStoreContract('Firestore emulator', async () => ({
  store: new FirestoreDocumentStore(() => getFirestore(adminApp())),
  root: `contract-${process.pid}-${Date.now()}-${run++}`,
}));
