import type { Infra } from '../../ports.js';
import { EventReminders } from './reminders.js';
import type { ReleaseSettings } from './scheduler.js';
import { DEFAULT_RELEASE, Scheduler } from './scheduler.js';

/** `services.scheduling`: scheduled notifications and the reminders auction and event announcements keep. */
export function schedulingServices(
  infra: Pick<Infra, 'store' | 'clock' | 'logger'>,
  settings: { release?: Partial<ReleaseSettings> } = {},
  _shared: Record<string, never> = {},
) {
  return {
    scheduler: new Scheduler(infra.store, infra.clock, infra.logger, { ...DEFAULT_RELEASE, ...settings.release }),
    reminders: new EventReminders(infra.store, infra.clock, infra.logger),
  };
}
