/**
 * `npm run schedule -- <name> [<name>…]`: runs scheduled functions now in the running emulator suite (which never
 * fires them on its own), e.g. `npm run schedule -- releaseNotificationDigests`; `npm run schedule -- --list` lists
 * them. Exits non-zero if a run failed. EMULATOR_PORT_OFFSET finds a shifted suite.
 */
import { functionsEmulatorOrigin, runScheduledFunction, scheduledFunctions } from './schedules.js';
import { errorText } from '../../domain/errors.js';

async function main(names: string[]): Promise<number> {
  if (names.length === 0 || names.includes('--list')) {
    const all = await scheduledFunctions(await functionsEmulatorOrigin());
    for (const f of all) console.log(`${f.name.padEnd(28)} ${f.region}  ${f.schedule}`);
    if (names.length === 0) console.log('\nrun one with: npm run schedule -- <name>');
    return 0;
  }
  let failed = 0;
  for (const name of names) {
    const run = await runScheduledFunction(name);
    const ok = run.status >= 200 && run.status < 300;
    if (!ok) failed++;
    console.log(
      `${ok ? '✔' : '✖'} ${run.name} (${run.region}, "${run.schedule}") ${ok ? 'ran' : `failed: HTTP ${run.status}, see the emulator log`} in ${run.ms} ms`,
    );
  }
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`✖ ${errorText(error)}`);
    process.exit(1);
  },
);
