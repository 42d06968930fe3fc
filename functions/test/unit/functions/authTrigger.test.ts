import { execFileSync } from 'node:child_process';
import * as v1 from 'firebase-functions/v1';
import { describe, expect, it } from 'vitest';
import { authUserBuilder } from '../../../src/functions/triggers.js';
import { REGION } from '../../../src/functions/options.js';

/** What firebase-tools' discovery reads of a function. */
const endpointOf = (fn: unknown) => (fn as { __endpoint: Record<string, unknown> }).__endpoint;

describe('the v1 Auth delete trigger, built from firebase-functions/v1/auth alone (cold start, issue 14)', () => {
  const options: v1.RuntimeOptions = {
    secrets: ['ALGOLIA_ADMIN_KEY'],
    timeoutSeconds: 540,
    failurePolicy: true,
    memory: '512MB',
    maxInstances: 10,
  };

  it('deploys exactly what the public runWith().region().auth.user() builder deploys', () => {
    process.env.GCLOUD_PROJECT ??= 'demo-craft-comms';
    const lean = authUserBuilder(options).onDelete(() => undefined);
    const full = v1
      .runWith(options)
      .region(REGION)
      .auth.user()
      .onDelete(() => undefined);
    expect(endpointOf(lean)).toEqual(endpointOf(full));
    // Not vacuous: the options reach the endpoint.
    expect(endpointOf(lean)).toMatchObject({
      region: [REGION],
      timeoutSeconds: 540,
      availableMemoryMb: 512,
      maxInstances: 10,
      eventTrigger: { eventType: 'providers/firebase.auth/eventTypes/user.delete', retry: true },
      secretEnvironmentVariables: [{ key: 'ALGOLIA_ADMIN_KEY' }],
    });
  });

  it("an instance serving onAuthUserDeleted never loads firebase-functions/v1's index (every v1 provider)", () => {
    const script = `
      import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      const surface = await import('./src/index.ts');
      const endpoint = surface.onAuthUserDeleted.__endpoint;
      const files = Object.keys(require.cache);
      console.log(JSON.stringify({
        trigger: endpoint.eventTrigger.eventType,
        index: files.some((f) => /firebase-functions\\/lib\\/v1\\/index\\.js$/.test(f)),
        auth: files.some((f) => /firebase-functions\\/lib\\/v1\\/providers\\/auth\\.js$/.test(f)),
      }));`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: {
        ...process.env,
        FUNCTION_TARGET: 'onAuthUserDeleted',
        K_SERVICE: 'onAuthUserDeleted',
        GCLOUD_PROJECT: 'demo-craft-comms',
      },
      encoding: 'utf8',
    });
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({
      trigger: 'providers/firebase.auth/eventTypes/user.delete',
      index: false,
      auth: true,
    });
  }, 60_000);
});
