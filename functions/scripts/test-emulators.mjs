// `npm run test:emulators [-- vitest args]`: security rules, Firestore adapters, the delivery ledger, trigger chains
// and scheduled functions against the Firebase emulator suite (Auth, Firestore, Functions, Pub/Sub), with the
// functions delivering to the sandbox providers (scripts/sandboxSupport.mjs) instead of FCM, Twilio, SendGrid, Algolia.
// Fails loudly where it cannot run; it never passes without having run.
//   npm run test:emulators -- test/emulator/rules/firestore.rules.test.ts   (one file)
//   EMULATOR_PORT_OFFSET=10 npm run test:emulators                          (a second suite beside the first; 0, 10, ..., 90)
import { spawnSync } from 'node:child_process';
import { emulatorRuntime, suiteConfig, takenPorts, FUNCTIONS_DIR } from './emulatorSupport.mjs';
import { sandboxAddress, startSandbox } from './sandboxSupport.mjs';

const runtime = emulatorRuntime();
if (runtime.reason) {
  console.error(`✖ emulator tier cannot run: ${runtime.reason}.`);
  process.exit(1);
}
const config = suiteConfig();
// The sandbox providers (FCM, Twilio, SendGrid, Algolia) the functions deliver to, on the Functions port + 5.
const sandboxAt = sandboxAddress(config);
const taken = await takenPorts({ ...config.ports, sandbox: sandboxAt });
if (taken.length > 0) {
  console.error(`✖ emulator tier cannot start: port(s) in use: ${taken.join(', ')}.`);
  console.error(
    '  Stop what holds them (another emulator suite?) or shift this suite with EMULATOR_PORT_OFFSET=10 (0, 10, ..., 90).',
  );
  process.exit(1);
}

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const build = spawnSync(npx, ['tsc', '-p', 'tsconfig.build.json'], { cwd: FUNCTIONS_DIR, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

let sandbox;
try {
  sandbox = await startSandbox({ ...sandboxAt, quiet: true });
} catch (error) {
  console.error(`✖ emulator tier cannot start the sandbox providers: ${error.message}.`);
  process.exit(1);
}

const quote = (s) => `'${s.replaceAll("'", "'\\''")}'`;
const vitest = ['npx', 'vitest', 'run', '--project', 'emulator', ...process.argv.slice(2)].map(quote).join(' ');
const only = process.env.EMULATORS_ONLY ?? 'auth,firestore,functions,pubsub';
console.log(`▶ emulator tier (Java ${runtime.java}, ${only}, config ${config.path}, sandbox providers ${sandbox.url})`);
const result = spawnSync(
  npx,
  ['firebase', 'emulators:exec', '--config', config.path, '--project', config.projectId, '--only', only, vitest],
  { cwd: FUNCTIONS_DIR, stdio: 'inherit', env: { ...runtime.env, ...sandbox.env, GCLOUD_PROJECT: config.projectId } },
);
await sandbox.stop();
process.exit(result.status ?? 1);
