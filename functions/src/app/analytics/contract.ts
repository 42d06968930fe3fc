import { z } from 'zod';
import { defineContracts } from '../contract.js';
import type { ErrorCase } from '../contract.js';
import { ALERT_KINDS } from '../../domain/analytics/alerts.js';
import { PROVIDER_CHANNELS } from '../../domain/channels.js';

/**
 * The analytics callables' answers and errors (interactions.ts, dashboard.ts, experiments.ts). Inputs are in
 * src/app/analytics/inputs.ts. A rate whose denominator is 0 is null (the use case leaves it undefined; the callable
 * protocol sends undefined as null), dates are ISO 8601 instants, days `YYYY-MM-DD` (UTC).
 */

const rate = z.number().nullable();
const count = z.number().int().nonnegative();
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const channel = z.enum(PROVIDER_CHANNELS);
const provider = z.enum(['fcm', 'twilio', 'sendgrid']);
/** Counter sums by name (sent, failed, attempted, delivered, calls, errors, circuitOpen, latencyMs, latencyCount …). */
const counters = z.record(z.string(), z.number());

const ADMIN_ONLY: readonly ErrorCase[] = [{ code: 'permission-denied', when: 'the caller has no admin role' }];
const RANGE: readonly ErrorCase[] = [
  { code: 'invalid-argument', when: '`from` after `to`, or more than 92 days at once' },
];

const experimentId = z.string();
const variantResult = z.strictObject({
  id: z.string(),
  exposures: count,
  /** Exposures that reached the experiment's metric (opened, clicked or converted). */
  successes: count,
  rate,
  /** 95 % Wilson score interval of `rate` ([0, 1] without exposures). */
  interval: z.strictObject({ low: z.number(), high: z.number() }),
  /** Two-proportion z-test against the control (the first variant); absent for the control itself. */
  vsControl: z
    .strictObject({
      z: z.number(),
      pValue: z.number(),
      significant: z.boolean(),
      /** rate / control rate − 1; null when the control's rate is 0 or unknown. */
      lift: z.number().nullable(),
    })
    .optional(),
});

export const analyticsContracts = defineContracts({
  trackNotificationInteraction: {
    summary:
      "The app reports a push opened or an action tapped for the caller's own delivery; counted once however often it is called.",
    who: "own deliveries only (another user's reads as not found)",
    output: z.strictObject({
      /** false: this action was recorded for the delivery before (nothing counted again). */
      recorded: z.boolean(),
    }),
    errors: [{ code: 'not-found', when: "no such delivery, or it is another user's" }],
  },
  getDeliveryHealth: {
    summary:
      'Delivery health now (last 15 minutes: per channel rates and breaker, backlog, alert readings, open incidents) ' +
      'and per day over the range (default the last 14 days), with SMS spend; audited.',
    who: 'admins only',
    roles: ['admin'],
    output: z.strictObject({
      at: z.iso.datetime(),
      now: z.strictObject({
        window: counters,
        channels: z.array(
          z.strictObject({
            channel,
            provider,
            attempted: count,
            failed: count,
            calls: count,
            errors: count,
            circuitOpen: count,
            successRate: rate,
            errorRate: rate,
            avgLatencyMs: rate,
            /** From the latest 5-minute slot: `unknown` when no call was made. */
            breaker: z.enum(['open', 'closed', 'unknown']),
          }),
        ),
      }),
      backlog: z.strictObject({ queued: count, held: count, sending: count, retrying: count }),
      suppressions: count,
      alerts: z.array(
        z.strictObject({
          kind: z.enum(ALERT_KINDS),
          firing: z.boolean(),
          value: rate,
          threshold: z.number(),
          volume: z.number(),
        }),
      ),
      openIncidents: z.array(
        z.strictObject({
          incidentId: z.string(),
          kind: z.enum(ALERT_KINDS),
          status: z.literal('open'),
          openedAt: z.iso.datetime(),
          value: rate,
          threshold: z.number(),
          volume: z.number(),
          notified: z.boolean(),
        }),
      ),
      overTime: z.array(
        z.strictObject({
          day,
          channel,
          provider: provider.nullable(),
          sent: count,
          delivered: count,
          failed: count,
          suppressed: count,
          attempted: count,
          successRate: rate,
          deliveryRate: rate,
          avgLatencyMs: rate,
        }),
      ),
      smsSpend: z.array(
        z.strictObject({
          day,
          cost: z.number().optional(),
          messages: z.number().optional(),
          /** ISO 4217 currency of `cost`. */
          unit: z.string(),
        }),
      ),
    }),
    errors: [...ADMIN_ONLY, ...RANGE],
  },
  getAnalyticsSummary: {
    summary:
      'Counts and rates per notification type × channel (× locale with `byLocale`) over the range (default the last ' +
      '7 days), from the daily aggregates; audited.',
    who: 'admins only',
    roles: ['admin'],
    output: z.strictObject({
      from: day,
      to: day,
      rows: z.array(
        z.strictObject({
          type: z.string(),
          channel: z.string(),
          /** With `byLocale` only. */
          locale: z.string().optional(),
          sent: count,
          delivered: count,
          failed: count,
          opened: count,
          clicked: count,
          converted: count,
          suppressed: count,
          /** SMS cost in the provider's currency. */
          cost: z.number(),
          deliveryRate: rate,
          openRate: rate,
          clickRate: rate,
          conversionRate: rate,
        }),
      ),
    }),
    errors: [...ADMIN_ONLY, ...RANGE],
  },
  setAlertRecipients: {
    summary: 'Names the admins that delivery alerts notify (replaces the list; audited).',
    who: 'admins only',
    roles: ['admin'],
    output: z.strictObject({ adminUids: z.array(z.string()) }),
    errors: [...ADMIN_ONLY],
  },
  defineExperiment: {
    summary:
      'Starts an A/B test on a notification type: variants with weights (adding up to 100), content or channel ' +
      'overrides, and the metric the results test; one running experiment per type; audited.',
    who: 'admins only',
    roles: ['admin'],
    output: z.strictObject({ experimentId, status: z.literal('running') }),
    errors: [
      ...ADMIN_ONLY,
      { code: 'invalid-argument', when: 'an experiment with this `experimentId` exists' },
      { code: 'failed-precondition', when: 'another experiment is already running on this type' },
    ],
  },
  stopExperiment: {
    summary:
      "Stops an experiment; `rollOut` makes that variant's content the type's for everyone. Stopping again changes nothing.",
    who: 'admins only',
    roles: ['admin'],
    output: z.strictObject({
      experimentId,
      status: z.literal('stopped'),
      /** The variant rolled out; absent when the experiment was already stopped. */
      rolledOut: z.string().nullable().optional(),
    }),
    errors: [
      ...ADMIN_ONLY,
      { code: 'not-found', when: 'no such experiment' },
      { code: 'invalid-argument', when: '`rollOut` is not a variant of this experiment' },
    ],
  },
  getExperimentResults: {
    summary:
      "Each variant's exposures and metric rate with a 95 % Wilson interval, a z-test against the control, and the " +
      'winner (a challenger significantly better than the control), from the variant counters.',
    who: 'admins only',
    roles: ['admin'],
    output: z.strictObject({
      experimentId,
      type: z.string(),
      status: z.enum(['running', 'stopped']),
      rolledOut: z.string().nullable(),
      /** Raw counts per variant id. */
      counts: z.record(
        z.string(),
        z.strictObject({ exposures: count, opened: count, clicked: count, converted: count }),
      ),
      metric: z.enum(['opened', 'clicked', 'converted']),
      variants: z.array(variantResult),
      /** null: no challenger beats the control significantly yet. */
      winner: z.string().nullable(),
    }),
    errors: [...ADMIN_ONLY, { code: 'not-found', when: 'no such experiment' }],
  },
});
