import { deliveryTopic } from '../../domain/channels.js';
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
  return deliveryRecord(base, status, now, { ...(reason ? { reason } : {}), ...extra });
}

/** One message per job on the channel's topic; the deliveryId attribute lets subscribers dedupe without parsing. */
export async function publishJobs(publisher: Publisher, jobs: readonly DeliveryJob[]): Promise<void> {
  await Promise.all(
    jobs.map((job) =>
      publisher.publish(deliveryTopic(job.channel), job, { deliveryId: job.deliveryId, eventId: job.eventId }),
    ),
  );
}
