/**
 * The sandbox-providers process:
 *   node lib/local/sandbox/main.js --port 5006 [--host 127.0.0.1] [--out <dir>] [--functions-origin <url>] [--quiet]
 * Started by `npm run emulators` and the emulator test tier before the Firebase emulator suite; the functions reach it
 * through SANDBOX_PROVIDERS_URL. When started by a parent over IPC it reports `{ ready: url }` or `{ failed: reason }`.
 */
import { resolve } from 'node:path';
import { SandboxServer } from './server.js';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const port = Number(option('port') ?? 5006);
  const host = option('host') ?? '127.0.0.1';
  const out = option('out');
  const quiet = process.argv.includes('--quiet');
  const functionsOrigin = option('functions-origin');
  const sandbox = new SandboxServer({
    ...(out ? { outDir: resolve(out) } : {}),
    ...(functionsOrigin ? { functionsOrigin } : {}),
    ...(quiet ? {} : { log: (line: string) => console.log(line) }),
  });
  try {
    await sandbox.start(port, host);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason = code === 'EADDRINUSE' ? `port ${host}:${port} is already in use` : String(error);
    process.send?.({ failed: reason });
    console.error(`✖ sandbox providers cannot start: ${reason}`);
    process.exit(1);
  }
  process.send?.({ ready: sandbox.url });
  if (!process.send)
    console.log(`sandbox providers (FCM, Twilio, SendGrid, Algolia) at ${sandbox.url}; outbox ${sandbox.url}/outbox`);
  const stop = () => void sandbox.stop().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // Started over IPC: when the parent goes away, so does the sandbox (no orphan holding the port).
  process.on('disconnect', stop);
}

void main();
