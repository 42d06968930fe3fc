/**
 * `npx tsx scripts/mirror-staff-roles.ts`: copies the caller-role claims (admin, compliance, service) that Firebase Auth
 * holds onto `users/{uid}.staffRoles`, for accounts given roles before the setStaffRoles callable existed (or by an
 * operator through the Admin SDK since). Pages through Auth's listUsers; writes (and audits, as
 * `staff.roles_mirrored`) only profiles whose mirror differs, so a rerun writes nothing (StaffRoles.mirrorFromAuth).
 *
 * Auth and Firestore come from Application Default Credentials, or the emulators (FIREBASE_AUTH_EMULATOR_HOST,
 * FIRESTORE_EMULATOR_HOST).
 */
import { getFirestore } from 'firebase-admin/firestore';
import { FirestoreDocumentStore } from '../src/adapters/firestore/firestoreDocumentStore.js';
import { FirebaseUserAccounts } from '../src/adapters/firebaseAuth/firebaseUserAccounts.js';
import { systemClock } from '../src/adapters/clocks.js';
import { AuditLog } from '../src/app/audit.js';
import { StaffRoles } from '../src/app/identity/staffRoles.js';
import { adminApp } from '../src/composition/cloud.js';

async function main() {
  const store = new FirestoreDocumentStore(() => getFirestore(adminApp()));
  const roles = new StaffRoles(store, new AuditLog(store, systemClock), new FirebaseUserAccounts(adminApp));
  const started = Date.now();
  const { scanned, mirrored } = await roles.mirrorFromAuth();
  console.log(
    `${scanned} Auth accounts read, ${mirrored} profiles' staffRoles written in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

main().catch((error: unknown) => {
  console.error(`✖ mirror-staff-roles failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
