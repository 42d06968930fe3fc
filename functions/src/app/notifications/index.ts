import type { Infra } from '../../composition.js';
import type { AuditLog } from '../audit.js';
import { DigestReleaser } from './digests.js';
import { EventPipeline } from './eventPipeline.js';
import { NotificationCenter } from './notificationCenter.js';
import { PreferencesRepo } from './preferencesRepo.js';
import { RateLimiter } from './rateLimits.js';

/** Settings of the pipeline; the function wrappers fill them from params (src/config.ts), tests pass them directly. */
export interface NotificationSettings {
  /** Commission requests at or above this many USD are critical. */
  criticalCommissionUsd: number;
  smsDailyLimit: number;
  emailDailyLimit: number;
  inAppDailyLimit: number;
  /** Web origin for links in emails (`${appBaseUrl}/orders/o1`). */
  appBaseUrl: string;
  fanoutChunkSize: number;
  concurrency: number;
}

export const DEFAULT_NOTIFICATION_SETTINGS: NotificationSettings = {
  criticalCommissionUsd: 2000,
  smsDailyLimit: 10,
  emailDailyLimit: 50,
  inAppDailyLimit: 500,
  appBaseUrl: 'https://craft.example',
  fanoutChunkSize: 500,
  concurrency: 16,
};

/** The notification use cases, built once from the infra (see buildServices). */
export function notificationServices(infra: Pick<Infra, 'store' | 'publisher' | 'clock' | 'logger'>, audit: AuditLog, overrides: Partial<NotificationSettings> = {}) {
  const settings = { ...DEFAULT_NOTIFICATION_SETTINGS, ...overrides };
  const { store, publisher, clock, logger } = infra;
  const preferences = new PreferencesRepo(store, audit, clock);
  const rateLimiter = new RateLimiter(store, { sms: settings.smsDailyLimit, email: settings.emailDailyLimit, inApp: settings.inAppDailyLimit });
  const center = new NotificationCenter(store, clock);
  const pipeline = new EventPipeline({
    store, publisher, clock, logger, preferences, rateLimiter, appBaseUrl: settings.appBaseUrl,
    routing: { criticalCommissionUsd: settings.criticalCommissionUsd },
    fanoutChunkSize: settings.fanoutChunkSize, concurrency: settings.concurrency,
  });
  const digests = new DigestReleaser({ store, publisher, clock, logger, rateLimiter, appBaseUrl: settings.appBaseUrl });
  return { settings, preferences, rateLimiter, center, pipeline, digests };
}

export type NotificationServices = ReturnType<typeof notificationServices>;
