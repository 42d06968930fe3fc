import type { RetriedEvent } from '../app/retryPolicy.js';
import { services } from './runtime.js';

/**
 * The retried event functions run their work through the retry policy (src/app/retryPolicy.ts): too-old events and
 * permanent failures are recorded in `deadLetters/` and acknowledged, transient failures rethrown for redelivery. The
 * policy is loaded with the first event, like the rest of what an event needs.
 */
export async function withRetryPolicy(event: RetriedEvent, work: () => Promise<unknown>): Promise<void> {
  const [{ EventRetryPolicy }, s] = await Promise.all([import('../app/retryPolicy.js'), services()]);
  await new EventRetryPolicy(s.infra).run(event, work);
}
