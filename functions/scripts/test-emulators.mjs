// `npm run test:emulators [-- vitest args]`: security rules, Firestore adapters, the delivery ledger, trigger chains
// and scheduled functions against the Firebase emulator suite (Auth, Firestore, Functions, Pub/Sub), with the
// functions delivering to the sandbox providers (scripts/sandboxSupport.mjs) instead of FCM, Twilio, SendGrid, Algolia.
// Fails loudly where it cannot run; it never passes without having run.
//   npm run test:emulators -- test/emulator/rules/firestore.rules.test.ts   (one file)
//   EMULATOR_PORT_OFFSET=10 npm run test:emulators                          (a second suite beside the first; 0, 10, ..., 90)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
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
const build = buildLib(Number(process.env.EMULATOR_PORT_OFFSET ?? 0));
if (build !== 0) process.exit(build);

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

/**
 * Compiles the functions into a private folder, then copies into lib/ only the files whose content changed, each by an
 * atomic rename. Why: a Functions emulator that is running (another suite on another offset, from the same tree)
 * watches functions/ and reloads every definition when lib/ changes; compiling straight into lib/ rewrote every file,
 * so each run reloaded the others mid-test, and a worker could load a half-written module. Unchanged sources now
 * change nothing. The folder sits beside lib/ (same depth, so source maps point at src/ the same way) and starts
 * with a dot (the emulator's watcher ignores dot-folders).
 */
function buildLib(offset) {
  const out = join(FUNCTIONS_DIR, `.build-${offset}`);
  rmSync(out, { recursive: true, force: true });
  const tsc = spawnSync(npx, ['tsc', '-p', 'tsconfig.build.json', '--outDir', out], {
    cwd: FUNCTIONS_DIR,
    stdio: 'inherit',
  });
  if (tsc.status !== 0) return tsc.status ?? 1;
  const lib = join(FUNCTIONS_DIR, 'lib');
  const files = (dir) =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
    );
  let changed = 0;
  for (const file of files(out)) {
    const target = join(lib, relative(out, file));
    const content = readFileSync(file);
    if (existsSync(target) && readFileSync(target).equals(content)) continue;
    mkdirSync(dirname(target), { recursive: true });
    const temp = `${target}.${process.pid}.tmp`;
    writeFileSync(temp, content);
    renameSync(temp, target);
    changed++;
  }
  rmSync(out, { recursive: true, force: true });
  console.log(`▶ functions built: ${changed} file(s) of lib/ changed`);
  return 0;
}
