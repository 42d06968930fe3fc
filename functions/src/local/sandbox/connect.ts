import { Agent } from 'node:https';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { SANDBOX_CREDENTIALS } from './credentials.js';

/** Set by `npm run emulators` and the emulator test tier (the Functions emulator passes it on to every function). */
export const SANDBOX_URL_ENV = 'SANDBOX_PROVIDERS_URL';

export interface SandboxConnection {
  /** e.g. http://127.0.0.1:5006 */
  origin: string;
  host: string;
  port: number;
}

/**
 * The sandbox providers to use instead of the real ones, or undefined. Only inside the Functions emulator
 * (FUNCTIONS_EMULATOR=true, which firebase-tools sets for every function it runs) is the variable read at all: a
 * deployed function never looks at it, whatever its environment holds.
 */
export function sandboxProviders(env: NodeJS.ProcessEnv = process.env): SandboxConnection | undefined {
  if (env.FUNCTIONS_EMULATOR !== 'true') return undefined;
  const raw = env[SANDBOX_URL_ENV];
  if (!raw) return undefined;
  const url = new URL(raw);
  if (url.protocol !== 'http:')
    throw new Error(`${SANDBOX_URL_ENV} must be an http:// URL of the sandbox providers, not ${raw}`);
  return { origin: url.origin, host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 80) };
}

/**
 * firebase-admin has no FCM endpoint setting, but takes an https Agent (AppOptions.httpAgent): this one opens a plain
 * TCP connection to the sandbox whatever host the SDK asks for, so the SDK's own FCM v1 request reaches it.
 */
export class RedirectAgent extends Agent {
  constructor(
    private readonly port: number,
    private readonly host = '127.0.0.1',
  ) {
    super({ keepAlive: false });
  }

  override createConnection(): Socket {
    return connect(this.port, this.host);
  }
}

/** A firebase-admin credential that needs no Google: the sandbox FCM takes any Bearer token. */
export const sandboxFcmCredential = {
  getAccessToken: async () => ({ access_token: SANDBOX_CREDENTIALS.fcm.accessToken, expires_in: 3600 }),
};

/** algoliasearch `hosts` for the sandbox. */
export const sandboxAlgoliaHosts = (sandbox: SandboxConnection) => [
  {
    url: sandbox.port ? `${sandbox.host}:${sandbox.port}` : sandbox.host,
    protocol: 'http' as const,
    accept: 'readWrite' as const,
  },
];
