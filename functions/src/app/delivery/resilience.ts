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
import { ProviderError, isNetworkError, throttleScope } from '../../domain/delivery/providerError.js';
import { errorText } from '../../domain/errors.js';

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
  'error' in context.result && context.result.error instanceof ProviderError
    ? context.result.error.retryAfterMs
    : undefined;

/** Exponential backoff with jitter (cockatiel's decorrelated jitter), except that a provider's Retry-After wins. */
function honourRetryAfter(
  inner: IBackoffFactory<unknown>,
  context: IRetryBackoffContext<unknown>,
): IBackoff<IRetryBackoffContext<unknown>> {
  const step = inner.next(context);
  return {
    duration: retryAfterOf(context) ?? step.duration,
    next: (nextContext) => honourRetryAfter(step, nextContext),
  };
}

export interface PacingSettings {
  /**
   * Longest one provider call may wait for its turn (Retry-After and pacing together) before it gives the job back
   * to Pub/Sub without calling the provider; with one provider call (timeoutMs) it stays inside the 60 s function
   * timeout.
   */
  maxWaitMs: number;
  /** After a throttle, pace at this share of what the provider accepted over the last second... */
  backoffFactor: number;
  /**
   * ...then grow back by this share per second up to that rate, never past it: a higher limit (or a share freed by
   * another instance) is found when pacing is forgotten (`forgetAfterMs`).
   */
  growthPerSecond: number;
  minRatePerSecond: number;
  /** No throttle for this long: stop pacing (the limit may have been raised, or it was a one-off burst). */
  forgetAfterMs: number;
}

export const DEFAULT_PACING: PacingSettings = {
  maxWaitMs: 30_000,
  backoffFactor: 0.95,
  growthPerSecond: 0.02,
  minRatePerSecond: 1,
  forgetAfterMs: 60_000,
};

/** Rates are measured over the last second (the unit providers state their limits in). */
const WINDOW_MS = 1_000;

interface Waiter {
  resolve: (releasedAt: number) => void;
  reject: (error: unknown) => void;
  deadline: number;
}

/**
 * Back-pressure for one provider, shared by every job on the instance: calls queue (FIFO) for a turn. Unpaced until
 * the provider throttles; then nobody calls before its Retry-After has passed, and turns are spaced to a rate just
 * under what the provider accepted in the last second (one decrease per throttled round: the other answers of the
 * same burst only extend the pause), growing back to that rate while no throttle comes. Several instances sharing one
 * account each converge on their share the same way; a minute without throttling forgets it all.
 */
export class ProviderPacer {
  private baseRate = Infinity;
  /** What the provider accepted in the second before its last throttle: pace up to it, not past it. */
  private ceiling = Infinity;
  private rateSince = 0;
  private gateUntil = 0;
  private lastRelease = -Infinity;
  private lastDecreaseAt = -Infinity;
  /** The throttled call that opened the current round (released, answered), until the round is measured. */
  private unmeasured: { releasedAt: number; answeredAt: number } | undefined;
  /** Recent calls the provider answered (anything but a throttle), oldest first. */
  private readonly accepted: Array<{ releasedAt: number; answeredAt: number }> = [];
  private readonly waiting: Waiter[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly provider: Provider,
    private readonly settings: PacingSettings,
  ) {}

  /** Calls per second allowed now (Infinity: not pacing). */
  rate(now = Date.now()): number {
    this.measure(now);
    if (!Number.isFinite(this.baseRate)) return Infinity;
    if (now - this.lastDecreaseAt > this.settings.forgetAfterMs) return Infinity;
    const growing = Math.max(0, now - Math.max(this.rateSince, this.gateUntil)) / 1_000;
    return Math.min(this.ceiling, this.baseRate * (1 + this.settings.growthPerSecond) ** growing);
  }

  /** Until when nobody may call (the provider's Retry-After), epoch ms. */
  pausedUntil(): number {
    return this.gateUntil;
  }

  /** Resolves with the time of release when it is this call's turn; rejects (transient) if that is after `deadline`. */
  acquire(deadline: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject, deadline });
      this.pump();
    });
  }

  /** The provider answered a call released at `releasedAt` (anything but a throttle): it counts toward the rate. */
  answered(releasedAt: number, now = Date.now()): void {
    this.accepted.push({ releasedAt, answeredAt: now });
    while (this.accepted.length > 0 && this.accepted[0]!.answeredAt < now - 2 * WINDOW_MS - this.settings.maxWaitMs)
      this.accepted.shift();
  }

  /** The provider throttled a call released at `releasedAt`: pause for Retry-After, then slow down. */
  throttled(releasedAt: number, retryAfterMs: number | undefined, now = Date.now()): void {
    const wait = retryAfterMs ?? WINDOW_MS;
    // Answers to calls released before the round's first throttle report the same limit: they neither slow us down
    // again nor push the pause further than that throttle said (unless they ask for longer).
    if (releasedAt < this.lastDecreaseAt) {
      this.gateUntil = Math.max(this.gateUntil, this.lastDecreaseAt + wait);
    } else {
      this.measure(now);
      this.gateUntil = Math.max(this.gateUntil, now + wait);
      this.lastDecreaseAt = now;
      // Measured when the pause ends, once the round's other answers (accepted ones are slower than 429s) are in.
      this.unmeasured = { releasedAt, answeredAt: now };
    }
    this.pump();
  }

  /**
   * The new rate for a throttled round: what the provider accepted from us in the second before it throttled (the
   * window providers count in), a little under it, and never more than we were allowed already. We do not see when
   * a request reached the provider, only when it left and when its answer came: a call counts if it may have been in
   * the provider's window (answered after the window opened, sent before the throttle came back). That over-counts
   * by up to a round trip's worth of calls; the next throttle, if any, measures again from the slower pace.
   */
  private measure(now: number): void {
    if (this.unmeasured === undefined || now < this.gateUntil) return;
    const { releasedAt, answeredAt } = this.unmeasured;
    this.unmeasured = undefined;
    const from = releasedAt - WINDOW_MS;
    const inWindow = this.accepted.filter((c) => c.answeredAt > from && c.releasedAt <= answeredAt).length;
    const accepted = inWindow * (1_000 / WINDOW_MS);
    const current = this.rate(this.lastDecreaseAt);
    // Nothing accepted and not pacing yet: nothing to measure; the Retry-After pause was the back-pressure.
    if (accepted === 0 && !Number.isFinite(current)) return;
    this.ceiling = Math.max(this.settings.minRatePerSecond, accepted > 0 ? Math.min(current, accepted) : current / 2);
    this.baseRate = Math.max(this.settings.minRatePerSecond, this.ceiling * this.settings.backoffFactor);
    this.rateSince = this.gateUntil;
  }

  private pump(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const now = Date.now();
    const rate = this.rate(now);
    const interval = Number.isFinite(rate) ? 1_000 / rate : 0;
    while (this.waiting.length > 0 && Math.max(this.gateUntil, this.lastRelease + interval) <= now) {
      this.lastRelease = now;
      this.waiting.shift()!.resolve(now);
    }
    if (this.waiting.length === 0) return;
    // Whoever cannot have a turn before its deadline goes back to Pub/Sub now rather than wait in vain.
    const first = Math.max(now, this.gateUntil, this.lastRelease + interval);
    let position = 0;
    for (const waiter of [...this.waiting]) {
      const turn = first + position * interval;
      if (turn > waiter.deadline) {
        this.waiting.splice(this.waiting.indexOf(waiter), 1);
        waiter.reject(
          new ProviderError(
            this.provider,
            true,
            'paced',
            `${this.provider} is throttling: no turn within the wait allowed`,
            turn - now,
          ),
        );
      } else {
        position++;
      }
    }
    if (this.waiting.length > 0) this.timer = setTimeout(() => this.pump(), first - now);
  }
}

/** A call that did not get its turn in time; never reached the provider. */
export const isPaced = (error: unknown): boolean => error instanceof ProviderError && error.code === 'paced';

interface ProviderPolicy {
  retry: IPolicy;
  /** breaker( timeout( call ) ) */
  guarded: IPolicy;
  breaker: ReturnType<typeof circuitBreaker>;
  pacer: ProviderPacer;
}

/**
 * Per provider, kept for the life of the instance so every job shares them: a pacer (back-pressure), a retry and a
 * circuit breaker with a timeout (cockatiel). Order: retry( pace( breaker( timeout( call ) ) ) ).
 * - A provider's throttle (429) is not a failure: it never reaches the breaker (the provider is up and answering)
 *   nor uses up the retries; the call waits in the pacer for its turn and tries again, within `maxWaitMs`.
 * - Real failures (5xx, timeouts, network) count toward the breaker and are retried with backoff; an open breaker
 *   fails fast and is not retried here (Pub/Sub redelivers the job later).
 */
export class ProviderPolicies {
  private readonly policies = new Map<Provider, ProviderPolicy>();

  constructor(
    private readonly settings: ResilienceSettings,
    private readonly pacing: PacingSettings = DEFAULT_PACING,
  ) {}

  private policyFor(provider: Provider): ProviderPolicy {
    let entry = this.policies.get(provider);
    if (!entry) {
      const s = this.settings;
      const exponential = new ExponentialBackoff({ initialDelay: s.initialDelayMs, maxDelay: s.maxDelayMs });
      // Throttles were paced already; a Retry-After longer than we may wait inside one invocation goes back to Pub/Sub.
      const retryable = handleWhen(
        (e) =>
          isTransient(e) &&
          !isBrokenCircuitError(e) &&
          throttleScope(e) !== 'provider' &&
          !isPaced(e) &&
          !((e as ProviderError).retryAfterMs! > s.maxRetryAfterMs),
      );
      const retryPolicy = retry(retryable, {
        maxAttempts: s.maxAttempts - 1,
        backoff: { next: (context: IRetryBackoffContext<unknown>) => honourRetryAfter(exponential, context) },
      });
      // Only failures open the breaker: a throttled call was answered by a working provider.
      const breaker = circuitBreaker(
        handleWhen((e) => isTransient(e) && throttleScope(e) === undefined),
        {
          halfOpenAfter: s.halfOpenAfterMs,
          breaker: new ConsecutiveBreaker(s.breakerThreshold),
        },
      );
      entry = {
        retry: retryPolicy,
        guarded: wrap(breaker, timeout(s.timeoutMs, TimeoutStrategy.Aggressive)),
        breaker,
        pacer: new ProviderPacer(provider, this.pacing),
      };
      this.policies.set(provider, entry);
    }
    return entry;
  }

  /**
   * Runs `call` under the provider's policies. `failed` hears of every try that reached the provider and failed,
   * timeouts included: an aggressive timeout abandons the call's promise, so the call itself never sees its timeout.
   */
  execute<T>(provider: Provider, call: () => Promise<T>, failed?: (error: unknown) => void): Promise<T> {
    const entry = this.policyFor(provider);
    return entry.retry.execute(() => this.paced(entry, call, failed));
  }

  private async paced<T>(entry: ProviderPolicy, call: () => Promise<T>, failed?: (error: unknown) => void): Promise<T> {
    const deadline = Date.now() + this.pacing.maxWaitMs;
    for (;;) {
      const releasedAt = await entry.pacer.acquire(deadline);
      let invoked = false;
      try {
        const value = await entry.guarded.execute(() => {
          invoked = true;
          return call();
        });
        entry.pacer.answered(releasedAt);
        return value;
      } catch (error) {
        // An open breaker never called the provider: no try to report.
        if (invoked) failed?.(error);
        if (throttleScope(error) !== 'provider') {
          if (error instanceof ProviderError && !isNetworkError(error)) entry.pacer.answered(releasedAt);
          throw error;
        }
        const retryAfterMs = (error as ProviderError).retryAfterMs;
        entry.pacer.throttled(releasedAt, retryAfterMs);
        if (retryAfterMs !== undefined && retryAfterMs > this.settings.maxRetryAfterMs) throw error;
        // Otherwise wait for a turn after the Retry-After, and try again.
      }
    }
  }

  /** For health checks and tests. */
  breakerState(provider: Provider): 'closed' | 'open' | 'half-open' | 'isolated' {
    const state = this.policyFor(provider).breaker.state;
    return state === CircuitState.Closed
      ? 'closed'
      : state === CircuitState.Open
        ? 'open'
        : state === CircuitState.HalfOpen
          ? 'half-open'
          : 'isolated';
  }

  /** For health checks and tests: the calls per second allowed now (Infinity: unpaced) and the pause, if any. */
  pacingState(provider: Provider): { ratePerSecond: number; pausedUntil: number } {
    const { pacer } = this.policyFor(provider);
    return { ratePerSecond: pacer.rate(), pausedUntil: pacer.pausedUntil() };
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
    return this.policies.execute(
      provider,
      () => {
        this.attempts++;
        return fn();
      },
      (error) => this.note(provider, error),
    );
  }

  /** Records a failure that did not throw (e.g. one device's token rejected while others received). */
  note(provider: Provider, error: unknown): void {
    this.errors.push({
      at: this.now(),
      attempt: this.previous + this.attempts,
      provider,
      code:
        error instanceof ProviderError
          ? error.code
          : isTimeout(error)
            ? 'timeout'
            : ((error as { code?: string }).code ?? 'error'),
      message: errorText(error),
      transient: isTransient(error),
    });
  }
}
