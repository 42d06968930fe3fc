// `npm test`: build, typecheck, lint, the unit tier (everything that needs no Java), then the emulator tier.
// Non-zero exit on any failure.
import { spawnSync } from 'node:child_process';
import { emulatorRuntime } from './emulatorSupport.mjs';

function step(name, command, args) {
  console.log(`\n▶ ${name}`);
  const result = spawnSync(command, args, { stdio: 'inherit', shell: false });
  if (result.status !== 0) {
    console.error(`✖ ${name} failed`);
    process.exit(result.status ?? 1);
  }
}

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
step('build', npx, ['tsc', '-p', 'tsconfig.build.json']);
step('typecheck', npx, ['tsc', '-p', 'tsconfig.json', '--noEmit']);
// The typed client (client/, @craft/client) against the generated types and the Firebase JS SDK it wraps.
step('typecheck client', npx, ['tsc', '-p', '../client/tsconfig.json']);
// The reference web app (web/, built and driven in Chromium by test/emulator/web/) against @craft/client and the SDK.
step('typecheck web app', npx, ['tsc', '-p', '../web/tsconfig.json']);
step('lint', npx, ['eslint', '.', '--max-warnings=0']);
step('format', npx, ['prettier', '--check', '.']);
step('unit tests', npx, ['vitest', 'run', '--project', 'unit']);

// The emulator tier is part of `npm test`: this machine image (and CI, which runs on it) has what it needs. Where it
// cannot start, the run fails naming what is missing; EMULATOR_TIER=skip is the explicit way to leave it out.
if (process.env.EMULATOR_TIER === 'skip') {
  console.log('\n⚠ emulator tier skipped: EMULATOR_TIER=skip');
} else {
  const { reason } = emulatorRuntime();
  if (reason) {
    console.error(`\n✖ emulator tier cannot run: ${reason}. (EMULATOR_TIER=skip leaves it out.)`);
    process.exit(1);
  }
  step('emulator tier', 'node', ['scripts/test-emulators.mjs']);
}
