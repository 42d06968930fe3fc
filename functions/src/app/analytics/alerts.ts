import type { Clock, DocumentStore, Logger } from '../../ports.js';
import { paths } from '../../domain/paths.js';
import { hashedId } from '../../domain/ids.js';
import { expiresAtFor } from '../../domain/compliance/retention.js';
import type { EventMessage } from '../../domain/notifications/events.js';
import { HEALTH_FIELDS, HEALTH_SLOT_MS, slotOf, sumCounters } from '../../domain/analytics/aggregates.js';
import type { AlertKind, AlertReading } from '../../domain/analytics/alerts.js';
import { ALERT_WINDOW_SLOTS, evaluateAlerts } from '../../domain/analytics/alerts.js';
import { analyticsPaths } from '../../domain/analytics/paths.js';

/** The domain event an incident's alert is (src/domain/notifications/events.ts, plans.ts; texts in en/de/ar). */
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
  /** The alert event is written (in the same transaction that sets this): admins are told once per incident. */
  notified: boolean;
}

/**
 * Delivery alerts, evaluated every 5 minutes (scheduled function evaluateDeliveryAlerts). Each alert kind has a state
 * document: a condition that starts holding opens an incident (`analyticsIncidents/{kind}_{slot}`) in a transaction
 * with the state, so two overlapping evaluations open one; a condition that clears closes it. Admins are notified
 * once per incident through the notification pipeline itself: an `ops.delivery_alert` event (notify below).
 */
export class DeliveryAlerts {
  constructor(
    private readonly store: DocumentStore,
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
    // Notify every open incident not yet notified (this run's, or one that opened while no admin was configured).
    const pending = await this.store.query(analyticsPaths.incidents(), {
      where: [
        ['status', '==', 'open'],
        ['notified', '==', false],
      ],
    });
    for (const snap of pending) await this.notify(snap.id);
    if (opened.length || closed.length) this.logger.warn('delivery alerts changed', { opened, closed });
    return { opened, closed, readings };
  }

  /**
   * The incident's alert as a domain event (`ops.delivery_alert`, to the admins of `analyticsConfig/alerts`): one
   * transaction writes the `events/` document and marks the incident notified, so overlapping runs write it once;
   * the pipeline (onNotificationEventCreated) then routes it like any event, under each admin's preferences, and
   * deduplicates its key. Without admins it stays unnotified (logged) until setAlertRecipients names some.
   */
  private async notify(incidentId: string): Promise<void> {
    const key = `${ALERT_TYPE}:${incidentId}`;
    const eventPath = paths.event(hashedId(key, { length: 32, prefix: 'evt_' }));
    const outcome = await this.store.transaction(async (tx) => {
      const [incidentSnap, configSnap, eventSnap] = await tx.getAll([
        analyticsPaths.incident(incidentId),
        analyticsPaths.alertConfig(),
        eventPath,
      ]);
      const incident = incidentSnap!.data as unknown as Incident | undefined;
      if (!incident || incident.notified || incident.status !== 'open') return 'done';
      const admins = ((configSnap!.data as { adminUids?: string[] } | undefined)?.adminUids ?? []).slice(0, 50);
      if (admins.length === 0) return 'no admins';
      if (!eventSnap!.exists) {
        const now = this.clock.now();
        const message: EventMessage<typeof ALERT_TYPE> = {
          type: ALERT_TYPE,
          idempotencyKey: key,
          occurredAt: incident.openedAt.toISOString(),
          payload: {
            incidentId,
            alertKind: incident.kind as AlertKind,
            value: incident.value,
            threshold: incident.threshold,
            volume: incident.volume,
            adminIds: admins,
          },
        };
        tx.set(eventPath, { ...message, occurredAt: incident.openedAt, expiresAt: expiresAtFor('events', now) });
      }
      tx.update(analyticsPaths.incident(incidentId), { notified: true, eventId: eventPath.split('/')[1] });
      return 'notified';
    });
    if (outcome === 'no admins') this.logger.error('delivery alert with no admins to notify', { incidentId });
  }
}
