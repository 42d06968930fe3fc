// `npm run test:emulators`: security rules, Firestore adapters and trigger chains against the Firebase emulator suite.
// Fails loudly where it cannot run; it never passes without having run.
import { spawnSync } from 'node:child_process';
import { emulatorTierUnavailable } from './emulatorSupport.mjs';

// firebase-tools downloads missing emulator jars itself when it can reach Google, so only Java is a hard requirement.
const reason = emulatorTierUnavailable({ requireJars: false });
if (reason) {
  console.error(`✖ emulator tier cannot run: ${reason}.`);
  console.error('  Install a JDK 21 (e.g. `apt-get install openjdk-21-jre-headless` or Temurin 21) and put it first on PATH.');
  process.exit(1);
}

const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const result = spawnSync(
  'npx',
  ['firebase', 'emulators:exec', '--config', '../firebase.json', '--only', 'auth,firestore,functions,pubsub,storage',
    'npx vitest run --project emulator'],
  { stdio: 'inherit', env: { ...process.env, GCLOUD_PROJECT: 'demo-craft-comms' } },
);
process.exit(result.status ?? 1);
