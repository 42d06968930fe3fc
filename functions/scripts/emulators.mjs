// `npm run emulators`: builds the functions, starts the sandbox providers (FCM, Twilio, SendGrid, Algolia, export
// storage) and the Firebase emulator suite (firebase.json, demo project) with the functions pointed at the sandbox,
// loads emulator-seed/ into it and says where everything is, so a Flutter or web app can point at it.
// It checks everything it needs first and fails naming what is missing and how to get it: Java 21+, the Firestore and
// Pub/Sub emulators, free ports. It seeds and announces only a suite it started itself: it waits for its own
// firebase-tools to say the suite is ready and checks that the hub answering on the port is that process.
//   EMULATOR_PORT_OFFSET=10 npm run emulators     (every port + 10, e.g. beside a test run; 0, 10, ..., 90)
//   EMULATORS_ONLY=auth,firestore npm run emulators
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  clientEnvironment,
  emulatorRuntime,
  FUNCTIONS_DIR,
  REQUIRED_JAVA,
  ROOT,
  suiteConfig,
  takenPorts,
} from './emulatorSupport.mjs';
import { sandboxAddress, startSandbox } from './sandboxSupport.mjs';

const fail = (lines) => {
  for (const [i, line] of lines.entries()) console.error(i === 0 ? `✖ ${line}` : `  ${line}`);
  process.exit(1);
};
const offset = Number(process.env.EMULATOR_PORT_OFFSET ?? 0);

// ── what the suite needs on this machine ──
const runtime = emulatorRuntime();
if (runtime.reason) {
  const java = /Java/.test(runtime.reason);
  fail([
    `cannot start the Firebase emulator suite: ${runtime.reason}.`,
    java
      ? `Install a JDK ${REQUIRED_JAVA}+: \`sudo apt-get install openjdk-${REQUIRED_JAVA}-jre-headless\`, \`brew install openjdk@${REQUIRED_JAVA}\` or Temurin from https://adoptium.net (or set JAVA_HOME to one).`
      : 'Install them: `sudo apt-get install google-cloud-cli-firestore-emulator google-cloud-cli-pubsub-emulator`, or let firebase-tools download them once where Google is reachable (`npx firebase setup:emulators:firestore`, `npx firebase setup:emulators:pubsub`).',
    'Then run `npm run emulators` again. Meanwhile `npm start` runs the whole system in-process (in-memory adapters, sandbox providers, the end-to-end scenario).',
  ]);
}

// Storage (its rules runtime) and the Emulator UI are downloads firebase-tools makes on first start; where they are not
// in its cache and Google cannot be reached they would stop the whole suite, so they are left out, saying so.
function downloaded(name) {
  const saved = { ...process.env };
  Object.assign(process.env, runtime.env);
  try {
    const firebaseTools = createRequire(join(FUNCTIONS_DIR, 'package.json'))(
      'firebase-tools/lib/emulator/downloadableEmulators',
    );
    const details = firebaseTools.getDownloadDetails(name);
    return existsSync(details.binaryPath ?? details.downloadPath);
  } catch {
    return true; // firebase-tools changed: let it try
  } finally {
    process.env = saved;
  }
}
const notes = [];
let only = (process.env.EMULATORS_ONLY ?? 'auth,firestore,functions,pubsub,storage')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
if (only.includes('storage') && !downloaded('storage')) {
  only = only.filter((name) => name !== 'storage');
  notes.push(
    'Storage emulator left out: its rules runtime is not in ~/.cache/firebase/emulators (firebase-tools downloads it from Google: `npx firebase setup:emulators:storage`); exports go to the sandbox storage instead.',
  );
}
const withUi = downloaded('ui');
if (!withUi)
  notes.push(
    'Emulator UI left out: it is not in ~/.cache/firebase/emulators (firebase-tools downloads it from Google: `npx firebase setup:emulators:ui`). Use the sandbox outbox and the Admin/client SDKs instead.',
  );

const config = suiteConfig(offset);
const suite = JSON.parse(readFileSync(config.path, 'utf8'));
let configPath = config.path;
if (!withUi) {
  suite.emulators.ui = { ...suite.emulators.ui, enabled: false };
  configPath = join(ROOT, `.firebase.emulators-${offset}-dev.json`);
  writeFileSync(configPath, `${JSON.stringify(suite, null, 2)}\n`);
}

// ── ports: every one this run will listen on must be free ──
const sandboxAt = sandboxAddress(config);
const wanted = { sandbox: sandboxAt };
const always = new Set(['hub', 'logging', 'eventarc', 'tasks']);
for (const [name, at] of Object.entries(config.ports)) {
  if (always.has(name) || only.includes(name)) wanted[name] = at;
  else if (name === 'firestoreWebsocket' && only.includes('firestore')) wanted[name] = at;
  else if (name === 'ui' && withUi) wanted['Emulator UI'] = at; // takenPorts() skips the key `ui` (exec starts none)
}
const taken = await takenPorts(wanted);
if (taken.length > 0) {
  fail([
    `cannot start the emulator suite: port(s) in use: ${taken.join(', ')}.`,
    'Another emulator suite (or `npm run emulators`) may be running: stop it (Ctrl+C in its terminal; `lsof -i :<port>` names the process),',
    `or start this one beside it with every port shifted: EMULATOR_PORT_OFFSET=10 npm run emulators (0, 10, ..., 90; now ${offset}).`,
  ]);
}

// ── build, sandbox, suite ──
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
console.log('▶ building functions');
const build = spawnSync(npx, ['tsc', '-p', 'tsconfig.build.json'], { cwd: FUNCTIONS_DIR, stdio: 'inherit' });
if (build.status !== 0)
  fail(['the functions do not build (TypeScript errors above); fix them and run `npm run emulators` again.']);

const outDir = join(ROOT, 'out', 'sandbox');
let sandbox;
try {
  sandbox = await startSandbox({ ...sandboxAt, outDir });
} catch (error) {
  fail([`cannot start the sandbox providers on ${sandboxAt.host}:${sandboxAt.port}: ${error.message}.`]);
}
for (const note of notes) console.log(`⚠ ${note}`);
console.log(
  `▶ sandbox providers at ${sandbox.url}; starting the emulator suite for ${config.projectId} (${only.join(', ')})`,
);

// firebase-tools itself as our child (no npx in between): Ctrl+C and SIGTERM reach it, and its hub's pid is this child's.
const firebaseBin = createRequire(join(FUNCTIONS_DIR, 'package.json')).resolve('firebase-tools/lib/bin/firebase.js');
const child = spawn(
  process.execPath,
  [firebaseBin, 'emulators:start', '--config', configPath, '--project', config.projectId, '--only', only.join(',')],
  {
    cwd: FUNCTIONS_DIR,
    stdio: ['inherit', 'pipe', 'pipe'],
    env: { ...runtime.env, ...sandbox.env, GCLOUD_PROJECT: config.projectId },
  },
);

// Our firebase-tools says when the suite is ready; its output also names an emulator that could not start.
// eslint-disable-next-line no-control-regex -- ANSI colour codes in firebase-tools output
const ANSI = /\x1b\[[0-9;]*m/g;
let ready;
const readyPromise = new Promise((resolve) => (ready = resolve));
const failures = [];
for (const [stream, sink] of [
  [child.stdout, process.stdout],
  [child.stderr, process.stderr],
]) {
  let pending = '';
  stream.on('data', (chunk) => {
    sink.write(chunk);
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const raw of lines) {
      const line = raw.replace(ANSI, '');
      if (line.includes('All emulators ready')) ready(true);
      if (/Could not start|has exited|Failed to|Error:|port .* (is )?(taken|in use)|not available/i.test(line))
        failures.push(line.trim());
    }
  });
}

let stopping = false;
async function stopAll(code) {
  stopping = true;
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGINT');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  await sandbox.stop();
  process.exit(code);
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => void stopAll(0));
child.on('exit', (code, signal) => {
  if (stopping) return;
  ready(false);
  console.error(`\n✖ the emulator suite stopped (${signal ?? `exit ${code}`}).`);
  for (const line of failures.slice(-5)) console.error(`  ${line}`);
  console.error(
    `  ${failures.length === 0 ? 'See its output above for the emulator that failed; ' : ''}logs: functions/firebase-debug.log, firestore-debug.log, pubsub-debug.log.`,
  );
  void sandbox.stop().then(() => process.exit(code || 1));
});

const timer = setTimeout(() => ready(false), 5 * 60_000);
const started = await readyPromise;
clearTimeout(timer);
if (!started) {
  if (!stopping && child.exitCode === null) {
    console.error('✖ the emulator suite did not report ready within 5 minutes; stopping it. See its output above.');
    await stopAll(1);
  }
  await new Promise(() => {}); // the exit handler ends the process
}

// The hub answering on our port must be the firebase-tools we started, not another suite on the same ports.
const locator = await fetch(`http://${config.at('hub')}/`, { signal: AbortSignal.timeout(5_000) })
  .then((r) => r.json())
  .catch(() => undefined);
if (Number(locator?.pid) !== child.pid) {
  console.error(
    `✖ the emulator hub at ${config.at('hub')} is ${locator ? `process ${locator.pid}, not the suite this run started (${child.pid})` : 'not answering'}; not seeding it.`,
  );
  await stopAll(1);
}

// ── seed, then say where everything is ──
const clients = clientEnvironment(config);
const seeded = spawnSync(process.execPath, [join(FUNCTIONS_DIR, 'lib/local/seed.js')], {
  cwd: FUNCTIONS_DIR,
  stdio: 'inherit',
  env: { ...process.env, ...clients },
});
if (seeded.status !== 0)
  console.error('✖ seeding failed (the suite keeps running; fix the seed and run `npm run seed`).');

const at = (name) => (config.ports[name] && only.includes(name) ? config.at(name) : 'not started');
console.log(`
Emulators of ${config.projectId} are running${seeded.status === 0 ? ' with the seed loaded' : ''}:
  Emulator UI  ${withUi ? `http://${config.at('ui')}` : 'not started'}
  Auth         ${at('auth')}       Firestore  ${at('firestore')}    Functions  ${at('functions')}
  Pub/Sub      ${at('pubsub')}       Storage    ${at('storage')}
Sandbox providers (FCM, Twilio, SendGrid, Algolia, export storage): ${sandbox.url}
  what the functions sent:  ${sandbox.url}/outbox  (/outbox/push, /sms, /verify, /email, /search; ?deliveryId=)
  as files:                 ${outDir}/{push,sms,email,verify}/   search records: ${sandbox.url}/search/messages
Scheduled functions do not fire here on their own: npm run schedule -- releaseNotificationDigests | retentionDaily
Point an app at the emulators with connectAuthEmulator / connectFirestoreEmulator / connectFunctionsEmulator (README).
Ctrl+C stops the suite and the sandbox.`);
