import { deliveryTopic } from '../../domain/channels.js';
import type { ProviderChannel } from '../../domain/channels.js';
import { deliveryMessage, splitIntoMessages } from '../../domain/delivery/batch.js';
import type { DeliveryJob } from '../../domain/delivery.js';
import { deliveryRecord } from '../../domain/delivery/record.js';
import type { DeliveryBase } from '../../domain/delivery/record.js';
import type { DocData, Publisher } from '../../ports.js';

export type { DeliveryBase };
export type RoutedStatus = 'queued' | 'batched' | 'suppressed';

/** deliveries/{id} as routing leaves it (the shared record shape); channel delivery (issue 4) moves it on from `queued`. */
export function deliveryDoc(
  base: DeliveryBase,
  status: RoutedStatus,
  now: Date,
  reason?: string,
  extra: DocData = {},
): DocData {
  return deliveryRecord(base, status, now, reason ? { reason, ...extra } : extra);
}

/**
 * One message per channel per call (split where a message would pass MAX_JOBS_PER_MESSAGE jobs or Pub/Sub's size
 * limit, src/domain/delivery/batch.ts): a fan-out chunk of 500 recipients is 1-3 publishes, not 1,500. A lone job
 * goes bare (the format every consumer version reads), several as `{ shared, jobs }` with the fields common to all
 * written once (`deliveryMessage`; `{ jobs }` when none is). Attributes let operators follow an event without
 * parsing: `eventId` (the jobs' event, or the first of several with `eventIds` listing them while they fit),
 * `channel`, `jobCount`, and `deliveryId` for a lone job (or `firstDeliveryId`).
 */
export async function publishJobs(publisher: Publisher, jobs: readonly DeliveryJob[]): Promise<void> {
  const byChannel = new Map<ProviderChannel, DeliveryJob[]>();
  for (const job of jobs) {
    const list = byChannel.get(job.channel);
    if (list) list.push(job);
    else byChannel.set(job.channel, [job]);
  }
  const publishes: Promise<string>[] = [];
  for (const [channel, channelJobs] of byChannel) {
    for (const message of splitIntoMessages(channelJobs)) {
      publishes.push(
        publisher.publish(deliveryTopic(channel), deliveryMessage(message), jobAttributes(channel, message)),
      );
    }
  }
  await Promise.all(publishes);
}

/** Pub/Sub attribute values are at most 1,024 bytes: longer event lists are left out (each job still names its own). */
const MAX_ATTRIBUTE_BYTES = 1_024;

function jobAttributes(channel: ProviderChannel, jobs: readonly DeliveryJob[]): Record<string, string> {
  const first = jobs[0]!;
  const attributes: Record<string, string> = { eventId: first.eventId, channel, jobCount: String(jobs.length) };
  if (jobs.length === 1) {
    attributes.deliveryId = first.deliveryId;
    return attributes;
  }
  attributes.firstDeliveryId = first.deliveryId;
  const events = [...new Set(jobs.map((job) => job.eventId))];
  if (events.length > 1) {
    const list = events.join(',');
    if (Buffer.byteLength(list) <= MAX_ATTRIBUTE_BYTES) attributes.eventIds = list;
    else attributes.eventCount = String(events.length);
  }
  return attributes;
}
