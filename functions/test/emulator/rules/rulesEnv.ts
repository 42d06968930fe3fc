import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RulesTestContext, RulesTestEnvironment } from '@firebase/rules-unit-testing';
import { initializeTestEnvironment } from '@firebase/rules-unit-testing';
import type { DocumentData, Firestore } from 'firebase/firestore';
import { deleteDoc, doc, setDoc } from 'firebase/firestore';
import { afterAll, beforeAll } from 'vitest';
import type { FirebaseStorage } from 'firebase/storage';
import { RULES_PROJECT } from '../isolatedProject.js';

// vitest runs from functions/; the rules sit at the repository root next to firebase.json.
const ROOT = resolve('..');
export const PROJECT_ID = RULES_PROJECT;

function hostPort(envVar: string, fallback: string): { host: string; port: number } {
  const [host, port] = (process.env[envVar] ?? fallback).split(':');
  return { host: host ?? '127.0.0.1', port: Number(port) };
}

const firestoreConfig = () => ({
  rules: readFileSync(resolve(ROOT, 'firestore.rules'), 'utf8'),
  ...hostPort('FIRESTORE_EMULATOR_HOST', '127.0.0.1:8080'),
});

/** A rules test environment over the running Firestore emulator with this repository's firestore.rules. */
export function rulesEnvironment(): Promise<RulesTestEnvironment> {
  return initializeTestEnvironment({ projectId: PROJECT_ID, firestore: firestoreConfig() });
}

/**
 * A rules file over seeded documents: before its tests the environment is made (handed to `ready`) and `seed` written
 * with the rules off; after them the seed and `alsoDelete` (documents the tests create) are deleted and the
 * environment cleaned up, so files sharing the emulator leave nothing behind for each other.
 */
export function seededRules(
  seed: Record<string, DocumentData>,
  ready: (env: RulesTestEnvironment) => void,
  alsoDelete: readonly string[] = [],
): void {
  let env: RulesTestEnvironment | undefined;
  beforeAll(async () => {
    env = await rulesEnvironment();
    ready(env);
    await env.withSecurityRulesDisabled(async (ctx) => {
      for (const [path, data] of Object.entries(seed)) await setDoc(doc(ctx.firestore(), path), data);
    });
  });
  afterAll(async () => {
    await env?.withSecurityRulesDisabled(async (ctx) => {
      for (const path of [...Object.keys(seed), ...alsoDelete]) await deleteDoc(doc(ctx.firestore(), path));
    });
    await env?.cleanup();
  });
}

/**
 * Why the Storage emulator tier is skipped, or undefined when it runs. firebase-tools' Storage emulator downloads its
 * rules runtime from Google on start, which this machine image cannot reach, so the suite starts without Storage and
 * emulators:exec sets FIREBASE_STORAGE_EMULATOR_HOST only for emulators it started.
 */
export const storageSkipReason: string | undefined = process.env.FIREBASE_STORAGE_EMULATOR_HOST
  ? undefined
  : 'the Storage emulator is not running (it downloads its rules runtime from Google, unreachable here)';

/** Firestore and Storage together, for storage.rules (cross-service membership reads). */
export function storageRulesEnvironment(): Promise<RulesTestEnvironment> {
  return initializeTestEnvironment({
    projectId: PROJECT_ID,
    firestore: firestoreConfig(),
    storage: {
      rules: readFileSync(resolve(ROOT, 'storage.rules'), 'utf8'),
      ...hostPort('FIREBASE_STORAGE_EMULATOR_HOST', '127.0.0.1:9199'),
    },
  });
}

// rules-unit-testing hands out the compat instances; the modular API accepts them (it unwraps compat objects).
export const firestoreOf = (ctx: RulesTestContext) => ctx.firestore() as unknown as Firestore;
export const storageOf = (ctx: RulesTestContext) => ctx.storage() as unknown as FirebaseStorage;
