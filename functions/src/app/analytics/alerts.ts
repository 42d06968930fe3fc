import type { Clock, DocumentStore, Logger, Publisher } from '../../ports.js';
import { fieldOps } from '../../ports.js';
import { TOPICS } from '../../domain/channels.js';
import { paths } from '../../domain/paths.js';
import type { DeliveryJob } from '../../domain/delivery.js';
import { expiresAtFor } from '../../domain/compliance/retention.js';
import { HEALTH_FIELDS, HEALTH_SLOT_MS, slotOf, sumCounters } from '../../domain/analytics/aggregates.js';
import type { AlertReading } from '../../domain/analytics/alerts.js';
import { ALERT_WINDOW_SLOTS, alertText, evaluateAlerts } from '../../domain/analytics/alerts.js';
import { analyticsPaths } from '../../domain/analytics/paths.js';

export const ALERT_TYPE = 'ops.delivery_alert';

interface AlertState {
  open: boolean;
  incidentId: string | null;
}

interface Incident {
  incidentId: string;
  kind: string;
  status: 'open' | 'closed';
  openedAt: Date;
  closedAt?: Date;
  value: number | null;
  threshold: number;
  volume: number;
  /** Admins notified of the opening (set after the notifications went out; a crash in between retries them). */
  notified: boolean;
}

/**
 * Delivery alerts, evaluated every 5 minutes (scheduled function evaluateDeliveryAlerts). Each alert kind has a state
 * document: a condition that starts holding opens an incident (`analyticsIncidents/{kind}_{slot}`) in a transaction
 * with the state, so two overlapping evaluations open one; a condition that clears closes it. Admins are notified
 * once per incident: an in-app notification `alert_{incidentId}` (created once) and a push job through channel
 * delivery (its delivery id is derived, so a republished job is claimed once).
 */
export class DeliveryAlerts {
  constructor(
    private readonly store: DocumentStore,
    private readonly publisher: Publisher,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** The readings now: the last 15 minutes of health slots and the backlog gauge. */
  async readings(): Promise<{
    readings: AlertReading[];
    window: Record<string, number>;
    backlog: Record<string, number>;
  }> {
    const now = this.clock.now();
    const from = slotOf(new Date(now.getTime() - (ALERT_WINDOW_SLOTS - 1) * HEALTH_SLOT_MS));
    const [slots, backlogDocs] = await Promise.all([
      this.store.query(analyticsPaths.health(), { where: [['slot', '>=', from]] }),
      this.store.query(analyticsPaths.backlog()),
    ]);
    // In-app "deliveries" never fail at a provider: they would only dilute the rates.
    const window = sumCounters(
      slots.filter((s) => s.data?.channel !== 'inApp').map((s) => s.data!),
      HEALTH_FIELDS,
    );
    const backlog = sumCounters(
      backlogDocs.map((d) => d.data!),
      ['queued', 'held', 'sending', 'retrying'],
    );
    return { readings: evaluateAlerts(window, backlog), window, backlog };
  }

  async evaluate(): Promise<{ opened: string[]; closed: string[]; readings: AlertReading[] }> {
    const { readings } = await this.readings();
    const opened: string[] = [];
    const closed: string[] = [];
    for (const reading of readings) {
      const change = await this.store.transaction(async (tx) => {
        const now = this.clock.now();
        const statePath = analyticsPaths.alertState(reading.kind);
        const state = ((await tx.get(statePath)).data as AlertState | undefined) ?? { open: false, incidentId: null };
        if (reading.firing && !state.open) {
          const incidentId = `${reading.kind}_${now.getTime()}`;
          const incident: Incident = {
            incidentId,
            kind: reading.kind,
            status: 'open',
            openedAt: now,
            value: reading.value ?? null,
            threshold: reading.threshold,
            volume: reading.volume,
            notified: false,
          };
          tx.set(analyticsPaths.incident(incidentId), { ...incident });
          tx.set(statePath, { open: true, incidentId, since: now });
          return { opened: incidentId };
        }
        if (!reading.firing && state.open && state.incidentId) {
          tx.update(analyticsPaths.incident(state.incidentId), {
            status: 'closed',
            closedAt: now,
            closingValue: reading.value ?? null,
          });
          tx.set(statePath, { open: false, incidentId: null, since: now });
          return { closed: state.incidentId };
        }
        return {};
      });
      if (change.opened) opened.push(change.opened);
      if (change.closed) closed.push(change.closed);
    }
    // Notify every open incident not yet notified (this run's, or one whose notification a crash interrupted).
    const pending = await this.store.query(analyticsPaths.incidents(), {
      where: [
        ['status', '==', 'open'],
        ['notified', '==', false],
      ],
    });
    for (const snap of pending) {
      const incident = snap.data as unknown as Incident;
      const reading = readings.find((r) => r.kind === incident.kind) ?? {
        kind: incident.kind as AlertReading['kind'],
        firing: true,
        value: incident.value ?? undefined,
        threshold: incident.threshold,
        volume: incident.volume,
      };
      await this.notify(incident.incidentId, {
        ...reading,
        value: incident.value ?? undefined,
        volume: incident.volume,
      });
      await this.store.update(analyticsPaths.incident(incident.incidentId), { notified: true });
    }
    if (opened.length || closed.length) this.logger.warn('delivery alerts changed', { opened, closed });
    return { opened, closed, readings };
  }

  private async notify(incidentId: string, reading: AlertReading): Promise<void> {
    const config = (await this.store.get(analyticsPaths.alertConfig())).data as { adminUids?: string[] } | undefined;
    const admins = config?.adminUids ?? [];
    if (admins.length === 0) this.logger.error('delivery alert with no admins to notify', { incidentId });
    const { title, body } = alertText(reading);
    const now = this.clock.now();
    const notificationId = `alert_${incidentId}`;
    const jobs: DeliveryJob[] = [];
    for (const uid of admins) {
      const created = await this.store.transaction(async (tx) => {
        const path = paths.notification(uid, notificationId);
        if ((await tx.get(path)).exists) return false;
        tx.create(path, {
          id: notificationId,
          type: ALERT_TYPE,
          category: 'commerce',
          priority: 'high',
          title,
          body,
          data: { link: '/admin/delivery', incidentId },
          groupKey: `alert_${reading.kind}`,
          count: 1,
          read: false,
          readAt: null,
          archived: false,
          createdAt: now,
          updatedAt: now,
          expiresAt: expiresAtFor('notifications', now),
          sortKey: `${now.toISOString()}_${notificationId}`,
        });
        tx.set(paths.counter(uid, 'notifications'), { unread: fieldOps.increment(1) }, { merge: true });
        return true;
      });
      if (!created) continue;
      jobs.push({
        deliveryId: `${notificationId}_${uid}_push`,
        eventId: notificationId,
        uid,
        channel: 'push',
        type: ALERT_TYPE,
        category: 'commerce',
        priority: 'high',
        critical: false,
        notificationId,
        groupKey: `alert_${reading.kind}`,
        locale: 'en',
        content: { push: { title, body } },
        data: { link: '/admin/delivery', incidentId },
        fallback: [],
        createdAt: now.toISOString(),
      });
    }
    for (const job of jobs)
      await this.publisher.publish(TOPICS.push, job, { deliveryId: job.deliveryId, channel: 'push' });
  }
}
