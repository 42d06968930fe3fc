/**
 * `npm run seed`: loads emulator-seed/*.json into the running Firestore and Auth emulators through the Admin SDK
 * (users with role claims, profiles, preferences, devices, follows, auctions, orders, conversations, messages).
 * It only ever talks to emulators of the demo project: without a reachable emulator it stops and says how to start one.
 * Loading twice leaves the same data (documents are set whole, Auth users updated in place).
 */
import { deleteApp, initializeApp } from 'firebase-admin/app';
import type { Auth } from 'firebase-admin/auth';
import { getAuth } from 'firebase-admin/auth';
import { getFirestore } from 'firebase-admin/firestore';
import { FirestoreDocumentStore } from '../adapters/firestore/firestoreDocumentStore.js';
import { applySeed } from './applySeed.js';
import { emulatorConfig } from './emulatorConfig.js';
import { DEFAULT_SEED_DIR, readSeed } from './seedData.js';
import type { SeedAuthUser } from './seedDocuments.js';
import { seedAuthUsers, seedDocuments } from './seedDocuments.js';
import { errorText } from '../domain/errors.js';

async function reachable(host: string): Promise<boolean> {
  try {
    await fetch(`http://${host}/`, { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

async function upsertAuthUser(auth: Auth, user: SeedAuthUser): Promise<void> {
  const { uid, customClaims, ...profile } = user;
  try {
    await auth.updateUser(uid, profile);
  } catch (error) {
    if ((error as { code?: string }).code !== 'auth/user-not-found') throw error;
    await auth.createUser({ uid, ...profile });
  }
  await auth.setCustomUserClaims(uid, customClaims);
}

export async function seedEmulators(dir = DEFAULT_SEED_DIR): Promise<void> {
  const config = emulatorConfig();
  // Point the Admin SDK at the emulators (an explicit environment wins, e.g. inside `firebase emulators:exec`).
  process.env.FIRESTORE_EMULATOR_HOST ??= config.firestore;
  process.env.FIREBASE_AUTH_EMULATOR_HOST ??= config.auth;
  process.env.GCLOUD_PROJECT ??= config.projectId;
  const projectId = process.env.GCLOUD_PROJECT;
  if (!projectId.startsWith('demo-')) {
    throw new Error(`refusing to seed project "${projectId}": the seed is for demo- projects in the emulators only`);
  }
  for (const [name, host] of [
    ['Firestore', process.env.FIRESTORE_EMULATOR_HOST],
    ['Auth', process.env.FIREBASE_AUTH_EMULATOR_HOST],
  ] as const) {
    if (!(await reachable(host))) {
      throw new Error(
        `the ${name} emulator is not reachable at ${host}. Start the suite with \`npm run emulators\` (it seeds too), or run the system without Java: \`npm start\`.`,
      );
    }
  }

  const seed = await readSeed(dir);
  const started = Date.now();
  const app = initializeApp({ projectId }, 'seed');
  try {
    const store = new FirestoreDocumentStore(() => getFirestore(app));
    const { documents } = await applySeed(store, seedDocuments(seed, { now: new Date() }));
    const users = seedAuthUsers(seed);
    const auth = getAuth(app);
    for (const user of users) await upsertAuthUser(auth, user);
    console.log(
      `✔ seeded ${documents} documents into Firestore (${process.env.FIRESTORE_EMULATOR_HOST}) and ${users.length} Auth users ` +
        `(${process.env.FIREBASE_AUTH_EMULATOR_HOST}) in ${Date.now() - started} ms, project ${projectId}`,
    );
  } finally {
    await deleteApp(app);
  }
}

if (require.main === module) {
  seedEmulators(process.argv[2]).catch((error: unknown) => {
    console.error(`✖ seed failed: ${errorText(error)}`);
    process.exit(1);
  });
}
