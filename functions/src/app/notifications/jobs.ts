import { deliveryTopic } from '../../domain/channels.js';
import type { Category, Priority, ProviderChannel } from '../../domain/channels.js';
import type { DeliveryJob } from '../../domain/delivery.js';
import type { DocData, Publisher } from '../../ports.js';

export type RoutedStatus = 'queued' | 'batched' | 'suppressed';

export interface DeliveryBase {
  deliveryId: string;
  eventId: string;
  uid: string;
  channel: ProviderChannel;
  type: string;
  category: Category;
  priority: Priority;
  critical: boolean;
  notificationId: string;
  groupKey: string;
}

/** deliveries/{id} as routing leaves it; channel delivery (issue 4) moves it on from `queued`. */
export function deliveryDoc(base: DeliveryBase, status: RoutedStatus, now: Date, reason?: string, extra: DocData = {}): DocData {
  const stamp = status === 'queued' ? 'queuedAt' : status === 'batched' ? 'batchedAt' : 'suppressedAt';
  return {
    ...base, status, ...(reason ? { reason } : {}), attempts: 0, errors: [], timestamps: { [stamp]: now }, createdAt: now, ...extra,
  };
}

/** One message per job on the channel's topic; the deliveryId attribute lets subscribers dedupe without parsing. */
export async function publishJobs(publisher: Publisher, jobs: readonly DeliveryJob[]): Promise<void> {
  await Promise.all(jobs.map((job) => publisher.publish(deliveryTopic(job.channel), job, { deliveryId: job.deliveryId, eventId: job.eventId })));
}
