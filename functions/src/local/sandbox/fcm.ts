import type { Answer, Recorded, Route } from './http.js';

/** FCM v1 error body, as Google returns it (firebase-admin maps `details[].errorCode` to messaging/* codes). */
export const fcmErrorBody = (httpCode: number, status: string, errorCode: string, message: string) => ({
  error: {
    code: httpCode,
    message,
    status,
    details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode }],
  },
});

/** Tokens starting with this answer UNREGISTERED in the sandbox, so a developer can watch a dead token being pruned. */
export const SANDBOX_DEAD_TOKEN_PREFIX = 'sandbox-dead-';

export const FCM_SEND_PATH = /^\/v1\/projects\/([^/]+)\/messages:send$/;

/**
 * FCM HTTP v1 `POST /v1/projects/{project}/messages:send`: a Bearer token is required (any, as the sandbox has no
 * Google); tokens in `unregistered` (or with the dead-token prefix) answer 404 UNREGISTERED, `invalid-…` tokens 400
 * INVALID_ARGUMENT, every other token gets a message name. With `project` set, other projects answer 404.
 */
export function fcmProvider(options: { project?: string } = {}) {
  let counter = 0;
  const unregistered = new Set<string>();
  const route: Route = (req: Recorded): Answer => {
    const match = FCM_SEND_PATH.exec(req.path);
    if (req.method !== 'POST' || !match || (options.project && match[1] !== options.project)) {
      return { status: 404, body: fcmErrorBody(404, 'NOT_FOUND', 'UNSPECIFIED_ERROR', 'no such method') };
    }
    if (!String(req.headers.authorization ?? '').startsWith('Bearer ')) {
      return {
        status: 401,
        body: fcmErrorBody(
          401,
          'UNAUTHENTICATED',
          'THIRD_PARTY_AUTH_ERROR',
          'Request is missing required authentication credential.',
        ),
      };
    }
    let token: string;
    try {
      token = String((JSON.parse(req.raw) as { message: { token?: unknown } }).message.token ?? '');
    } catch {
      return {
        status: 400,
        body: fcmErrorBody(400, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'Invalid JSON payload received.'),
      };
    }
    if (unregistered.has(token) || token.startsWith(SANDBOX_DEAD_TOKEN_PREFIX)) {
      return { status: 404, body: fcmErrorBody(404, 'NOT_FOUND', 'UNREGISTERED', 'Requested entity was not found.') };
    }
    if (!token || token.startsWith('invalid-')) {
      return {
        status: 400,
        body: fcmErrorBody(
          400,
          'INVALID_ARGUMENT',
          'INVALID_ARGUMENT',
          'The registration token is not a valid FCM registration token',
        ),
      };
    }
    return { status: 200, body: { name: `projects/${match[1]}/messages/${++counter}` } };
  };
  return { route, unregistered };
}
