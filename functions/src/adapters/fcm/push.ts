import type { App } from 'firebase-admin/app';
import type { BatchResponse, Messaging } from 'firebase-admin/messaging';
import type { PushMessage, PushResult, PushSender } from '../../ports.js';
import { ProviderError } from '../../domain/delivery/providerError.js';
import { fcmError } from './errors.js';

/** FCM takes at most 500 messages per `sendEach` call. */
export const FCM_MAX_BATCH = 500;

/**
 * Push through FCM HTTP v1 with firebase-admin messaging. Every message gets its own answer (a dead token is pruned
 * while the user's other devices still receive), in the order of `messages`.
 *
 * - One message: `send`, over the SDK's pooled keep-alive connection (no new connection per push).
 * - Several (a user's devices, a batch's jobs): `sendEach`, 500 messages a call, which FCM answers per message. It
 *   multiplexes them over one HTTP/2 session per call, except when the app has an `httpAgent` (a proxy; the sandbox
 *   and the tests' loopback FCM): the SDK's HTTP/2 session connects to fcm.googleapis.com itself and would bypass
 *   that agent, so such an app gets the SDK's HTTP/1.1 transport, which goes through it. Same requests either way
 *   (one `POST …/messages:send` per message), which is what the loopback FCM serves.
 */
export class FcmPushSender implements PushSender {
  constructor(private readonly app: () => App) {}

  private messagingPromise: Promise<Messaging> | undefined;

  private messaging(): Promise<Messaging> {
    this.messagingPromise ??= (async () => {
      const { getMessaging } = await import('firebase-admin/messaging');
      const app = this.app();
      const messaging = getMessaging(app);
      if (app.options.httpAgent) messaging.enableLegacyHttpTransport();
      return messaging;
    })();
    this.messagingPromise.catch(() => (this.messagingPromise = undefined));
    return this.messagingPromise;
  }

  async send(messages: readonly PushMessage[]): Promise<PushResult[]> {
    if (messages.length === 0) return [];
    const messaging = await this.messaging();
    if (messages.length === 1) {
      const [message] = messages as [PushMessage];
      try {
        return [{ token: message.token, ok: true, messageId: await messaging.send(message) }];
      } catch (error) {
        return [{ token: message.token, ok: false, error: fcmError(error) }];
      }
    }
    const chunks: PushMessage[][] = [];
    for (let i = 0; i < messages.length; i += FCM_MAX_BATCH) chunks.push(messages.slice(i, i + FCM_MAX_BATCH));
    const answers = await Promise.all(chunks.map((chunk) => sendChunk(messaging, chunk)));
    return answers.flat();
  }
}

async function sendChunk(messaging: Messaging, chunk: readonly PushMessage[]): Promise<PushResult[]> {
  let batch: BatchResponse;
  try {
    batch = await messaging.sendEach(chunk as PushMessage[]);
  } catch (error) {
    // The HTTP/2 session failed (GOAWAY, connection lost): the answers that did arrive are in pendingBatchResponse;
    // without it nothing is known, and every message is a transient failure (retried by the caller's policy).
    const pending = (error as { pendingBatchResponse?: Promise<BatchResponse> }).pendingBatchResponse;
    const salvaged = pending ? await pending.catch(() => undefined) : undefined;
    if (!salvaged) {
      const failure = new ProviderError('fcm', true, 'app/network-error', `FCM sendEach failed: ${String(error)}`);
      return chunk.map((message) => ({ token: message.token, ok: false, error: failure }));
    }
    batch = salvaged;
  }
  return chunk.map((message, i): PushResult => {
    const response = batch.responses[i];
    if (response?.success && response.messageId)
      return { token: message.token, ok: true, messageId: response.messageId };
    return { token: message.token, ok: false, error: fcmError(response?.error ?? new Error('FCM gave no answer')) };
  });
}
