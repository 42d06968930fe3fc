// Can the Firestore and Pub/Sub emulators start here? They need Java >= 21 and their jars, which firebase-tools
// downloads from Google on first use (this machine's network reaches only the npm and Debian registries).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const REQUIRED_JAVA = 21;

export function javaMajor() {
  const out = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (out.error) return undefined;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${out.stderr}${out.stdout}`);
  if (!match) return undefined;
  const major = Number(match[1]);
  return major === 1 ? Number(match[2]) : major;
}

function emulatorJarsPresent() {
  const dir = join(homedir(), '.cache', 'firebase', 'emulators');
  if (!existsSync(dir)) return false;
  const files = readdirSync(dir);
  return files.some((f) => f.startsWith('cloud-firestore-emulator')) && files.some((f) => f.startsWith('pubsub-emulator'));
}

/** Returns undefined when the emulator tier can run, or the reason it cannot. */
export function emulatorTierUnavailable({ requireJars = true } = {}) {
  const java = javaMajor();
  if (java === undefined) return `no Java on PATH (the Firestore and Pub/Sub emulators need Java ${REQUIRED_JAVA}+)`;
  if (java < REQUIRED_JAVA) return `Java ${java} found, the Firestore and Pub/Sub emulators need Java ${REQUIRED_JAVA}+`;
  if (requireJars && !emulatorJarsPresent()) {
    return 'emulator downloads missing from ~/.cache/firebase/emulators (run `npx firebase setup:emulators:firestore` and `setup:emulators:pubsub` where Google is reachable)';
  }
  return undefined;
}
