import { params } from '../config.js';
import type { NotificationSettings } from '../app/notifications/index.js';

/**
 * The pipeline's settings from params (functions/.env). Read when services are built (inside a running function);
 * a param the environment does not set keeps the app default (outside the Functions runtime `.value()` returns 0).
 */
export function notificationSettingsFromParams(env: NodeJS.ProcessEnv = process.env): Partial<NotificationSettings> {
  const read = (name: keyof typeof params, key: keyof NotificationSettings) =>
    env[name] === undefined ? {} : { [key]: params[name].value() };
  return {
    ...read('CRITICAL_COMMISSION_USD', 'criticalCommissionUsd'),
    ...read('SMS_DAILY_LIMIT', 'smsDailyLimit'),
    ...read('EMAIL_DAILY_LIMIT', 'emailDailyLimit'),
    ...read('IN_APP_DAILY_LIMIT', 'inAppDailyLimit'),
    // One web origin for every link: the pipeline's email links and channel delivery's web push links.
    ...read('WEB_APP_URL', 'appBaseUrl'),
  };
}
