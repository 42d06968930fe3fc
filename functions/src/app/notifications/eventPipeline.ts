import { z } from 'zod';
import { TOPICS } from '../../domain/channels.js';
import { errorText, invalidArgument } from '../../domain/errors.js';
import { paths } from '../../domain/paths.js';
import { EventRejected, audienceSchema, parseEvent } from '../../domain/notifications/events.js';
import { planEvent } from '../../domain/notifications/plans.js';
import type { DomainEvent } from '../../domain/notifications/events.js';
import type { PlannedNotification, RoutingOptions } from '../../domain/notifications/plans.js';
import { userProfileSchema } from '../../domain/users.js';
import type { DocData, Logger } from '../../ports.js';
import { fanoutAudience } from './audience.js';
import { deliverChunk } from './chunkDelivery.js';
import type { PreferencesRepo } from './preferencesRepo.js';
import { deliverToRecipient } from './recipientDelivery.js';
import type { RecipientDeps, RecipientOutcome } from './recipientDelivery.js';
import { expiresAtFor } from '../../domain/compliance/retention.js';
import { hashedId } from '../../domain/ids.js';
import { forEachWithLimit } from '../concurrency.js';

export type EventSource = 'document' | 'callable' | 'pubsub';

export interface EventPipelineDeps extends RecipientDeps {
  logger: Logger;
  preferences: PreferencesRepo;
  routing: RoutingOptions;
  /** Audience members per fan-out chunk (one Pub/Sub message, one function invocation). */
  fanoutChunkSize: number;
  /** Recipients handled at once within an invocation. */
  concurrency: number;
}

/** The canonical id of an event with this idempotency key: the same key from any source is the same event. */
export const eventIdFor = (idempotencyKey: string) => hashedId(idempotencyKey, { length: 32, prefix: 'evt_' });

const eventKeyPath = (idempotencyKey: string) => `eventKeys/${hashedId(idempotencyKey, { length: 40 })}`;

/** Messages on `notification-fanout`: a page walks the audience, a chunk notifies one page of members. */
export const fanoutMessageSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('page'), eventId: z.string().min(1), cursor: z.string().optional() }),
  z.object({ kind: z.literal('chunk'), eventId: z.string().min(1), uids: z.array(z.string().min(1)).min(1).max(1000) }),
]);
export type FanoutMessage = z.infer<typeof fanoutMessageSchema>;

export interface Submitted {
  eventId: string;
  status: 'processed' | 'rejected' | 'duplicate';
  error?: string;
}

/**
 * Events in, notifications out. Three doors (events/ documents, the publishEvent callable, the domain-events topic)
 * lead to one `process`: validate, record the event, plan recipients, hand each to `deliverToRecipient`, and walk
 * large audiences page by page over `notification-fanout` so no invocation grows with the audience.
 */
export class EventPipeline {
  constructor(private readonly d: EventPipelineDeps) {}

  /** publishEvent and the domain-events topic: records events/{evt_<hash of key>} and processes it. */
  async submit(raw: unknown, source: Exclude<EventSource, 'document'>, attemptId: string): Promise<Submitted> {
    const key = idempotencyKeyOf(raw);
    const eventId = key ? eventIdFor(key) : hashedId(JSON.stringify(raw ?? null), { length: 32, prefix: 'rejected_' });
    let event: DomainEvent;
    try {
      event = parseEvent(raw);
    } catch (error) {
      if (!(error instanceof EventRejected)) throw error;
      await this.d.store.set(
        paths.event(eventId),
        { ...rejectionFields(error, this.d.clock.now()), source, received: summarize(raw) },
        { merge: true },
      );
      this.d.logger.warn('event rejected', { eventId, source, error: error.message });
      return { eventId, status: 'rejected', error: error.message };
    }
    const record = {
      ...eventFields(event),
      source,
      status: 'received',
      receivedAt: this.d.clock.now(),
      expiresAt: expiresAtFor('events', this.d.clock.now()),
    };
    if (!(await this.d.store.create(paths.event(eventId), record))) {
      // Seen before. If that attempt was rejected, this corrected one replaces it; otherwise processing resumes.
      const previous = await this.d.store.get(paths.event(eventId));
      if (previous.data?.status === 'rejected')
        await this.d.store.set(paths.event(eventId), { ...record, error: null, errorField: null }, { merge: true });
    }
    return this.process(eventId, event, attemptId);
  }

  /** The events/{eventId} trigger. Events that publishEvent or the topic recorded were processed there already. */
  async onDocument(eventId: string, data: DocData | undefined, attemptId: string): Promise<Submitted> {
    if (data?.source && data.source !== 'document') return { eventId, status: 'processed' };
    let event: DomainEvent;
    try {
      event = parseEvent(data);
    } catch (error) {
      if (!(error instanceof EventRejected)) throw error;
      await this.d.store.set(paths.event(eventId), rejectionFields(error, this.d.clock.now()), { merge: true });
      this.d.logger.warn('event rejected', { eventId, source: 'document', error: error.message });
      return { eventId, status: 'rejected', error: error.message };
    }
    return this.process(eventId, event, attemptId);
  }

  private async process(eventId: string, event: DomainEvent, attemptId: string): Promise<Submitted> {
    const log = this.d.logger.child({ eventId, type: event.type });
    // The same idempotency key under another event id (a second events/ document) is a duplicate of the first.
    const owner = await this.d.store.transaction(async (tx) => {
      const claim = await tx.get(eventKeyPath(event.idempotencyKey));
      const current = await tx.get(paths.event(eventId));
      if (claim.exists && claim.data!.eventId !== eventId) {
        if (current.exists) tx.update(paths.event(eventId), { status: 'duplicate', duplicateOf: claim.data!.eventId });
        return String(claim.data!.eventId);
      }
      if (!claim.exists)
        tx.create(eventKeyPath(event.idempotencyKey), {
          eventId,
          idempotencyKey: event.idempotencyKey,
          at: this.d.clock.now(),
          expiresAt: expiresAtFor('eventKeys', this.d.clock.now()),
        });
      return eventId;
    });
    if (owner !== eventId) {
      log.info('duplicate event', { duplicateOf: owner });
      return { eventId, status: 'duplicate' };
    }
    const snap = await this.d.store.get(paths.event(eventId));
    if (snap.data?.status === 'processed') return { eventId, status: 'processed' };

    try {
      const plan = planEvent(event, this.d.routing);
      const outcomes = await this.deliverAll(eventId, attemptId, plan.direct);
      if (plan.audience)
        await this.d.publisher.publish(TOPICS.fanout, { kind: 'page', eventId } satisfies FanoutMessage, { eventId });
      await this.d.store.set(
        paths.event(eventId),
        {
          status: 'processed',
          processedAt: this.d.clock.now(),
          directRecipients: plan.direct.length,
          fanout: !!plan.audience,
          // Events written straight into events/ by a backend carry no expiry of their own (TTL, issue 12).
          error: null,
          ...(snap.data?.expiresAt ? {} : { expiresAt: expiresAtFor('events', this.d.clock.now()) }),
        },
        { merge: true },
      );
      log.info('event processed', { recipients: plan.direct.length, outcomes, fanout: !!plan.audience });
      return { eventId, status: 'processed' };
    } catch (error) {
      // Recorded for whoever looks at the event, then rethrown so Pub/Sub or the trigger retries.
      await this.d.store.set(paths.event(eventId), { status: 'failed', error: errorText(error) }, { merge: true });
      throw error;
    }
  }

  /** notification-fanout: a page publishes its chunk and the next page; a chunk notifies its members. */
  async onFanout(data: unknown, attemptId: string): Promise<void> {
    const parsed = fanoutMessageSchema.safeParse(data);
    if (!parsed.success) {
      // Not retryable: the message will never parse. Logged, not thrown.
      this.d.logger.error('bad fan-out message', { error: parsed.error.message });
      return;
    }
    const message = parsed.data;
    const snap = await this.d.store.get(paths.event(message.eventId));
    const event = parseEvent(snap.data);
    const plan = planEvent(event, this.d.routing);
    if (!plan.audience) return;
    if (message.kind === 'page') {
      // The whole audience in one listing, then every chunk at once: no serial chain of pages. A `page` with a
      // cursor comes from the former page-by-page walk (in flight across a deploy): it finishes the rest the same way.
      const uids = await fanoutAudience(this.d, plan.audience.audience, message.eventId, message.cursor);
      const size = this.d.fanoutChunkSize;
      const chunks: string[][] = [];
      for (let i = 0; i < uids.length; i += size) chunks.push(uids.slice(i, i + size));
      await Promise.all(
        chunks.map((chunk) =>
          this.d.publisher.publish(
            TOPICS.fanout,
            { kind: 'chunk', eventId: message.eventId, uids: chunk } satisfies FanoutMessage,
            { eventId: message.eventId },
          ),
        ),
      );
      return;
    }
    // Direct recipients were told already (and the actor is not told about their own action).
    const skip = new Set([...plan.audience.exclude, ...plan.direct.map((r) => r.uid)]);
    const outcome = await deliverChunk(
      this.d,
      message.eventId,
      attemptId,
      message.uids.filter((uid) => !skip.has(uid)),
      plan.audience.notification,
    );
    this.d.logger.info('fan-out chunk', { eventId: message.eventId, recipients: message.uids.length, ...outcome });
  }

  private async deliverAll(
    eventId: string,
    attemptId: string,
    recipients: ReadonlyArray<{ uid: string; notification: PlannedNotification }>,
  ): Promise<Record<RecipientOutcome | 'skipped', number>> {
    const outcomes: Record<RecipientOutcome | 'skipped', number> = {
      delivered: 0,
      duplicate: 0,
      republished: 0,
      skipped: 0,
    };
    if (recipients.length === 0) return outcomes;
    const uids = recipients.map((r) => r.uid);
    const [profiles, prefs] = await Promise.all([
      this.d.store.getAll(uids.map((uid) => paths.user(uid))),
      this.d.preferences.getMany(uids),
    ]);
    await forEachWithLimit(recipients, this.d.concurrency, async ({ uid, notification }, i) => {
      const profile = userProfileSchema.safeParse(profiles[i]!.data ?? {});
      if (!profiles[i]!.exists || !profile.success) {
        // No profile (deleted account) or an unreadable one: nobody to notify; not an error for the event.
        outcomes.skipped++;
        return;
      }
      const outcome = await deliverToRecipient(
        this.d,
        eventId,
        attemptId,
        { uid, profile: profile.data, prefs: prefs.get(uid)! },
        notification,
      );
      outcomes[outcome]++;
    });
    return outcomes;
  }
}

function idempotencyKeyOf(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const key = (raw as Record<string, unknown>).idempotencyKey;
  return typeof key === 'string' && key.length > 0 && key.length <= 256 ? key : undefined;
}

function eventFields(event: DomainEvent): DocData {
  return {
    type: event.type,
    idempotencyKey: event.idempotencyKey,
    occurredAt: event.occurredAt,
    payload: event.payload,
    ...(event.audience ? { audience: audienceSchema.parse(event.audience) } : {}),
  };
}

function rejectionFields(error: EventRejected, now: Date): DocData {
  return {
    status: 'rejected',
    error: error.message,
    errorField: error.field,
    rejectedAt: now,
    expiresAt: expiresAtFor('events', now),
  };
}

/** What a rejected event looked like, bounded (the payload may be the reason it was rejected). */
function summarize(raw: unknown): DocData {
  const text = JSON.stringify(raw ?? null) ?? 'null';
  return { json: text.length > 2000 ? `${text.slice(0, 2000)}…` : text };
}

/** publishEvent's answer to a rejected event: INVALID_ARGUMENT naming the field. */
export function rejectionError(submitted: Submitted) {
  return invalidArgument(`event rejected: ${submitted.error}`, { eventId: submitted.eventId });
}
