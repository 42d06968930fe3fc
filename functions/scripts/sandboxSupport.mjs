// The sandbox-providers process (src/local/sandbox, built into lib/local/sandbox): FCM, Twilio, SendGrid and Algolia
// on one loopback port, capturing what the functions send. `npm run emulators` and the emulator test tier start it
// before firebase-tools and hand its URL to the Functions emulator in SANDBOX_PROVIDERS_URL (firebase-tools passes its
// own environment on to every function it runs; the functions read the variable only when FUNCTIONS_EMULATOR=true).
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FUNCTIONS_DIR } from './emulatorSupport.mjs';

export const SANDBOX_URL_ENV = 'SANDBOX_PROVIDERS_URL';
/**
 * The sandbox's port is the Functions emulator's + 5 (5006 by default), so EMULATOR_PORT_OFFSET shifts it too; + 5
 * keeps it off every port of a suite shifted by a multiple of 10.
 */
export const SANDBOX_PORT_FROM_FUNCTIONS = 5;

/**
 * Where the sandbox listens for a suite config from emulatorSupport.suiteConfig(), and the Functions emulator's origin
 * (where the sandbox Twilio posts status callbacks).
 */
export function sandboxAddress(config) {
  const functions = config.ports.functions;
  return {
    host: functions.host,
    port: functions.port + SANDBOX_PORT_FROM_FUNCTIONS,
    functionsOrigin: `http://${config.at('functions')}`,
  };
}

/**
 * Starts the sandbox (after the build) and resolves once it listens: `{ url, env, stop() }`, or rejects with a reason
 * (its port taken, the build missing). It stops with its parent (IPC disconnect), so it never outlives a run.
 */
export function startSandbox({ host, port, outDir, functionsOrigin, quiet = false }) {
  const main = join(FUNCTIONS_DIR, 'lib', 'local', 'sandbox', 'main.js');
  if (!existsSync(main))
    return Promise.reject(new Error(`${main} is missing: build the functions first (npx tsc -p tsconfig.build.json)`));
  const args = [
    '--host',
    host,
    '--port',
    String(port),
    ...(outDir ? ['--out', outDir] : []),
    ...(functionsOrigin ? ['--functions-origin', functionsOrigin] : []),
    ...(quiet ? ['--quiet'] : []),
  ];
  const child = fork(main, args, { cwd: FUNCTIONS_DIR, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error('the sandbox providers did not start within 15 s'));
    }, 15_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the sandbox providers exited (${signal ?? `exit ${code}`}) before listening`));
    });
    child.once('message', (message) => {
      clearTimeout(timer);
      if (message?.failed) return reject(new Error(message.failed));
      child.removeAllListeners('exit');
      const url = message.ready;
      resolvePromise({
        url,
        child,
        env: { [SANDBOX_URL_ENV]: url },
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}
