import type { IBackoff, IBackoffFactory, IPolicy, IRetryBackoffContext } from 'cockatiel';
import {
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  TimeoutStrategy,
  circuitBreaker,
  handleWhen,
  TaskCancelledError,
  isBrokenCircuitError,
  retry,
  timeout,
  wrap,
} from 'cockatiel';
import type { ResilienceSettings } from '../../ports.js';
import type { Provider } from '../../domain/delivery/providerError.js';
import { ProviderError, isNetworkError } from '../../domain/delivery/providerError.js';

export const DEFAULT_RESILIENCE: ResilienceSettings = {
  maxAttempts: 3,
  initialDelayMs: 200,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 10_000,
  timeoutMs: 10_000,
  breakerThreshold: 5,
  halfOpenAfterMs: 30_000,
  giveUpAfterAttempts: 12,
};

// cockatiel 3.2's isTaskCancelledError tests for the wrong marker property (isBulkheadRejectedError), so check the class.
const isTimeout = (error: unknown): boolean => error instanceof TaskCancelledError;

/** Worth trying again later: the provider was slow, overloaded, down, or its breaker is open. */
export function isTransient(error: unknown): boolean {
  if (error instanceof ProviderError) return error.transient;
  return isTimeout(error) || isBrokenCircuitError(error) || isNetworkError(error);
}

const retryAfterOf = (context: IRetryBackoffContext<unknown>): number | undefined =>
  'error' in context.result && context.result.error instanceof ProviderError ? context.result.error.retryAfterMs : undefined;

/** Exponential backoff with jitter (cockatiel's decorrelated jitter), except that a provider's Retry-After wins. */
function honourRetryAfter(inner: IBackoffFactory<unknown>, context: IRetryBackoffContext<unknown>): IBackoff<IRetryBackoffContext<unknown>> {
  const step = inner.next(context);
  return {
    duration: retryAfterOf(context) ?? step.duration,
    next: (nextContext) => honourRetryAfter(step, nextContext),
  };
}

/**
 * One retry + circuit breaker + timeout policy per provider (cockatiel), kept for the life of the instance so a
 * provider outage opens its breaker for every job, while the other providers keep working.
 * Order: retry( breaker( timeout( call ) ) ): each try counts toward the breaker; an open breaker fails fast and is
 * not retried here (Pub/Sub redelivers the job later).
 */
export class ProviderPolicies {
  private readonly policies = new Map<Provider, { policy: IPolicy; breaker: ReturnType<typeof circuitBreaker> }>();

  constructor(private readonly settings: ResilienceSettings) {}

  private policyFor(provider: Provider) {
    let entry = this.policies.get(provider);
    if (!entry) {
      const s = this.settings;
      const exponential = new ExponentialBackoff({ initialDelay: s.initialDelayMs, maxDelay: s.maxDelayMs });
      // A Retry-After longer than we may wait inside one invocation goes back to Pub/Sub instead.
      const retryable = handleWhen((e) => isTransient(e) && !isBrokenCircuitError(e) && !((e as ProviderError).retryAfterMs! > s.maxRetryAfterMs));
      const retryPolicy = retry(retryable, {
        maxAttempts: s.maxAttempts - 1,
        backoff: { next: (context: IRetryBackoffContext<unknown>) => honourRetryAfter(exponential, context) },
      });
      const breaker = circuitBreaker(handleWhen(isTransient), {
        halfOpenAfter: s.halfOpenAfterMs,
        breaker: new ConsecutiveBreaker(s.breakerThreshold),
      });
      entry = { policy: wrap(retryPolicy, breaker, timeout(s.timeoutMs, TimeoutStrategy.Aggressive)), breaker };
      this.policies.set(provider, entry);
    }
    return entry;
  }

  execute<T>(provider: Provider, call: () => Promise<T>): Promise<T> {
    return this.policyFor(provider).policy.execute(call);
  }

  /** For health checks and tests. */
  breakerState(provider: Provider): 'closed' | 'open' | 'half-open' | 'isolated' {
    const state = this.policyFor(provider).breaker.state;
    return state === CircuitState.Closed ? 'closed' : state === CircuitState.Open ? 'open' : state === CircuitState.HalfOpen ? 'half-open' : 'isolated';
  }
}

export interface AttemptError {
  at: Date;
  attempt: number;
  provider: Provider;
  code: string;
  message: string;
  transient: boolean;
}

/**
 * Counts the provider calls of one delivery and keeps each failure, for `deliveries/{id}.attempts` and `.errors`.
 * Every provider call of a channel goes through `call`, so nothing is attempted outside the policy.
 */
export class AttemptLog {
  attempts = 0;
  readonly errors: AttemptError[] = [];

  constructor(
    private readonly policies: ProviderPolicies,
    private readonly now: () => Date,
    /** Attempts already recorded on the delivery by earlier invocations. */
    private readonly previous = 0,
  ) {}

  call<T>(provider: Provider, fn: () => Promise<T>): Promise<T> {
    return this.policies.execute(provider, async () => {
      this.attempts++;
      try {
        return await fn();
      } catch (error) {
        this.note(provider, error);
        throw error;
      }
    });
  }

  /** Records a failure that did not throw (e.g. one device's token rejected while others received). */
  note(provider: Provider, error: unknown): void {
    this.errors.push({
      at: this.now(),
      attempt: this.previous + this.attempts,
      provider,
      code: error instanceof ProviderError ? error.code : isTimeout(error) ? 'timeout' : ((error as { code?: string }).code ?? 'error'),
      message: error instanceof Error ? error.message : String(error),
      transient: isTransient(error),
    });
  }
}
