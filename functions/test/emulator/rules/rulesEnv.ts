import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RulesTestContext, RulesTestEnvironment } from '@firebase/rules-unit-testing';
import { initializeTestEnvironment } from '@firebase/rules-unit-testing';
import type { Firestore } from 'firebase/firestore';
import type { FirebaseStorage } from 'firebase/storage';

// vitest runs from functions/; the rules sit at the repository root next to firebase.json.
const ROOT = resolve('..');
export const PROJECT_ID = process.env.GCLOUD_PROJECT ?? 'demo-craft-comms';

function hostPort(envVar: string, fallback: string): { host: string; port: number } {
  const [host, port] = (process.env[envVar] ?? fallback).split(':');
  return { host: host ?? '127.0.0.1', port: Number(port) };
}

/** A rules test environment over the running emulators with this repository's firestore.rules and storage.rules. */
export function rulesEnvironment(): Promise<RulesTestEnvironment> {
  return initializeTestEnvironment({
    projectId: PROJECT_ID,
    firestore: { rules: readFileSync(resolve(ROOT, 'firestore.rules'), 'utf8'), ...hostPort('FIRESTORE_EMULATOR_HOST', '127.0.0.1:8080') },
    storage: { rules: readFileSync(resolve(ROOT, 'storage.rules'), 'utf8'), ...hostPort('FIREBASE_STORAGE_EMULATOR_HOST', '127.0.0.1:9199') },
  });
}

// rules-unit-testing hands out the compat instances; the modular API accepts them (it unwraps compat objects).
export const firestoreOf = (ctx: RulesTestContext) => ctx.firestore() as unknown as Firestore;
export const storageOf = (ctx: RulesTestContext) => ctx.storage() as unknown as FirebaseStorage;
