import { callable, inputFrom } from './callable.js';
import { docCreated, docWritten, scheduled } from './triggers.js';

/** The schemas (zod), loaded on a function's first call. */
const inputs = () => import('../app/analytics/inputs.js');

/**
 * Counts every change of a delivery into the aggregates (src/domain/analytics/aggregates.ts): a per-delivery marker
 * written in the same transaction makes a redelivered or out-of-order event count nothing twice.
 */
export const analyticsOnDeliveryWritten = docWritten('deliveries/{deliveryId}', ({ params, after }, s) =>
  s.analytics.counter.onDeliveryWritten(params.deliveryId, after),
);

/** The in-app channel: a notification created counts as sent, read as opened. */
export const analyticsOnInAppWritten = docWritten(
  'users/{uid}/notifications/{notificationId}',
  ({ params, after }, s) => s.analytics.counter.onInAppWritten(params.uid, params.notificationId, after),
);

/** A bid, purchase or reply: attributed to the latest notification its user opened within the window. */
export const analyticsOnEventCreated = docCreated('events/{eventId}', ({ params, data }, s) =>
  s.analytics.interactions.onEvent(params.eventId, data),
);

/** Error rate, delivery success and backlog against their thresholds; one incident (and one alert) per breach. */
export const evaluateDeliveryAlerts = scheduled('every 5 minutes', (s) => s.analytics.alerts.evaluate());

/** The apps report a push opened or an action tapped, for the caller's own delivery; idempotent. */
export const trackNotificationInteraction = callable(
  inputFrom(inputs, 'trackInteractionSchema'),
  (data, { caller, services: s }) => s.analytics.interactions.track(caller, data),
);

// ── Admin dashboard (admin role, audited) ──

export const getDeliveryHealth = callable(inputFrom(inputs, 'analyticsRangeSchema'), (data, { caller, services: s }) =>
  s.analytics.dashboard.health(caller, data),
);

export const getAnalyticsSummary = callable(
  inputFrom(inputs, 'analyticsSummarySchema'),
  (data, { caller, services: s }) => s.analytics.dashboard.summary(caller, data),
);

export const setAlertRecipients = callable(
  inputFrom(inputs, 'alertRecipientsSchema'),
  (data, { caller, services: s }) => s.analytics.dashboard.setAlertRecipients(caller, data),
);

export const defineExperiment = callable(inputFrom(inputs, 'defineExperimentSchema'), (data, { caller, services: s }) =>
  s.analytics.experiments.define(caller, data),
);

export const stopExperiment = callable(inputFrom(inputs, 'stopExperimentSchema'), (data, { caller, services: s }) =>
  s.analytics.experiments.stop(caller, data),
);

export const getExperimentResults = callable(
  inputFrom(inputs, 'experimentResultsSchema'),
  (data, { caller, services: s }) => s.analytics.experiments.results(caller, data),
);
