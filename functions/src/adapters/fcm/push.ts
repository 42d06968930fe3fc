import type { App } from 'firebase-admin/app';
import type { PushMessage, PushResult, PushSender } from '../../ports.js';
import { fcmError } from './errors.js';

/**
 * Push through FCM HTTP v1 with firebase-admin messaging: one `send` per device token, side by side, so each token
 * gets its own answer (a dead token is pruned while the user's other devices still receive).
 */
export class FcmPushSender implements PushSender {
  constructor(private readonly app: () => App) {}

  async send(messages: readonly PushMessage[]): Promise<PushResult[]> {
    const { getMessaging } = await import('firebase-admin/messaging');
    const messaging = getMessaging(this.app());
    const results = await Promise.allSettled(messages.map((message) => messaging.send(message)));
    return results.map((result, i): PushResult => {
      const token = messages[i]!.token;
      return result.status === 'fulfilled'
        ? { token, ok: true, messageId: result.value }
        : { token, ok: false, error: fcmError(result.reason) };
    });
  }
}
