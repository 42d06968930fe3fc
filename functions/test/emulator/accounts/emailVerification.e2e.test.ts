import { deleteApp, initializeApp } from 'firebase/app';
import type { Auth } from 'firebase/auth';
import {
  applyActionCode,
  connectAuthEmulator,
  createUserWithEmailAndPassword,
  getAuth,
  sendEmailVerification,
  updateEmail,
} from 'firebase/auth';
import { connectFunctionsEmulator, getFunctions, httpsCallable } from 'firebase/functions';
import { getFirestore } from 'firebase-admin/firestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FirestoreDocumentStore } from '../../../src/adapters/firestore/firestoreDocumentStore.js';
import { adminApp } from '../../../src/composition/cloud.js';
import { deliveryId } from '../../../src/domain/delivery.js';
import { paths } from '../../../src/domain/paths.js';
import { REGION } from '../../../src/functions/options.js';
import { functionsEmulatorOrigin } from '../../../src/local/sandbox/schedules.js';
import { eventually, outbox, useTriggerChains } from '../../support/fakes/emulatorChain.js';

/**
 * Issue 15's "done when", as a real app would do it, through the Auth, Firestore, Functions and Pub/Sub emulators
 * with the sandbox SendGrid: a user signs up with email and password (the JS SDK on the Auth emulator), the app
 * creates the profile, and onUserProfileWritten copies Auth's address, unverified, so an email-worthy notification is
 * suppressed. The user opens the verification link (the Auth emulator's oob code, applied by the SDK), the app reloads
 * the user and calls refreshEmailStatus: the next notification arrives in the sandbox outbox. The user then changes
 * the address (unverified in Auth); after the app's refresh, the next notification goes to neither address.
 */
const store = new FirestoreDocumentStore(() => getFirestore(adminApp()));
const run = `${process.pid}${Date.now().toString(36)}`;
const CHAIN_MS = 150_000;
const PROJECT = process.env.GCLOUD_PROJECT!;

let app: ReturnType<typeof initializeApp>;
let auth: Auth;

beforeAll(async () => {
  app = initializeApp({ projectId: PROJECT, apiKey: 'demo-api-key' }, `email-verification-${run}`);
  auth = getAuth(app);
  connectAuthEmulator(auth, `http://${process.env.FIREBASE_AUTH_EMULATOR_HOST}`, { disableWarnings: true });
});
afterAll(async () => {
  await deleteApp(app);
});

async function refreshEmailStatus() {
  const origin = new URL(await functionsEmulatorOrigin());
  const functions = getFunctions(app, REGION);
  connectFunctionsEmulator(functions, origin.hostname, Number(origin.port));
  return (await httpsCallable(functions, 'refreshEmailStatus')({})).data as {
    email: string | null;
    emailVerified: boolean;
    changed: boolean;
  };
}

/** The Auth emulator's out-of-band codes (what the verification email would link to). */
async function oobCode(email: string, requestType: string): Promise<string> {
  const response = await fetch(
    `http://${process.env.FIREBASE_AUTH_EMULATOR_HOST}/emulator/v1/projects/${PROJECT}/oobCodes`,
  );
  const { oobCodes } = (await response.json()) as {
    oobCodes: Array<{ email: string; requestType: string; oobCode: string }>;
  };
  const code = oobCodes.filter((c) => c.email === email && c.requestType === requestType).pop();
  if (!code) throw new Error(`no ${requestType} code for ${email}`);
  return code.oobCode;
}

/** An outbid alert for `uid` (email is one of its channels) and where its email went. */
async function outbid(uid: string, step: string) {
  const eventId = `verify-${step}-${run}`;
  await store.set(paths.event(eventId), {
    type: 'auction.bid_placed',
    idempotencyKey: `verify-${step}-${run}`,
    occurredAt: new Date(),
    payload: {
      auctionId: `a-${step}`,
      auctionTitle: `Walnut bowl ${step}`,
      sellerId: `seller-${run}`,
      bidderId: 'b2',
      bidderName: 'Ana',
      amount: 120,
      currency: 'USD',
      previousBidderId: uid,
    },
  });
  return deliveryId(eventId, uid, 'email');
}

describe('email verification in Firebase Auth reaches email delivery (auth + functions emulators)', () => {
  useTriggerChains();

  it(
    'unverified: suppressed; verified and refreshed: delivered; changed to an unverified address: sent to neither',
    async () => {
      const email = `maker-${run}@studio.example`;
      const { user } = await createUserWithEmailAndPassword(auth, email, 'walnut-and-linen-42');
      const uid = user.uid;
      // The app creates the profile after sign-up (the rules let it write `email`, never `emailVerified`).
      await store.set(paths.user(uid), { displayName: 'Mara Maker', email, timeZone: 'UTC', locale: 'en' });
      await store.set(paths.preferences(uid), { quietHours: { enabled: false } });
      const synced = await eventually(
        'the profile synced from Auth',
        async () => (await store.get(paths.user(uid))).data,
        (d) => d?.emailVerified === false,
        CHAIN_MS,
      );
      expect(synced).toMatchObject({ email, emailVerified: false, emailSyncedAt: expect.any(Date) });

      const first = await outbid(uid, 'unverified');
      const suppressed = await eventually(
        'the unverified email suppressed',
        () => store.get(paths.delivery(first)),
        (s) => s.exists,
        CHAIN_MS,
      );
      expect(suppressed.data).toMatchObject({ status: 'suppressed' });
      expect(JSON.stringify(suppressed.data)).toContain('unverified_email');

      // The link in Firebase's verification email, applied as the web page it opens would; then the app refreshes.
      await sendEmailVerification(user);
      await applyActionCode(auth, await oobCode(email, 'VERIFY_EMAIL'));
      await user.reload();
      expect(user.emailVerified).toBe(true);
      await user.getIdToken(true);
      await expect(refreshEmailStatus()).resolves.toEqual({ uid, email, emailVerified: true, changed: true });

      const second = await outbid(uid, 'verified');
      const [mail] = await eventually(
        'the email in the sandbox SendGrid',
        () => outbox('email', { deliveryId: second }),
        (c) => c.length === 1,
        CHAIN_MS,
      );
      expect(mail).toMatchObject({ to: email, status: 202 });
      expect(JSON.stringify(mail!.request)).toContain('Walnut bowl verified');

      // A new address: Auth holds it unverified; after the app's refresh the profile says so, and mail stops.
      const changed = `maker-new-${run}@studio.example`;
      await updateEmail(user, changed);
      await user.reload();
      expect(user.emailVerified).toBe(false);
      await expect(refreshEmailStatus()).resolves.toMatchObject({ email: changed, emailVerified: false });

      const third = await outbid(uid, 'changed');
      const after = await eventually(
        'the changed address suppressed',
        () => store.get(paths.delivery(third)),
        (s) => s.exists,
        CHAIN_MS,
      );
      expect(after.data).toMatchObject({ status: 'suppressed' });
      expect(await outbox('email', { deliveryId: third })).toEqual([]);
      expect(await outbox('email', { to: changed })).toEqual([]);
      expect((await outbox('email', { to: email })).map((c) => c.deliveryId)).toEqual([second]);
    },
    CHAIN_MS * 4,
  );
});
