// `npm test`: build, typecheck, lint, the unit tier (everything that needs no Java), then the emulator tier when the
// emulators can start here; otherwise one line saying it was skipped and why. Non-zero exit on any failure.
import { spawnSync } from 'node:child_process';
import { emulatorTierUnavailable } from './emulatorSupport.mjs';

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
step('lint', npx, ['eslint', '.', '--max-warnings=0']);
step('unit tests', npx, ['vitest', 'run', '--project', 'unit']);

const reason = emulatorTierUnavailable();
if (reason) {
  console.log(`\n⚠ emulator tier skipped: ${reason}. Run \`npm run test:emulators\` where they can start.`);
} else {
  step('emulator tier', 'node', ['scripts/test-emulators.mjs']);
}
