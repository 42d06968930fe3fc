import { z } from 'zod';
import type { Clock, DocData, DocumentStore, Logger } from '../../ports.js';
import { fieldOps } from '../../ports.js';
import type { Caller } from '../../domain/caller.js';
import { notFound } from '../../domain/errors.js';
import { docId } from '../../domain/validation.js';
import { DELIVERY_ID_MAX } from '../../domain/delivery.js';
import type { Mark } from '../../domain/analytics/aggregates.js';
import { dailyId, shardOf } from '../../domain/analytics/aggregates.js';
import { analyticsPaths } from '../../domain/analytics/paths.js';
import type { DeliveryRepo } from '../delivery/deliveryRepo.js';
import type { Touch } from './counters.js';

export const trackInteractionSchema = z.strictObject({
  deliveryId: docId('a delivery id', DELIVERY_ID_MAX, { dots: true }),
  /** `opened`: the notification was opened (push tapped); `clicked`: an action button or a link in it. */
  action: z.enum(['opened', 'clicked']),
});
export type TrackInteraction = z.infer<typeof trackInteractionSchema>;

/**
 * Conversion attribution window: a purchase, bid or reply counts for the latest notification the user opened or
 * clicked within the 24 hours before it (last touch). 24 h because the marketplace's notifications are about things
 * that move within a day (auctions ending, offers, messages); a longer window would credit notifications for what
 * users were going to do anyway.
 */
export const ATTRIBUTION_WINDOW_MS = 24 * 3600_000;

/** The domain events that are conversions, and whose action each is. */
const conversionEvents: Record<string, { kind: 'bid' | 'purchase' | 'reply'; actor: string }> = {
  'auction.bid_placed': { kind: 'bid', actor: 'bidderId' },
  'order.purchase_confirmed': { kind: 'purchase', actor: 'buyerId' },
  'messaging.new_message': { kind: 'reply', actor: 'senderId' },
};

const eventSchema = z.object({
  type: z.string(),
  status: z.string().optional(),
  occurredAt: z.union([z.date(), z.string().pipe(z.coerce.date())]).optional(),
  payload: z.record(z.string(), z.unknown()),
});

/**
 * Interactions from the apps (push opens and action taps) and conversions. Opens and clicks land on the delivery
 * record through the delivery ledger (the same path SendGrid's open/click events take), so the counters see them
 * like any other change and count each once.
 */
export class Interactions {
  constructor(
    private readonly store: DocumentStore,
    private readonly repo: DeliveryRepo,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** trackNotificationInteraction: the caller's own delivery only (someone else's reads as not found). */
  async track(caller: Caller, input: TrackInteraction): Promise<{ recorded: boolean }> {
    const delivery = await this.repo.get(input.deliveryId);
    if (!delivery || delivery.uid !== caller.uid) throw notFound('no such delivery');
    const field = input.action === 'opened' ? 'openedAt' : 'clickedAt';
    const first = !delivery.timestamps?.[field];
    // Stamps the first time only and moves the status only forward: calling again changes nothing.
    await this.repo.applyProviderEvent(input.deliveryId, { status: input.action, at: this.clock.now() });
    return { recorded: first };
  }

  /**
   * `events/{eventId}` created: a bid, purchase or reply by a user who opened or clicked a notification within the
   * window converts that notification (once per notification, once per event: both are marked in the transaction).
   */
  async onEvent(eventId: string, data: DocData | undefined): Promise<'converted' | 'none'> {
    const parsed = eventSchema.safeParse(data);
    if (!parsed.success || parsed.data.status === 'rejected') return 'none';
    const conversion = conversionEvents[parsed.data.type];
    const uid = conversion ? parsed.data.payload[conversion.actor] : undefined;
    if (!conversion || typeof uid !== 'string' || !/^[A-Za-z0-9_-]{1,128}$/.test(uid)) return 'none';
    const at = parsed.data.occurredAt ?? this.clock.now();
    return this.store.transaction(async (tx) => {
      const [done, touchSnap] = await tx.getAll([analyticsPaths.conversion(eventId), analyticsPaths.touch(uid)]);
      if (done!.exists) return 'none';
      const touch = touchSnap!.data as Touch | undefined;
      const inWindow =
        touch && touch.at.getTime() <= at.getTime() && at.getTime() - touch.at.getTime() <= ATTRIBUTION_WINDOW_MS;
      const markPath = touch ? analyticsPaths.mark(touch.markKey) : undefined;
      const mark = inWindow && markPath ? ((await tx.get(markPath)).data as Mark | undefined) : undefined;
      const credit = mark && !mark.counted.converted;
      // No uid here: the marker outlives the touch and must not be another copy of who did what.
      tx.set(analyticsPaths.conversion(eventId), {
        kind: conversion.kind,
        at,
        attributedTo: credit ? touch!.markKey : null,
        expiresAt: new Date(at.getTime() + 365 * 24 * 3600_000),
      });
      if (!credit || !mark || !markPath) return 'none';
      tx.update(markPath, { 'counted.converted': true });
      // Any shard will do (readers sum them); spreading by the marker keeps one hot delivery off a single document.
      const shard = shardOf(touch!.markKey);
      tx.set(
        analyticsPaths.dailyDoc(dailyId(mark, shard)),
        {
          day: mark.day,
          type: mark.type,
          channel: mark.channel,
          locale: mark.locale,
          shard,
          converted: fieldOps.increment(1),
        },
        { merge: true },
      );
      if (mark.experiment) {
        const { experimentId, variant } = mark.experiment;
        tx.set(
          analyticsPaths.variantDoc(experimentId, variant, shard),
          { experimentId, variant, shard, converted: fieldOps.increment(1) },
          { merge: true },
        );
      }
      this.logger.info('conversion attributed', { eventId, uid, markKey: touch!.markKey, kind: conversion.kind });
      return 'converted';
    });
  }
}
