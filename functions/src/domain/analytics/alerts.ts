import type { Increments } from './aggregates.js';

/**
 * Delivery alerts (issue 19): what the scheduled evaluation (every 5 minutes) compares, over the last
 * ALERT_WINDOW_SLOTS health slots (15 minutes). Each condition is one incident while it holds: opened when it starts,
 * closed when it clears, one notification to the admins per opening (not per failure, not per evaluation).
 */
export const ALERT_THRESHOLDS = {
  /** Provider calls that ended in an error (transient ones included: an outage shows here before deliveries fail). */
  errorRate: 0.05,
  /** Deliveries that reached the provider's answer and were not failed. */
  deliverySuccess: 0.9,
  /** Deliveries waiting to be sent: queued, sending and retrying (held digests wait on purpose and are not counted). */
  backlog: 1000,
} as const;
export const ALERT_WINDOW_SLOTS = 3;
/** Rates over fewer events than this say nothing (one failure out of three is not an outage). */
export const MIN_VOLUME = 20;

export const ALERT_KINDS = ['error_rate', 'delivery_success', 'backlog'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export interface AlertReading {
  kind: AlertKind;
  firing: boolean;
  value: number | undefined;
  threshold: number;
  /** The events the rate is over (calls, attempted deliveries) or the backlog size. */
  volume: number;
}

export function evaluateAlerts(window: Increments, backlog: Increments): AlertReading[] {
  const calls = window.calls ?? 0;
  const errors = window.errors ?? 0;
  const attempted = window.attempted ?? 0;
  const failed = window.failed ?? 0;
  const waiting = (backlog.queued ?? 0) + (backlog.sending ?? 0) + (backlog.retrying ?? 0);
  const errorRate = calls > 0 ? errors / calls : undefined;
  const success = attempted > 0 ? (attempted - failed) / attempted : undefined;
  return [
    {
      kind: 'error_rate',
      value: errorRate,
      threshold: ALERT_THRESHOLDS.errorRate,
      volume: calls,
      firing: calls >= MIN_VOLUME && errorRate! > ALERT_THRESHOLDS.errorRate,
    },
    {
      kind: 'delivery_success',
      value: success,
      threshold: ALERT_THRESHOLDS.deliverySuccess,
      volume: attempted,
      firing: attempted >= MIN_VOLUME && success! < ALERT_THRESHOLDS.deliverySuccess,
    },
    {
      kind: 'backlog',
      value: waiting,
      threshold: ALERT_THRESHOLDS.backlog,
      volume: waiting,
      firing: waiting > ALERT_THRESHOLDS.backlog,
    },
  ];
}

export function alertText(reading: AlertReading): { title: string; body: string } {
  const pct = (v: number | undefined) => (v === undefined ? 'n/a' : `${(v * 100).toFixed(1)} %`);
  switch (reading.kind) {
    case 'error_rate':
      return {
        title: 'Delivery alert: provider error rate',
        body: `${pct(reading.value)} of ${reading.volume} provider calls failed in the last 15 minutes (threshold ${pct(reading.threshold)}).`,
      };
    case 'delivery_success':
      return {
        title: 'Delivery alert: delivery success',
        body: `Only ${pct(reading.value)} of ${reading.volume} deliveries succeeded in the last 15 minutes (threshold ${pct(reading.threshold)}).`,
      };
    case 'backlog':
      return {
        title: 'Delivery alert: backlog',
        body: `${reading.volume} deliveries are waiting to be sent (threshold ${reading.threshold}).`,
      };
  }
}
