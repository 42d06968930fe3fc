import type { DocData } from '../ports.js';
import type { DomainEvent } from '../domain/notifications/events.js';
import { EventRejected, parseEvent } from '../domain/notifications/events.js';

/**
 * What a trigger on `events/{eventId}` writes acts on: the event, when its document has just appeared or a rejected
 * one was replaced by a valid retry (publishEvent overwrites the rejection). Otherwise why not: deleted, a later write
 * (the pipeline's own status updates), a type the caller does not want (`wanted` looks at the raw document, so those
 * cost no parse), or an event the intake rejects (`rejected`: it records why on the same document; nothing is learned
 * from it).
 */
export function acceptedEvent(
  before: DocData | undefined,
  after: DocData | undefined,
  wanted: (doc: DocData) => boolean,
  notWanted: string,
):
  | { event: DomainEvent; ignored?: undefined; rejected?: undefined }
  | { event?: undefined; ignored: string; rejected?: boolean } {
  if (!after) return { ignored: 'deleted' };
  if (before && before.status !== 'rejected') return { ignored: 'already seen' };
  if (!wanted(after)) return { ignored: notWanted };
  try {
    return { event: parseEvent(after) };
  } catch (error) {
    if (error instanceof EventRejected) return { ignored: error.message, rejected: true };
    throw error;
  }
}
