import type { DocData, DocumentStore, Logger } from '../../ports.js';
import type { DomainEvent } from '../../domain/notifications/events.js';
import { acceptedEvent } from '../acceptedEvent.js';
import { paths } from '../../domain/paths.js';

/**
 * The user an event shows acting as a seller: an auction's or order's `sellerId` (listed, bid on, won, cancelled;
 * placed, paid, shipped, …), a new listing's creator. Events come from our backends only (publishEvent needs the
 * service role; the domain-events topic and `events/` are not client-writable), so a named seller is a fact.
 */
export function sellerOf(event: DomainEvent): string | undefined {
  if (event.type === 'social.new_listing') return event.payload.creatorId;
  const payload = event.payload as { sellerId?: unknown };
  return typeof payload.sellerId === 'string' ? payload.sellerId : undefined;
}

export type SellerOutcome = { status: 'ignored'; reason: string } | { status: 'unchanged' | 'flagged'; uid: string };

/**
 * Sets `users/{uid}.sells: true` the first time an event names the user as a seller, so the notification limits give
 * them the seller row (src/domain/notifications/limits.ts `profileRole`) without every delivery path having to look
 * for their orders or auctions.
 *
 * Why here, on the `events/{eventId}` trigger (beside the order status view, src/functions/orders.ts): every event
 * that says someone sells becomes an `events/` document whichever door it came in by (publishEvent, the domain-events
 * topic, a backend's direct write), and this trigger already sees each one once it is accepted. The order view alone
 * would miss listings and auctions; the fan-out and delivery paths run per recipient, not per seller.
 *
 * Idempotent and cheap: one transaction reads the profile and writes only when the flag is not yet set, so a repeated
 * trigger, and every later event of an established seller, reads one document and writes nothing. A missing profile
 * (an erased account, a backend identity, a seller not provisioned yet) is left alone: the flag is never the reason
 * a profile exists; such a seller is flagged by their next event once the profile exists. Never unset: having sold
 * once is what it says.
 */
export class SellerFlag {
  constructor(
    private readonly store: DocumentStore,
    private readonly logger: Logger,
  ) {}

  async onEventWritten(
    eventId: string,
    before: DocData | undefined,
    after: DocData | undefined,
  ): Promise<SellerOutcome> {
    const { event, ignored } = acceptedEvent(
      before,
      after,
      (doc) =>
        doc.type === 'social.new_listing' ||
        typeof (doc.payload as { sellerId?: unknown } | undefined)?.sellerId === 'string',
      'names no seller',
    );
    if (!event) return { status: 'ignored', reason: ignored };
    const uid = sellerOf(event);
    if (!uid) return { status: 'ignored', reason: 'names no seller' };
    return this.flag(uid, eventId);
  }

  /** Sets the flag on an existing profile that lacks it; nothing else. */
  async flag(uid: string, eventId?: string): Promise<SellerOutcome> {
    const outcome = await this.store.transaction(async (tx) => {
      const profile = await tx.get(paths.user(uid));
      if (!profile.exists) return { status: 'ignored', reason: 'no profile' } as const;
      if (profile.data?.sells === true) return { status: 'unchanged', uid } as const;
      tx.update(paths.user(uid), { sells: true });
      return { status: 'flagged', uid } as const;
    });
    if (outcome.status === 'flagged') this.logger.info('user flagged as a seller', { uid, eventId });
    return outcome;
  }
}
