import { describe, expect, it } from 'vitest';
import { MissingSecretError, requireSecret } from '../../src/config.js';

describe('requireSecret', () => {
  it('returns a configured secret', () => {
    expect(requireSecret('TWILIO_AUTH_TOKEN', () => 'tok')).toBe('tok');
  });

  it.each([undefined, ''])('fails naming the secret when it is %j', (value) => {
    expect(() => requireSecret('SENDGRID_API_KEY', () => value)).toThrowError(MissingSecretError);
    expect(() => requireSecret('SENDGRID_API_KEY', () => value)).toThrowError(/SENDGRID_API_KEY/);
  });

  it('reads through defineSecret at call time, from the environment the runtime fills', () => {
    delete process.env.ALGOLIA_ADMIN_KEY;
    expect(() => requireSecret('ALGOLIA_ADMIN_KEY')).toThrowError(/ALGOLIA_ADMIN_KEY is not configured/);
    process.env.ALGOLIA_ADMIN_KEY = 'admin-key';
    expect(requireSecret('ALGOLIA_ADMIN_KEY')).toBe('admin-key');
    delete process.env.ALGOLIA_ADMIN_KEY;
  });
});
