import type { Infra } from '../../ports.js';
import type { AuditLog } from '../audit.js';
import { DigestReleaser } from './digests.js';
import { EventPipeline } from './eventPipeline.js';
import { NotificationCenter } from './notificationCenter.js';
import { PreferencesRepo } from './preferencesRepo.js';
import { RateLimiter } from './rateLimits.js';
import { NotificationRequests } from './userRequests.js';

/** Settings of the pipeline: plain values, filled from params by src/config.ts (defaults there too). */
export interface NotificationSettings {
  /** Commission requests at or above this many USD are critical. */
  criticalCommissionUsd: number;
  /**
   * Ceilings over every role (SMS_/EMAIL_/IN_APP_DAILY_LIMIT): each role's own limits are the table in
   * src/domain/notifications/limits.ts; these only lower them (RateLimiter).
   */
  smsDailyLimit: number;
  emailDailyLimit: number;
  inAppDailyLimit: number;
  /** Web origin for links in emails (`${webAppUrl}/orders/o1`), without a trailing slash. */
  webAppUrl: string;
  fanoutChunkSize: number;
  concurrency: number;
}

/**
 * `services.notifications`: routing, digests, preferences, the in-app center. `requests` is what the callables call
 * (each request's permission check, then the preferences, the center or the pipeline).
 */
export function notificationServices(
  infra: Pick<Infra, 'store' | 'publisher' | 'clock' | 'logger'>,
  settings: NotificationSettings,
  shared: { audit: AuditLog },
) {
  const { store, publisher, clock, logger } = infra;
  const preferences = new PreferencesRepo(store, shared.audit, clock);
  const rateLimiter = new RateLimiter(store, {
    sms: settings.smsDailyLimit,
    email: settings.emailDailyLimit,
    inApp: settings.inAppDailyLimit,
  });
  const center = new NotificationCenter(store, clock);
  const pipeline = new EventPipeline({
    store,
    publisher,
    clock,
    logger,
    preferences,
    rateLimiter,
    webAppUrl: settings.webAppUrl,
    routing: { criticalCommissionUsd: settings.criticalCommissionUsd },
    fanoutChunkSize: settings.fanoutChunkSize,
    concurrency: settings.concurrency,
  });
  const digests = new DigestReleaser({ store, publisher, clock, logger, rateLimiter, webAppUrl: settings.webAppUrl });
  const requests = new NotificationRequests({ audit: shared.audit, preferences, center, pipeline });
  return { settings, preferences, rateLimiter, center, pipeline, digests, requests };
}

export type NotificationServices = ReturnType<typeof notificationServices>;
