/**
 * One Firebase app for the page, pointed at the emulator suite only. Targets come from Vite's env (VITE_*, see
 * ../.env.example) so the browser tests can point a build at a suite on shifted ports.
 */
import { REGION, callables } from '@craft/client';
import { initializeApp } from 'firebase/app';
import { connectAuthEmulator, getAuth } from 'firebase/auth';
import { connectFirestoreEmulator, getFirestore } from 'firebase/firestore';
import { connectFunctionsEmulator, getFunctions } from 'firebase/functions';
import { connectStorageEmulator, getStorage } from 'firebase/storage';

const env = import.meta.env;
const hostPort = (value: string) => {
  const [host = '127.0.0.1', port = ''] = value.split(':');
  return { host, port: Number(port) };
};

export const config = {
  projectId: env.VITE_PROJECT_ID ?? 'demo-craft-comms',
  auth: env.VITE_AUTH_EMULATOR ?? '127.0.0.1:9099',
  firestore: env.VITE_FIRESTORE_EMULATOR ?? '127.0.0.1:8080',
  functions: env.VITE_FUNCTIONS_EMULATOR ?? '127.0.0.1:5001',
  storage: env.VITE_STORAGE_EMULATOR as string | undefined,
};

// A demo- project never reaches a real one: the SDKs only ever talk to the emulators below.
const app = initializeApp({
  projectId: config.projectId,
  apiKey: 'demo-api-key',
  storageBucket: `${config.projectId}.appspot.com`,
});

export const auth = getAuth(app);
connectAuthEmulator(auth, `http://${config.auth}`, { disableWarnings: true });

export const db = getFirestore(app);
const fs = hostPort(config.firestore);
connectFirestoreEmulator(db, fs.host, fs.port);

const functions = getFunctions(app, REGION);
const fn = hostPort(config.functions);
connectFunctionsEmulator(functions, fn.host, fn.port);
/** Every callable, typed from the functions' schemas (@craft/client). */
export const api = callables(functions);

/** Storage only when its emulator runs (it downloads its rules runtime on start; see README "Tests"). */
export const storage = config.storage
  ? (() => {
      const s = getStorage(app);
      const st = hostPort(config.storage);
      connectStorageEmulator(s, st.host, st.port);
      return s;
    })()
  : null;
