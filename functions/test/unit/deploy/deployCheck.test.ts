import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { params, secrets } from '../../../src/config.js';

/**
 * The deploy configuration is complete (issue 16): scripts/deploy-check.mjs runs firebase-tools' own discovery, param
 * resolution (non-interactive, as in CI) and endpoint validation on the built lib/ with functions/.env.example, and
 * fails on a param without a value, a value that does not match its pattern, or a secret no function declares.
 */
const SCRIPT = resolve('scripts/deploy-check.mjs');
const EXAMPLE = resolve('.env.example');
const work = mkdtempSync(join(tmpdir(), 'deploy-check-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function check(...args: string[]) {
  return checkWith({}, ...args);
}

function checkWith(env: Record<string, string>, ...args: string[]) {
  const run = spawnSync(process.execPath, [SCRIPT, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, ...env },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** The example file with one line replaced (or dropped, with `undefined`). */
function exampleWith(name: string, value: string | undefined): string {
  const lines = readFileSync(EXAMPLE, 'utf8').split('\n');
  const edited = lines.flatMap((line) =>
    line.startsWith(`${name}=`) ? (value === undefined ? [] : [`${name}=${value}`]) : [line],
  );
  const file = join(work, `${name}-${value ?? 'none'}.env`.replace(/[^\w.-]/g, '_'));
  writeFileSync(file, edited.join('\n'));
  return file;
}

describe('deploy check (scripts/deploy-check.mjs)', { timeout: 180_000 }, () => {
  it('passes with functions/.env.example: every endpoint, every param, every secret declared and used', () => {
    const run = check();
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const summary = JSON.parse(run.stdout) as { endpoints: number; params: number; secrets: string[]; runtime: string };
    expect(summary.params).toBe(Object.keys(params).length);
    expect(summary.secrets).toEqual(Object.keys(secrets).sort());
    expect(summary.endpoints).toBeGreaterThan(50);
    expect(summary.runtime).toBe('nodejs22');
  });

  it('fails, as a CI deploy would, when a param has no value', () => {
    const run = check('--env', exampleWith('PUBLIC_BASE_URL', undefined));
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      /non-interactive mode but have no value for the following environment variables: PUBLIC_BASE_URL/,
    );
  });

  it('fails on a loopback PUBLIC_BASE_URL (Twilio would refuse every callback signature)', () => {
    const run = check('--env', exampleWith('PUBLIC_BASE_URL', 'http://127.0.0.1:5001/demo-craft-comms/europe-west1'));
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/PUBLIC_BASE_URL=http:\/\/127\.0\.0\.1.*must be an https:\/\/ URL/);
  });

  it('fails on a functions/.npmrc left by a deploy that has ended (it would ride along in the next upload)', () => {
    const stray = join(work, 'stray.npmrc');
    const ended = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(
      stray,
      `# Written by functions/scripts/functions-lockfile.mjs for one deploy\n# deploy pid ${ended}\n`,
    );
    const run = checkWith({ DEPLOY_NPMRC_PATH: stray });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/functions\/\.npmrc exists outside a deploy/);
  });
});
