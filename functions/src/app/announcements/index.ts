import type { Infra } from '../../ports.js';
import type { AuditLog } from '../audit.js';
import { Scheduler } from '../scheduling/scheduler.js';
import { Announcements } from './announcements.js';

/** `services.announcements`: admins' system announcements (announcements.ts; the fan-out gate is fanout.ts). */
export function announcementServices(
  infra: Pick<Infra, 'store' | 'clock' | 'logger'>,
  settings: { pageSize?: number } = {},
  shared: { audit: AuditLog },
) {
  const { store, clock, logger } = infra;
  // Its own Scheduler over the same store: only `releaseOne`, to release an announcement due now at once.
  const scheduler = new Scheduler(store, clock, logger);
  return { announcements: new Announcements(store, clock, logger, shared.audit, scheduler, settings.pageSize) };
}
