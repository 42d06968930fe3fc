import type { Clock, DocumentStore } from '../ports.js';
import { AppError } from '../domain/errors.js';

/** At most `max` calls per `windowMs` per user (a fixed window that starts with the first call). */
export interface CallLimit {
  /** The counter's name: usually the callable's. */
  key: string;
  max: number;
  windowMs: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Per-user limits of the callables that write or cost money, generous for people and tight for scripts. Counted per
 * attempt (a refused or failing call counts too: brute force is attempts), in `callLimits/{uid}` (server-only).
 * Backend identities (service role) are not limited here.
 */
export const CALL_LIMITS = {
  createDirectConversation: { key: 'createDirectConversation', max: 30, windowMs: HOUR },
  createGroup: { key: 'createGroup', max: 10, windowMs: HOUR },
  updateGroup: { key: 'updateGroup', max: 30, windowMs: MINUTE },
  addMembers: { key: 'addMembers', max: 30, windowMs: MINUTE },
  membership: { key: 'membership', max: 60, windowMs: MINUTE },
  sendMessage: { key: 'sendMessage', max: 60, windowMs: MINUTE },
  editMessage: { key: 'editMessage', max: 60, windowMs: MINUTE },
  deleteMessage: { key: 'deleteMessage', max: 60, windowMs: MINUTE },
  pinMessage: { key: 'pinMessage', max: 30, windowMs: MINUTE },
  reportMessage: { key: 'reportMessage', max: 20, windowMs: HOUR },
  decideModeration: { key: 'decideModeration', max: 120, windowMs: MINUTE },
  block: { key: 'block', max: 60, windowMs: MINUTE },
  registerDevice: { key: 'registerDevice', max: 20, windowMs: HOUR },
  unregisterDevice: { key: 'unregisterDevice', max: 20, windowMs: HOUR },
  startPhoneVerification: { key: 'startPhoneVerification', max: 10, windowMs: HOUR },
  checkPhoneVerification: { key: 'checkPhoneVerification', max: 10, windowMs: 10 * MINUTE },
  preferences: { key: 'preferences', max: 60, windowMs: MINUTE },
  notificationCenter: { key: 'notificationCenter', max: 120, windowMs: MINUTE },
  search: { key: 'search', max: 60, windowMs: MINUTE },
  searchKey: { key: 'searchKey', max: 30, windowMs: HOUR },
  export: { key: 'export', max: 10, windowMs: HOUR },
  exportMyData: { key: 'exportMyData', max: 3, windowMs: DAY },
  staffRead: { key: 'staffRead', max: 120, windowMs: HOUR },
  deleteMyAccount: { key: 'deleteMyAccount', max: 5, windowMs: HOUR },
} as const satisfies Record<string, CallLimit>;

export const callLimitPath = (uid: string) => `callLimits/${uid}`;

/**
 * Counts one call against `limit`, or refuses it: RESOURCE_EXHAUSTED with `retryAfterSeconds` (in the message and in
 * the error's details, which reach the client). One transaction on the user's own counter document.
 */
export async function consumeCall(store: DocumentStore, clock: Clock, uid: string, limit: CallLimit): Promise<void> {
  const now = clock.now();
  await store.transaction(async (tx) => {
    const snap = await tx.get(callLimitPath(uid));
    const entry = snap.data?.[limit.key] as { start?: unknown; count?: unknown } | undefined;
    const start = entry?.start instanceof Date ? entry.start : undefined;
    const fresh = !start || now.getTime() - start.getTime() >= limit.windowMs || now.getTime() < start.getTime();
    const count = fresh ? 0 : typeof entry?.count === 'number' ? entry.count : 0;
    if (count >= limit.max) {
      const seconds = Math.max(1, Math.ceil((start!.getTime() + limit.windowMs - now.getTime()) / 1000));
      throw new AppError('resource-exhausted', `too many requests: try again in ${seconds} s`, {
        retryAfterSeconds: seconds,
        limit: limit.key,
      });
    }
    tx.set(callLimitPath(uid), { [limit.key]: { start: fresh ? now : start, count: count + 1 } }, { merge: true });
  });
}
