import { Agent } from 'node:https';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { Answer, Recorded } from '../../unit/delivery/loopback.js';
import { Loopback } from '../../unit/delivery/loopback.js';

export const FCM_PROJECT = 'demo-fcm';

/** FCM v1 error body, as Google returns it (firebase-admin maps `details[].errorCode` to messaging/* codes). */
export const fcmErrorBody = (httpCode: number, status: string, errorCode: string, message: string) => ({
  error: { code: httpCode, message, status, details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode }] },
});

/**
 * FCM HTTP v1 `POST /v1/projects/{project}/messages:send` on loopback. Tokens in `unregistered` answer 404
 * UNREGISTERED; `invalid` ones 400 INVALID_ARGUMENT; every other token gets a message name.
 */
export function fakeFcm() {
  let counter = 0;
  const unregistered = new Set<string>();
  const server = new Loopback((req: Recorded): Answer => {
    if (req.method !== 'POST' || req.path !== `/v1/projects/${FCM_PROJECT}/messages:send`) return { status: 404, body: fcmErrorBody(404, 'NOT_FOUND', 'UNSPECIFIED_ERROR', 'no such method') };
    const token = (JSON.parse(req.raw) as { message: { token: string } }).message.token;
    if (unregistered.has(token)) return { status: 404, body: fcmErrorBody(404, 'NOT_FOUND', 'UNREGISTERED', 'Requested entity was not found.') };
    return { status: 200, body: { name: `projects/${FCM_PROJECT}/messages/${++counter}` } };
  });
  return { server, unregistered };
}

/**
 * firebase-admin has no FCM endpoint setting, but takes an https Agent (AppOptions.httpAgent): this one opens a
 * plain TCP connection to the loopback server whatever host is asked for, so the SDK's own request reaches it.
 */
export class LoopbackAgent extends Agent {
  constructor(private readonly port: number) {
    super({ keepAlive: false });
  }

  override createConnection(): Socket {
    return connect(this.port, '127.0.0.1');
  }
}
