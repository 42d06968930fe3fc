/**
 * The issue-12 figure: 200 emails with SendGrid only throttling (429 + Retry-After above 10 requests/s), sent the way
 * delivery jobs are (one instance, 80 at once, AttemptLog under the shared ProviderPolicies, the real @sendgrid
 * client) to the loopback SendGrid; a job that fails is redelivered 10 s later, as Pub/Sub's minimum backoff.
 * The unit tier runs the same at 100/s (test/unit/delivery/throttling.test.ts).
 *
 *   npx tsx bench/sendgridThrottle.ts [emails=200] [perSecond=10] [redeliveryMs=10000]
 */
import { emailBurst } from '../test/support/fakes/emailBurst.js';

const emails = Number(process.argv[2] ?? 200);
const perSecond = Number(process.argv[3] ?? 10);
const redeliveryDelayMs = Number(process.argv[4] ?? 10_000);

void emailBurst({ emails, perSecond, redeliveryDelayMs, deadlineMs: 300_000 }).then((result) => {
  console.log(
    JSON.stringify(
      { emails, perSecond, idealSeconds: emails / perSecond, ...result, elapsedSeconds: result.elapsedMs / 1000 },
      null,
      2,
    ),
  );
  process.exit(0);
});
