import { describe, expect, it } from 'vitest';
import { BrokenCircuitError } from 'cockatiel';
import { ProviderPolicies } from '../../../src/app/delivery/resilience.js';
import { ProviderError } from '../../../src/domain/delivery/providerError.js';
import type { ResilienceSettings } from '../../../src/ports.js';

const settings = (overrides: Partial<ResilienceSettings> = {}): ResilienceSettings => ({
  maxAttempts: 3,
  initialDelayMs: 1,
  maxDelayMs: 5,
  maxRetryAfterMs: 1_000,
  timeoutMs: 200,
  breakerThreshold: 3,
  halfOpenAfterMs: 60,
  giveUpAfterAttempts: 9,
  ...overrides,
});

const transient = (retryAfterMs?: number) =>
  new ProviderError('twilio', true, '429', 'Too Many Requests', retryAfterMs);

describe('provider policies (cockatiel retry + breaker + timeout)', () => {
  it('waits as long as Retry-After asks before the next try', async () => {
    const policies = new ProviderPolicies(settings());
    const at: number[] = [];
    const result = await policies.execute('twilio', async () => {
      at.push(Date.now());
      if (at.length === 1) throw transient(120);
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(115);
  });

  it('does not wait in-process for a Retry-After longer than allowed: it fails for Pub/Sub to redeliver later', async () => {
    const policies = new ProviderPolicies(settings({ maxRetryAfterMs: 50 }));
    let calls = 0;
    await expect(
      policies.execute('twilio', async () => {
        calls++;
        throw transient(60_000);
      }),
    ).rejects.toBeInstanceOf(ProviderError);
    expect(calls).toBe(1);
  });

  it('retries with backoff up to maxAttempts, and never retries a permanent error', async () => {
    const policies = new ProviderPolicies(settings({ breakerThreshold: 100 }));
    let calls = 0;
    await expect(
      policies.execute('sendgrid', async () => {
        calls++;
        throw new ProviderError('sendgrid', true, '503', 'unavailable');
      }),
    ).rejects.toThrow('unavailable');
    expect(calls).toBe(3);
    calls = 0;
    await expect(
      policies.execute('sendgrid', async () => {
        calls++;
        throw new ProviderError('sendgrid', false, '400', 'bad request');
      }),
    ).rejects.toThrow('bad request');
    expect(calls).toBe(1);
  });

  it('times out a hanging call and retries it', async () => {
    const policies = new ProviderPolicies(settings({ timeoutMs: 30 }));
    let calls = 0;
    const result = await policies.execute('fcm', async () => {
      calls++;
      if (calls === 1) await new Promise((resolve) => setTimeout(resolve, 200));
      return 'second try';
    });
    expect(result).toBe('second try');
    expect(calls).toBe(2);
  });

  it('opens one breaker per provider after consecutive failures, fails fast while open, closes after a good half-open call', async () => {
    const policies = new ProviderPolicies(settings({ maxAttempts: 1, breakerThreshold: 3, halfOpenAfterMs: 60 }));
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new ProviderError('twilio', true, '500', 'down');
    };
    for (let i = 0; i < 3; i++) await expect(policies.execute('twilio', failing)).rejects.toThrow('down');
    expect(policies.breakerState('twilio')).toBe('open');
    await expect(policies.execute('twilio', failing)).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(calls).toBe(3); // the open breaker did not call the provider
    // other providers are unaffected
    await expect(policies.execute('sendgrid', async () => 'sent')).resolves.toBe('sent');
    expect(policies.breakerState('sendgrid')).toBe('closed');

    await new Promise((resolve) => setTimeout(resolve, 80));
    await expect(policies.execute('twilio', async () => 'recovered')).resolves.toBe('recovered');
    expect(policies.breakerState('twilio')).toBe('closed');
  });

  it('does not count permanent errors toward the breaker', async () => {
    const policies = new ProviderPolicies(settings({ maxAttempts: 1, breakerThreshold: 2 }));
    for (let i = 0; i < 5; i++) {
      await expect(
        policies.execute('sendgrid', async () => {
          throw new ProviderError('sendgrid', false, '400', 'bad address');
        }),
      ).rejects.toThrow();
    }
    expect(policies.breakerState('sendgrid')).toBe('closed');
  });
});
