import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, InvalidConfigurationError, readSettings } from '../../../src/config.js';
import { firebaseDelivery } from '../../../src/composition/cloud.js';
import { memoryDeliverySettings } from '../../../src/adapters/memory/memoryDelivery.js';
import { EmailChannel } from '../../../src/app/delivery/channels.js';
import { AttemptLog, ProviderPolicies } from '../../../src/app/delivery/resilience.js';
import { finishEmail } from '../../../src/domain/email/render.js';
import { renderNotification } from '../../../src/domain/notifications/templates.js';
import { SAMPLE_VARS } from '../../../src/local/emailSamples.js';
import { MAYA, job } from '../../support/delivery.js';
import { testWorld } from '../../support/world.js';

/**
 * Marketing (community) email needs a one-click unsubscribe URL that is https (RFC 8058). The emulators and the local
 * run have only loopback http (PUBLIC_BASE_URL), so there, and only there, a loopback http URL is accepted: the
 * composition root says so for the sandbox providers and the in-memory wiring, never for the real providers, and a
 * deployed function cannot run with a loopback PUBLIC_BASE_URL at all (config.ts).
 */

const LOCAL_BASE = DEFAULT_SETTINGS.publicBaseUrl; // http://127.0.0.1:5001/demo-craft-comms/europe-west1
const community = renderNotification('community.craft_challenge', SAMPLE_VARS['community.craft_challenge'], {
  locale: 'en',
  url: 'https://craft.example/challenges/c1',
});
const communityJob = job('email', {
  type: 'community.craft_challenge',
  category: 'community',
  content: { email: community.email },
});

describe('finishEmail: loopback http only when allowed, and only loopback', () => {
  const finish = (url: string, allowLoopbackHttp?: boolean) =>
    finishEmail(community.email, { unsubscribeUrl: url, category: 'community', allowLoopbackHttp });

  it('refuses loopback http unless the run allows it', () => {
    expect(finish(`${LOCAL_BASE}/unsubscribe?token=t`)).toEqual({ ok: false, reason: 'no-https-unsubscribe' });
    expect(finish(`${LOCAL_BASE}/unsubscribe?token=t`, false).ok).toBe(false);
    expect(finish(`${LOCAL_BASE}/unsubscribe?token=t`, true).ok).toBe(true);
    expect(finish('http://localhost:5001/p/unsubscribe?token=t', true).ok).toBe(true);
  });

  it('never accepts another http URL, even where loopback is allowed', () => {
    for (const url of [
      'http://craft.example/unsubscribe?token=t',
      'http://127.0.0.1.evil.example/unsubscribe?token=t',
      'http://localhost.evil.example/unsubscribe',
      'http://127.0.0.2/unsubscribe',
      'http://127.0.0.1:5001/u?token="><script>',
    ])
      expect(finish(url, true), url).toEqual({ ok: false, reason: 'no-https-unsubscribe' });
  });
});

describe('the email channel', () => {
  const send = async (loopbackUnsubscribe: boolean | undefined) => {
    const { infra, services } = await testWorld({ users: [{ ...MAYA, timeZone: 'UTC' }] });
    const settings = memoryDeliverySettings({ publicBaseUrl: LOCAL_BASE, webAppUrl: '', fromEmail: 'n@x.example' });
    const now = () => infra.clock.now();
    const channel = new EmailChannel(
      infra.delivery.email,
      services.delivery.contacts,
      { ...settings, loopbackUnsubscribe },
      now,
    );
    const log = new AttemptLog(new ProviderPolicies(settings.resilience), now);
    return { outcome: await channel.deliver(communityJob, log), sent: infra.delivery.email.sent };
  };

  it('sends community email with a loopback unsubscribe in the local run (link in body and header)', async () => {
    const { outcome, sent } = await send(true);
    expect(outcome).toMatchObject({ kind: 'sent', provider: 'sendgrid' });
    const url = `${LOCAL_BASE}/unsubscribe?token=`;
    expect(sent[0]!.headers!['List-Unsubscribe']).toContain(`<${url}`);
    expect(sent[0]!.text).toContain(url);
  });

  it('refuses it where the settings do not say local (the real providers)', async () => {
    for (const flag of [false, undefined]) {
      const { outcome, sent } = await send(flag);
      expect(outcome).toEqual({ kind: 'failed', reason: 'no-https-unsubscribe' });
      expect(sent).toEqual([]);
    }
  });
});

describe('who says local', () => {
  const production = { ...DEFAULT_SETTINGS, publicBaseUrl: 'https://europe-west1-craft.cloudfunctions.net' };
  const noApp = () => {
    throw new Error('not called');
  };

  it('the real providers never allow loopback; the emulator sandbox and the in-memory wiring do', () => {
    expect(firebaseDelivery(noApp, undefined, production).settings.loopbackUnsubscribe).not.toBe(true);
    const sandbox = { origin: 'http://127.0.0.1:5006', host: '127.0.0.1', port: 5006 };
    expect(firebaseDelivery(noApp, sandbox, DEFAULT_SETTINGS).settings.loopbackUnsubscribe).toBe(true);
    expect(
      memoryDeliverySettings({ publicBaseUrl: LOCAL_BASE, webAppUrl: '', fromEmail: '' }).loopbackUnsubscribe,
    ).toBe(true);
  });

  it('a deployed function cannot have a loopback PUBLIC_BASE_URL in the first place', () => {
    expect(readSettings({ K_SERVICE: 'f', ...prodEnv() }).publicBaseUrl).toMatch(/^https:/);
    expect(() => readSettings({ K_SERVICE: 'f', ...prodEnv(), PUBLIC_BASE_URL: LOCAL_BASE })).toThrow(
      InvalidConfigurationError,
    );
    expect(() => readSettings({ K_SERVICE: 'f', ...prodEnv(), PUBLIC_BASE_URL: LOCAL_BASE })).toThrow(
      /PUBLIC_BASE_URL/,
    );
    expect(
      readSettings({ FUNCTIONS_EMULATOR: 'true', K_SERVICE: 'f', PUBLIC_BASE_URL: LOCAL_BASE }).publicBaseUrl,
    ).toBe(LOCAL_BASE);
  });
});

/** Every param as a deploy sets it: functions/.env.example, the production-shaped values. */
function prodEnv(): Record<string, string> {
  const text = readFileSync(join(process.cwd(), '.env.example'), 'utf8');
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}
