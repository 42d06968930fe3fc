import { z } from 'zod';
import type { Clock, DocumentStore } from '../../ports.js';
import type { Caller } from '../../domain/caller.js';
import { requireRole } from '../../domain/caller.js';
import { invalidArgument } from '../../domain/errors.js';
import { CHANNEL_PROVIDER } from '../../domain/delivery/record.js';
import { PROVIDER_CHANNELS } from '../../domain/channels.js';
import { DAILY_FIELDS, HEALTH_FIELDS, rates, sumCounters } from '../../domain/analytics/aggregates.js';
import type { Increments } from '../../domain/analytics/aggregates.js';
import { analyticsPaths } from '../../domain/analytics/paths.js';
import { docId } from '../../domain/validation.js';
import type { AuditLog } from '../audit.js';
import type { DeliveryAlerts } from './alerts.js';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a day like 2026-12-02');
const MAX_DAYS = 92;

export const analyticsRangeSchema = z
  .strictObject({ from: day.optional(), to: day.optional() })
  .superRefine((v, ctx) => {
    if (v.from && v.to && v.from > v.to)
      ctx.addIssue({ code: 'custom', path: ['from'], message: 'must not be after to' });
  });
export type AnalyticsRange = z.infer<typeof analyticsRangeSchema>;

export const analyticsSummarySchema = z.strictObject({
  from: day.optional(),
  to: day.optional(),
  /** Group by locale too (per day × type × channel × locale); by type × channel otherwise. */
  byLocale: z.boolean().default(false),
});

export const alertRecipientsSchema = z.strictObject({
  adminUids: z.array(docId('a user id')).max(50),
});

/** Which breaker state an admin sees (from the calls the delivery instances made, see `breakers`). */
type BreakerView = 'open' | 'closed' | 'unknown';

/**
 * The admin delivery dashboard (callables getDeliveryHealth, getAnalyticsSummary, setAlertRecipients): admin role
 * only, each read audited (`analytics.*`). Everything comes from the stored aggregates, never from `deliveries/`
 * (which expire and would cost a read per delivery).
 */
export class DeliveryDashboard {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    private readonly alerts: DeliveryAlerts,
  ) {}

  private range(input: { from?: string; to?: string }, defaultDays: number) {
    const today = this.clock.now().toISOString().slice(0, 10);
    const to = input.to ?? today;
    const from =
      input.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - (defaultDays - 1) * 86_400_000).toISOString().slice(0, 10);
    const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000 + 1;
    if (days > MAX_DAYS)
      throw invalidArgument(`data.from: at most ${MAX_DAYS} days at once`, { fields: ['data.from'] });
    return { from, to };
  }

  private async daily(from: string, to: string) {
    const docs = await this.store.query(analyticsPaths.daily(), {
      where: [
        ['day', '>=', from],
        ['day', '<=', to],
      ],
    });
    return docs.map((d) => d.data!);
  }

  /** Delivery health now (last 15 minutes) and per day over the range (default the last 14 days). */
  async health(caller: Caller, input: AnalyticsRange) {
    requireRole(caller, 'admin');
    const { from, to } = this.range(input, 14);
    const [{ readings, window, backlog }, dailyDocs, spendDocs, incidents, slots] = await Promise.all([
      this.alerts.readings(),
      this.daily(from, to),
      this.store.query(analyticsPaths.smsSpendAll(), {
        where: [
          ['day', '>=', from],
          ['day', '<=', to],
        ],
      }),
      this.store.query(analyticsPaths.incidents(), { where: [['status', '==', 'open']] }),
      this.recentSlots(),
    ]);
    const perChannelNow = PROVIDER_CHANNELS.map((channel) => {
      const c = sumCounters(
        slots.filter((s) => s.channel === channel),
        HEALTH_FIELDS,
      );
      const latest = sumCounters(
        slots.filter((s) => s.channel === channel && s.slot === slots.reduce((m, x) => (x.slot > m ? x.slot : m), '')),
        ['circuitOpen', 'calls'],
      );
      const breaker: BreakerView = (latest.circuitOpen ?? 0) > 0 ? 'open' : (c.calls ?? 0) > 0 ? 'closed' : 'unknown';
      return {
        channel,
        provider: CHANNEL_PROVIDER[channel],
        ...counts(c, ['attempted', 'failed', 'calls', 'errors', 'circuitOpen']),
        successRate: rates(c).successRate ?? null,
        errorRate: c.calls ? (c.errors ?? 0) / c.calls : null,
        avgLatencyMs: rates(c).avgLatencyMs ?? null,
        breaker,
      };
    });
    const byDayChannel = new Map<string, Record<string, unknown>[]>();
    for (const doc of dailyDocs) {
      if (doc.channel === 'inApp') continue;
      const key = `${String(doc.day)}|${String(doc.channel)}`;
      byDayChannel.set(key, [...(byDayChannel.get(key) ?? []), doc]);
    }
    const overTime = [...byDayChannel.entries()]
      .map(([key, docs]) => {
        const [d, channel] = key.split('|') as [string, string];
        const c = sumCounters(docs, DAILY_FIELDS);
        const r = rates(c);
        return {
          day: d,
          channel,
          provider: CHANNEL_PROVIDER[channel as keyof typeof CHANNEL_PROVIDER] ?? null,
          ...counts(c, ['sent', 'delivered', 'failed', 'suppressed', 'attempted']),
          successRate: r.successRate ?? null,
          deliveryRate: r.deliveryRate ?? null,
          avgLatencyMs: r.avgLatencyMs ?? null,
        };
      })
      .sort((a, b) => (a.day + a.channel).localeCompare(b.day + b.channel));
    const spendByDay = new Map<string, Record<string, unknown>[]>();
    for (const doc of spendDocs.map((s) => s.data!))
      spendByDay.set(String(doc.day), [...(spendByDay.get(String(doc.day)) ?? []), doc]);
    const smsSpend = [...spendByDay.entries()]
      .map(([d, docs]) => ({
        day: d,
        ...sumCounters(docs, ['cost', 'messages']),
        unit: String(docs[0]?.unit ?? 'USD'),
      }))
      .sort((a, b) => a.day.localeCompare(b.day));
    await this.audit.record({
      actorUid: caller.uid,
      action: 'analytics.health_read',
      target: { type: 'analytics', id: 'delivery-health' },
      details: { from, to },
    });
    return {
      at: this.clock.now().toISOString(),
      now: { window: counts(window, HEALTH_FIELDS), channels: perChannelNow },
      backlog: counts(backlog, ['queued', 'held', 'sending', 'retrying']),
      suppressions: overTime.reduce((sum, d) => sum + d.suppressed, 0),
      alerts: readings.map((r) => ({ ...r, value: r.value ?? null })),
      openIncidents: incidents.map((i) => ({ ...i.data, openedAt: (i.data!.openedAt as Date).toISOString() })),
      overTime,
      smsSpend,
    };
  }

  /** Rates per type × channel (× locale) over the range (default the last 7 days), from the daily aggregates. */
  async summary(caller: Caller, input: z.output<typeof analyticsSummarySchema>) {
    requireRole(caller, 'admin');
    const { from, to } = this.range(input, 7);
    const docs = await this.daily(from, to);
    const groups = new Map<string, Record<string, unknown>[]>();
    for (const doc of docs) {
      const key = [doc.type, doc.channel, ...(input.byLocale ? [doc.locale] : [])].join('|');
      groups.set(key, [...(groups.get(key) ?? []), doc]);
    }
    const rows = [...groups.entries()]
      .map(([key, group]) => {
        const [type, channel, locale] = key.split('|') as [string, string, string | undefined];
        const c = sumCounters(group, DAILY_FIELDS);
        const r = rates(c);
        return {
          type,
          channel,
          ...(locale ? { locale } : {}),
          ...counts(c, ['sent', 'delivered', 'failed', 'opened', 'clicked', 'converted', 'suppressed']),
          cost: c.cost ?? 0,
          deliveryRate: r.deliveryRate ?? null,
          openRate: r.openRate ?? null,
          clickRate: r.clickRate ?? null,
          conversionRate: r.conversionRate ?? null,
        };
      })
      .sort((a, b) => `${a.type}|${a.channel}`.localeCompare(`${b.type}|${b.channel}`));
    await this.audit.record({
      actorUid: caller.uid,
      action: 'analytics.summary_read',
      target: { type: 'analytics', id: 'summary' },
      details: { from, to },
    });
    return { from, to, rows };
  }

  async setAlertRecipients(caller: Caller, input: z.output<typeof alertRecipientsSchema>) {
    requireRole(caller, 'admin');
    const adminUids = [...new Set(input.adminUids)];
    await this.store.transaction(async (tx) => {
      tx.set(analyticsPaths.alertConfig(), { adminUids, updatedAt: this.clock.now(), updatedBy: caller.uid });
      this.audit.recordIn(tx, {
        actorUid: caller.uid,
        action: 'analytics.alert_recipients_set',
        target: { type: 'analytics', id: 'alerts' },
        details: { adminUids },
      });
    });
    return { adminUids };
  }

  private async recentSlots() {
    const since = new Date(this.clock.now().getTime() - 15 * 60_000).toISOString().slice(0, 16);
    const docs = await this.store.query(analyticsPaths.health(), { where: [['slot', '>=', since]] });
    return docs.map((d) => d.data as Record<string, unknown> & { channel: string; slot: string });
  }
}

const counts = <K extends string>(c: Increments, fields: readonly K[]) =>
  Object.fromEntries(fields.map((f) => [f, c[f] ?? 0])) as Record<K, number>;
