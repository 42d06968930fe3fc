import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UndeclaredSecretError, limitSecretsTo, requireSecret, secrets } from '../../../src/config.js';
import { SECRETS } from '../../../src/functions/options.js';
import { declaredSecretsOf as declaredIn } from '../../../src/functions/runtime.js';
import { WRAPPER_FEATURES } from '../../../src/functions/targets.js';

/**
 * Issue 16: a function that reads a secret it does not declare finds nothing in production (Cloud Functions mounts
 * only declared secrets) and failed as "not configured". Each instance now limits secret reads to what its function
 * declares (src/functions/runtime.ts → limitSecretsTo), so such a read fails naming the function and the secret; the
 * emulators' sandbox credentials go through the same check, so the emulator tier's runs of the real wrappers
 * (delivery, webhooks, search, erasure) fail on an undeclared read on every code path they take.
 */
const EXPORTS = [...readFileSync(resolve('src/index.ts'), 'utf8').matchAll(/export \{([^}]*)\} from/g)].flatMap((m) =>
  m[1]!
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

const declaredSecretsOf = (target: string | undefined) =>
  declaredIn(
    target,
    WRAPPER_FEATURES.map(([module]) => module),
  );

beforeAll(() => {
  process.env.GCLOUD_PROJECT ??= 'demo-craft-comms'; // the v1 auth trigger builds its endpoint from it
});
afterEach(() => limitSecretsTo(undefined));

describe('secrets each function reads are the ones it declares', () => {
  it('finds every deployed function and the secrets its definition declares (FUNCTION_TARGET or K_SERVICE)', () => {
    expect(EXPORTS.length).toBeGreaterThan(50);
    for (const name of EXPORTS) {
      const scope = declaredSecretsOf(name);
      expect(scope, name).toBeDefined();
      expect(scope!.fn).toBe(name);
      for (const key of scope!.declared) expect(Object.keys(secrets), `${name} declares ${key}`).toContain(key);
    }
    expect(declaredSecretsOf('deliversms')).toEqual({ fn: 'deliverSms', declared: [...SECRETS.twilio] });
    expect(declaredSecretsOf('deliverEmail')?.declared).toEqual([...SECRETS.sendgrid]);
    expect(declaredSecretsOf('sendMessage')?.declared).toEqual([]);
    expect(declaredSecretsOf('noSuchFunction')).toBeUndefined();
    expect(declaredSecretsOf(undefined)).toBeUndefined();
  });

  it('refuses, naming the function, a secret it does not declare; reads the ones it does', () => {
    limitSecretsTo(declaredSecretsOf('deliverSms'));
    expect(requireSecret('TWILIO_AUTH_TOKEN', () => 'token')).toBe('token');
    let thrown: unknown;
    try {
      requireSecret('SENDGRID_API_KEY', () => 'SG.key-that-is-set');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UndeclaredSecretError);
    expect((thrown as Error).message).toMatch(/function deliverSms reads secret SENDGRID_API_KEY but does not declare/);

    // A function with no secrets at all reads none.
    limitSecretsTo(declaredSecretsOf('sendMessage'));
    expect(() => requireSecret('ALGOLIA_ADMIN_KEY', () => 'k')).toThrow(UndeclaredSecretError);
  });

  it('without a known function (tests, npm start, discovery) reads are not limited', () => {
    limitSecretsTo(declaredSecretsOf(undefined));
    expect(requireSecret('SENDGRID_API_KEY', () => 'SG.x')).toBe('SG.x');
  });
});
