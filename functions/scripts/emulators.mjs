// `npm run emulators`: builds the functions, starts the Firebase emulator suite (firebase.json, demo project) and loads
// emulator-seed/ into it, so a Flutter or web app can point at it. Where Java 21 is missing it says so, what to install,
// and that `npm start` runs the whole system without it; then it exits non-zero.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emulatorTierUnavailable, REQUIRED_JAVA } from './emulatorSupport.mjs';

const functionsDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(functionsDir, '..');
const firebaseJson = JSON.parse(readFileSync(resolve(root, 'firebase.json'), 'utf8'));
const projectId = JSON.parse(readFileSync(resolve(root, '.firebaserc'), 'utf8')).projects.default;
const emulators = firebaseJson.emulators;
const at = (name) => `${emulators[name].host ?? '127.0.0.1'}:${emulators[name].port}`;

// firebase-tools downloads the emulator jars itself on first start (it needs to reach Google for that); Java it cannot.
const reason = emulatorTierUnavailable({ requireJars: false });
if (reason) {
  console.error(`✖ cannot start the Firebase emulator suite: ${reason}.`);
  console.error(`  Install a JDK ${REQUIRED_JAVA} and put it first on PATH, e.g. \`sudo apt-get install openjdk-${REQUIRED_JAVA}-jre-headless\`,`);
  console.error(`  \`brew install openjdk@${REQUIRED_JAVA}\` or Temurin ${REQUIRED_JAVA} from https://adoptium.net, then run \`npm run emulators\` again.`);
  console.error('  Without Java 21, `npm start` runs the whole system in-process: in-memory adapters, sandbox providers, the end-to-end scenario.');
  process.exit(1);
}

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
console.log('▶ building functions');
const build = spawnSync(npx, ['tsc', '-p', 'tsconfig.build.json'], { cwd: functionsDir, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

console.log(`▶ starting the emulator suite for ${projectId}`);
const suite = spawn(npx, ['firebase', 'emulators:start', '--config', resolve(root, 'firebase.json'), '--project', projectId], {
  cwd: root,
  stdio: 'inherit',
});
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopping = true;
    suite.kill(signal);
  });
}
suite.on('exit', (code, signal) => {
  if (!stopping) console.error(`✖ the emulator suite stopped (${signal ?? `exit ${code}`})`);
  process.exit(stopping ? 0 : (code ?? 1));
});

// The hub lists the emulators that are up; seed once Firestore and Auth are among them.
async function waitForEmulators(names, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`http://${at('hub')}/emulators`, { signal: AbortSignal.timeout(2000) });
      const running = await response.json();
      if (names.every((name) => running[name])) return true;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  return false;
}

if (!(await waitForEmulators(['firestore', 'auth'], 180_000))) {
  console.error('✖ Firestore and Auth emulators did not come up within 3 minutes; see the emulator output above.');
  suite.kill('SIGINT');
  process.exit(1);
}
const seeded = spawnSync(process.execPath, [resolve(functionsDir, 'lib/local/seed.js')], {
  cwd: functionsDir,
  stdio: 'inherit',
  env: { ...process.env, FIRESTORE_EMULATOR_HOST: at('firestore'), FIREBASE_AUTH_EMULATOR_HOST: at('auth'), GCLOUD_PROJECT: projectId },
});
if (seeded.status !== 0) console.error('✖ seeding failed (the suite keeps running; fix the seed and run `npm run seed`).');

console.log(`
Emulators of ${projectId} are running with the seed loaded:
  Emulator UI  http://${at('ui')}
  Auth         ${at('auth')}       Firestore  ${at('firestore')}    Functions  ${at('functions')}
  Pub/Sub      ${at('pubsub')}       Storage    ${at('storage')}
Point an app at them with connectAuthEmulator / connectFirestoreEmulator / connectFunctionsEmulator (see README).
Ctrl+C stops the suite.`);
