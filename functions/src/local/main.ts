/**
 * `npm start`: the whole system in one process on its embedded default (in-memory adapters, sandbox providers, no
 * Java, no network), playing the end-to-end scenario. Prints the transcript, writes what the providers would have
 * received and the exports under out/, and exits non-zero if anything in the run failed.
 */
import { resolve } from 'node:path';
import { REPO_ROOT } from './emulatorConfig.js';
import { startLocalSystem } from './localSystem.js';
import { writeOutputs } from './outputs.js';
import { writeEmailPreviews } from './emailPreviews.js';
import { SCENARIO_START, runScenario } from './scenario.js';
import { errorText } from '../domain/errors.js';

async function main(): Promise<number> {
  const started = performance.now();
  const outDir = resolve(REPO_ROOT, 'out');
  console.log(
    'craft-comms: the system in-process (in-memory Firestore, Pub/Sub, search, storage; sandbox FCM, Twilio, SendGrid)',
  );
  const system = await startLocalSystem({ now: SCENARIO_START });
  console.log(
    `seeded ${system.seeded.documents} documents from emulator-seed/ (${system.seed.users.length} users, ${system.seed.conversations.length} conversations); ` +
      `deploy surface: ${system.functions.triggerNames.length} Firestore triggers, ${system.functions.scheduleNames.length} schedule(s) — ${Math.round(performance.now() - started)} ms`,
  );
  try {
    const result = await runScenario(system, { echo: (line) => console.log(line) });
    const written = await writeOutputs(system, outDir, result.transcript, result.files);
    const previews = await writeEmailPreviews(resolve(outDir, 'email-previews'), new Date(SCENARIO_START));
    const { push, sms, email } = system.senders;
    console.log(`\n━━ Done in ${Math.round(performance.now() - started)} ms`);
    console.log(
      `   providers captured: ${push.sent.length} push, ${sms.sent.length} SMS, ${email.sent.length} email; ${written} files in ${outDir}`,
    );
    console.log(
      `   email previews: ${previews.html} HTML, ${previews.png} PNG in ${outDir}/email-previews${previews.skipped ? ` (no PNGs: ${previews.skipped})` : ''}`,
    );
    console.log(
      `   triggers run: ${system.functions.triggerRuns.length}; Pub/Sub messages: ${system.publisher.published.length}`,
    );
    if (result.problems.length > 0) {
      console.error(`\n✖ ${result.problems.length} problem(s):`);
      for (const problem of result.problems) console.error(`  - ${problem}`);
      return 1;
    }
    return 0;
  } finally {
    system.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`✖ the local run failed: ${errorText(error, { stack: true })}`);
    process.exit(1);
  },
);
