import { AppError, errorText } from '../domain/errors.js';
import { hashedId } from '../domain/ids.js';
import type { Clock, DocumentStore, Logger } from '../ports.js';

/**
 * What the retried event functions (Firestore triggers, Pub/Sub consumers, the Auth delete trigger) do with a failure.
 * Cloud Functions redelivers a failed event with backoff for up to a day (v2) or seven (v1): worth it for a store or
 * provider outage, useless for an event that will fail the same way every time. Those are recorded in `deadLetters/`
 * (with the reason, where an operator sees them: README "Operating") and acknowledged; the rest is rethrown.
 */

/**
 * Older events are dropped and recorded instead of handled: a notification hours late is noise, and an event still
 * failing after this long is not going to succeed on its own. Six hours covers a provider's long outage.
 */
export const MAX_EVENT_AGE_MS = 6 * 60 * 60 * 1000;

/** How long a dead letter is kept (Firestore TTL on `expiresAt`): a month to look at and replay it. */
const DEAD_LETTER_DAYS = 30;

export const deadLetterPath = (id: string) => `deadLetters/${id}`;

/**
 * Permanent: bad input (a validation error, zod's or an AppError `invalid-argument`), a document that is not there
 * (`not-found`: a missing events/ document stays missing), what a rule refuses (`permission-denied`), a create that
 * found its document (`already-exists`). Everything else (a store or provider error, `unavailable`, a missing secret
 * or bad configuration, which a deploy fixes) is transient and retried.
 */
export function isPermanent(error: unknown): boolean {
  if (error instanceof AppError)
    return ['invalid-argument', 'not-found', 'permission-denied', 'already-exists'].includes(error.code);
  const name = error instanceof Error ? error.name : undefined;
  // Validation errors raised outside AppError: zod's, and the notification event parser's (EventRejected).
  return name === 'ZodError' || name === 'EventRejected';
}

export interface RetriedEvent {
  /** Which trigger: `firestore:events/{eventId}`, `pubsub:deliver-sms`, `auth:user.delete`. */
  trigger: string;
  /** The event id: the same on every delivery of one event, so a dead letter is written once. */
  eventId: string;
  /** When the event happened (CloudEvent `time`); undefined: no age cutoff (the Auth delete trigger). */
  time?: string;
}

export type RetryOutcome = 'handled' | 'too-old' | 'permanent-failure';

export class EventRetryPolicy {
  constructor(
    private readonly d: { store: DocumentStore; clock: Clock; logger: Logger },
    private readonly maxAgeMs = MAX_EVENT_AGE_MS,
  ) {}

  /** Runs `work` unless the event is too old; records and swallows permanent failures; rethrows transient ones. */
  async run(event: RetriedEvent, work: () => Promise<unknown>): Promise<RetryOutcome> {
    const eventTime = event.time ? new Date(event.time) : undefined;
    const now = this.d.clock.now();
    if (eventTime && !Number.isNaN(eventTime.getTime()) && now.getTime() - eventTime.getTime() > this.maxAgeMs) {
      await this.record(event, 'too-old', `event older than ${this.maxAgeMs / 3_600_000} h: dropped, not handled`);
      return 'too-old';
    }
    try {
      await work();
      return 'handled';
    } catch (error) {
      if (!isPermanent(error)) throw error;
      await this.record(event, 'permanent-failure', errorText(error));
      return 'permanent-failure';
    }
  }

  private async record(event: RetriedEvent, reason: Exclude<RetryOutcome, 'handled'>, error: string): Promise<void> {
    const now = this.d.clock.now();
    const id = hashedId(`${event.trigger}|${event.eventId}`, { length: 32 });
    await this.d.store.set(deadLetterPath(id), {
      trigger: event.trigger,
      eventId: event.eventId,
      reason,
      error,
      eventTime: event.time ? new Date(event.time) : null,
      recordedAt: now,
      expiresAt: new Date(now.getTime() + DEAD_LETTER_DAYS * 86_400_000),
    });
    this.d.logger.warn('event dead-lettered', { trigger: event.trigger, eventId: event.eventId, reason, error });
  }
}
