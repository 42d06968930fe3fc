import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * Issue 16: the predeploy step writes functions/.npmrc for the upload and only postdeploy removed it, which
 * firebase-tools skips after `--dry-run`, a failed step or Ctrl-C: the file stayed behind. Here firebase-tools' own
 * hook runner (lifecycleHooks: shell → cross-env-shell → shell, with RESOURCE_DIR) runs firebase.json's real predeploy
 * command inside a stand-in for the CLI that then ends without a postdeploy. The file must exist while that "deploy"
 * runs (it is in the upload) and be gone once it ends. DEPLOY_NPMRC_PATH keeps the working tree's file untouched.
 */
const functionsDir = resolve('.');
const repoDir = resolve('..');
const SCRIPT = join(functionsDir, 'scripts/functions-lockfile.mjs');
const work = mkdtempSync(join(tmpdir(), 'deploy-npmrc-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill();
  rmSync(work, { recursive: true, force: true });
});

const require = createRequire(join(functionsDir, 'package.json'));
const hooksModule = join(dirname(require.resolve('firebase-tools/package.json')), 'lib/deploy/lifecycleHooks.js');
const predeploy = (
  JSON.parse(readFileSync(join(repoDir, 'firebase.json'), 'utf8')) as {
    functions: Array<{ predeploy: string[] }>;
  }
).functions[0]!.predeploy.find((command) => command.includes('--deploy-npmrc'))!;

/** A stand-in for `firebase deploy`: runs the predeploy hook, says so, then stays until its stdin closes. */
const FAKE_CLI = `
const { lifecycleHooks } = require(${JSON.stringify(hooksModule)});
const path = require('node:path');
const config = { source: 'functions', predeploy: [${JSON.stringify(predeploy)}] };
const options = {
  project: 'demo-deploy-npmrc',
  projectRoot: ${JSON.stringify(repoDir)},
  config: { projectDir: ${JSON.stringify(repoDir)}, get: (t) => (t === 'functions' ? [config] : undefined),
            path: (p) => path.resolve(${JSON.stringify(repoDir)}, p) },
};
lifecycleHooks('functions', 'predeploy')({}, options).then(
  () => { process.stdout.write('predeploy done\\n'); process.stdin.resume(); process.stdin.on('end', () => process.exit(0)); },
  (e) => { process.stderr.write(String(e) + '\\n'); process.exit(2); },
);
`;

const waitFor = async (what: () => boolean, ms: number) => {
  const until = Date.now() + ms;
  while (!what() && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  return what();
};

describe('the deploy-time functions/.npmrc never outlives its deploy', { timeout: 60_000 }, () => {
  it('exists during a deploy that ends without postdeploy (dry run, failure), and is gone when it ends', async () => {
    expect(predeploy).toContain('functions-lockfile.mjs');
    const npmrc = join(work, 'dry-run.npmrc');
    const cli = spawn(process.execPath, ['-e', FAKE_CLI], {
      cwd: repoDir,
      env: { ...process.env, RESOURCE_DIR: undefined, DEPLOY_NPMRC_PATH: npmrc, DEPLOY_NPMRC_POLL_MS: '50' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.push(cli);
    let out = '';
    cli.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    cli.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    expect(await waitFor(() => out.includes('predeploy done') || cli.exitCode !== null, 30_000)).toBe(true);
    expect(out).toContain('predeploy done');

    // During the deploy (prepare, upload): present, saying legacy-peer-deps, naming the CLI's process.
    const text = readFileSync(npmrc, 'utf8');
    expect(text).toMatch(/^legacy-peer-deps=true$/m);
    expect(text).toContain(`# deploy pid ${cli.pid}`);
    await new Promise((r) => setTimeout(r, 400));
    expect(existsSync(npmrc)).toBe(true);

    // The CLI ends without a postdeploy: the file goes with it.
    cli.stdin!.end();
    expect(await waitFor(() => cli.exitCode !== null, 10_000)).toBe(true);
    expect(await waitFor(() => !existsSync(npmrc), 5_000)).toBe(true);
  });

  it('--check (npm test, every predeploy) removes a file whose deploy has ended, and leaves others alone', () => {
    const run = (path: string) =>
      spawnSync(process.execPath, [SCRIPT, '--check'], {
        encoding: 'utf8',
        env: { ...process.env, DEPLOY_NPMRC_PATH: path },
      });
    const mark = '# Written by functions/scripts/functions-lockfile.mjs for one deploy\n';
    const ended = join(work, 'ended.npmrc');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(ended, `${mark}# deploy pid ${dead}\nlegacy-peer-deps=true\n`);
    const running = join(work, 'running.npmrc');
    writeFileSync(running, `${mark}# deploy pid ${process.pid}\nlegacy-peer-deps=true\n`);
    const foreign = join(work, 'foreign.npmrc');
    writeFileSync(foreign, 'registry=https://example.invalid/\n');

    const first = run(ended);
    expect(first.status).toBe(0);
    expect(first.stdout).toContain('left by a deploy that has ended');
    expect(existsSync(ended)).toBe(false);
    expect(run(running).status).toBe(0);
    expect(existsSync(running)).toBe(true);
    expect(run(foreign).status).toBe(0);
    expect(existsSync(foreign)).toBe(true);
  });
});
