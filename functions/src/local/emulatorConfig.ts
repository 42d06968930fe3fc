import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** The repo root (functions/src/local → ../../..; the same from functions/lib/local once built). */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

export interface EmulatorPorts {
  projectId: string;
  firestore: string;
  auth: string;
  functions: string;
  pubsub: string;
  storage: string;
  ui: string;
  hub: string;
}

/** Emulator hosts and the demo project, read from firebase.json and .firebaserc so there is one source of truth. */
export function emulatorConfig(root: string = REPO_ROOT): EmulatorPorts {
  const firebase = JSON.parse(readFileSync(resolve(root, 'firebase.json'), 'utf8')) as {
    emulators: Record<string, { host?: string; port?: number } | boolean>;
  };
  const rc = JSON.parse(readFileSync(resolve(root, '.firebaserc'), 'utf8')) as { projects: { default: string } };
  const host = (name: string): string => {
    const entry = firebase.emulators[name];
    if (typeof entry !== 'object' || !entry.port) throw new Error(`firebase.json has no emulators.${name}.port`);
    return `${entry.host ?? '127.0.0.1'}:${entry.port}`;
  };
  return {
    projectId: rc.projects.default,
    firestore: host('firestore'),
    auth: host('auth'),
    functions: host('functions'),
    pubsub: host('pubsub'),
    storage: host('storage'),
    ui: host('ui'),
    hub: host('hub'),
  };
}
