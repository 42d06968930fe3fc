import { getApps, initializeApp } from 'firebase-admin/app';
import { getFirestore } from 'firebase-admin/firestore';

/**
 * Tests that write Firestore directly (rules, adapter contracts, hot documents) use projects of their own on the same
 * emulator. The Functions emulator fires the deployed triggers only for the suite's project (GCLOUD_PROJECT), so their
 * writes never start onMessageCreated & co. on documents those tests then clear, which used to leave the trigger-chain
 * files behind a backlog of failing invocations.
 */
export const RULES_PROJECT = 'demo-craft-rules';
export const ADAPTERS_PROJECT = 'demo-craft-adapters';

/** An Admin SDK Firestore for `projectId` on the running emulator (FIRESTORE_EMULATOR_HOST). */
export function isolatedFirestore(projectId: string = ADAPTERS_PROJECT) {
  const app = getApps().find((a) => a.name === projectId) ?? initializeApp({ projectId }, projectId);
  return getFirestore(app);
}
