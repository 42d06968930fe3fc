import type { Clock, DocData, DocumentStore, Logger } from '../../ports.js';
import { fieldOps } from '../../ports.js';
import type { DomainEvent } from '../../domain/notifications/events.js';
import { acceptedEvent } from '../acceptedEvent.js';
import type { AuctionSource, ReminderLabel, WorkshopSource } from '../../domain/scheduling/schedules.js';
import { REMINDER_OFFSETS, reminderChange, reminderId, schedulePath } from '../../domain/scheduling/schedules.js';
import { itemFields, itemOf } from './store.js';

/** The events that keep reminders (everything else in events/ is ignored cheaply, by type, before parsing). */
const REMINDER_EVENTS = new Set([
  'auction.listed',
  'auction.cancelled',
  'community.event',
  'community.event_cancelled',
]);

export type ReminderOutcome =
  { status: 'ignored'; reason: string } | { status: 'applied'; changes: Partial<Record<ReminderLabel, string>> };

type Update = Parameters<typeof reminderChange>[1];

/**
 * Reminders 24 h and 1 h before an auction ends or a community event starts, kept by the events that announce them
 * (`auction.listed`, `community.event`), move them (the same events again with a later `occurredAt` and a new time) and
 * cancel them (`auction.cancelled`, `community.event_cancelled`). Every accepted event is an `events/` document
 * whichever door it came by; the trigger on it (src/functions/scheduling.ts) calls `onEventWritten`. Both reminders
 * of a source change in one transaction with ids derived from the source, so an event processed twice writes the same
 * documents once, and an older event arriving late changes nothing (src/domain/scheduling/schedules.ts).
 */
export class EventReminders {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** As the order view: applied when the document appears, or when a rejected one is replaced by a valid retry. */
  async onEventWritten(
    eventId: string,
    before: DocData | undefined,
    after: DocData | undefined,
  ): Promise<ReminderOutcome> {
    const { event, ignored } = acceptedEvent(
      before,
      after,
      (doc) => typeof doc.type === 'string' && REMINDER_EVENTS.has(doc.type),
      'not a reminder event',
    );
    if (!event) return { status: 'ignored', reason: ignored };
    const update = updateOf(event);
    if (!update) return { status: 'ignored', reason: 'not a reminder event' };
    const outcome = await this.apply(update);
    this.logger.info('reminders applied', { eventId, type: event.type, ...outcome.changes });
    return outcome;
  }

  async apply(update: Update): Promise<{ status: 'applied'; changes: Partial<Record<ReminderLabel, string>> }> {
    const kind = update.kind === 'announce' ? update.source.kind : update.sourceKind;
    const ref = update.kind === 'announce' ? update.source.ref : update.ref;
    const ids = REMINDER_OFFSETS.map((o) => [o.label, reminderId(kind, ref, o.label)] as const);
    const changes = await this.store.transaction(async (tx) => {
      const now = this.clock.now();
      const snaps = await tx.getAll(ids.map(([, id]) => schedulePath(id)));
      const result: Partial<Record<ReminderLabel, string>> = {};
      ids.forEach(([label, id], i) => {
        const change = reminderChange(itemOf(snaps[i]!.data), update, label, now);
        result[label] = change.reason;
        if (change.action === 'write')
          tx.set(
            schedulePath(id),
            {
              ...itemFields(change.item),
              // Re-armed (released → pending): no longer history, so the TTL must not take it (scheduler.ts).
              ...(change.item.status === 'pending' && snaps[i]!.data?.expiresAt
                ? { expiresAt: fieldOps.delete(), releasedAt: fieldOps.delete() }
                : {}),
              updatedAt: now,
              ...(snaps[i]!.exists ? {} : { createdAt: now }),
            },
            { merge: true },
          );
      });
      return result;
    });
    return { status: 'applied', changes };
  }
}

/** What an event means for its reminders, or undefined when it means nothing. */
function updateOf(event: DomainEvent): Update | undefined {
  const at = event.occurredAt;
  switch (event.type) {
    case 'auction.listed': {
      const p = event.payload;
      const source: AuctionSource = {
        kind: 'auction',
        ref: p.auctionId,
        title: p.auctionTitle,
        target: new Date(p.endsAt),
      };
      return { kind: 'announce', source, at };
    }
    case 'auction.cancelled':
      return { kind: 'cancel', sourceKind: 'auction', ref: event.payload.auctionId, at };
    case 'community.event': {
      const p = event.payload;
      const source: WorkshopSource = {
        kind: 'workshop',
        ref: p.eventRef,
        title: p.eventTitle,
        target: new Date(p.startsAt),
        location: p.location,
        eventKind: p.kind,
        hostId: p.hostId,
        ...(event.audience ? { audience: event.audience } : {}),
      };
      return { kind: 'announce', source, at };
    }
    case 'community.event_cancelled':
      return { kind: 'cancel', sourceKind: 'workshop', ref: event.payload.eventRef, at };
    default:
      return undefined;
  }
}
