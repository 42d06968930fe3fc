import type { DocData } from '../ports.js';
import { paths } from '../domain/paths.js';
import type { LocalSystem } from './localSystem.js';
import { localTime } from './transcript.js';

/**
 * Reads back what the system stored and what the sandbox providers captured, and says it in words. Every transcript
 * line about notifications comes from here: a delivery document and, for a sent one, the payload the provider got.
 */

export interface DeliveryRecord extends DocData {
  deliveryId: string;
  eventId: string;
  uid: string;
  channel: 'push' | 'sms' | 'email';
  status: string;
  type?: string;
  reason?: string;
  releaseAt?: Date;
  fallback?: string[];
  fallbackTo?: string;
  fallbackFrom?: string;
  batchedDeliveryIds?: string[];
  errors?: Array<{ code?: string; message?: string }>;
}

export class Evidence {
  constructor(private readonly system: LocalSystem) {}

  async deliveries(eventId: string): Promise<DeliveryRecord[]> {
    const snaps = await this.system.store.query(paths.deliveries(), { where: [['eventId', '==', eventId]] });
    return snaps
      .map((s) => s.data as DeliveryRecord)
      .sort((a, b) => a.uid.localeCompare(b.uid) || a.channel.localeCompare(b.channel));
  }

  /** What each provider received for one delivery (push: one message per device token). */
  captured(deliveryId: string) {
    const { push, sms, email } = this.system.senders;
    return {
      push: push.sent.filter((m) => m.data.deliveryId === deliveryId),
      sms: sms.sent.filter((m) => new URL(m.statusCallback).searchParams.get('deliveryId') === deliveryId),
      email: email.sent.filter((m) => m.customArgs.deliveryId === deliveryId),
    };
  }

  async user(uid: string): Promise<{ name: string; zone: string }> {
    const data = (await this.system.store.get(paths.user(uid))).data;
    return { name: String(data?.displayName ?? uid), zone: String(data?.timeZone ?? 'UTC') };
  }

  /** In-app notifications an event created or updated for a user. */
  async inApp(uid: string, eventId: string): Promise<DocData[]> {
    const snaps = await this.system.store.query(paths.notifications(uid), { where: [['eventId', '==', eventId]] });
    return snaps.map((s) => s.data!);
  }

  /** One line per delivery of an event, grouped by recipient, each read from its document and captured payload. */
  async describeEvent(eventId: string): Promise<string[]> {
    const out: string[] = [];
    const byUser = new Map<string, DeliveryRecord[]>();
    for (const d of await this.deliveries(eventId)) byUser.set(d.uid, [...(byUser.get(d.uid) ?? []), d]);
    for (const [uid, deliveries] of byUser) {
      const who = await this.user(uid);
      out.push(`→ ${who.name} (${localTime(this.system.clock.now(), who.zone)})`);
      for (const note of await this.inApp(uid, eventId))
        out.push(`   in-app  ✓ "${String(note.title)}" (${String(note.type)})`);
      for (const d of deliveries) out.push(`   ${await this.describeDelivery(d, who.zone)}`);
    }
    if (out.length === 0) out.push('(no deliveries recorded for this event)');
    return out;
  }

  async describeDelivery(d: DeliveryRecord, zone: string): Promise<string> {
    const channel = d.channel.padEnd(6);
    const sentAs = this.sentSummary(d);
    switch (d.status) {
      case 'batched':
        return `${channel}  ⏸ held: ${d.reason ?? 'batched'} until ${d.releaseAt ? localTime(d.releaseAt, zone) : '?'}`;
      case 'suppressed':
      case 'stale':
        return `${channel}  ✗ ${d.status}: ${d.reason ?? ''}`;
      case 'failed':
      case 'undelivered': {
        const last = d.errors?.at(-1);
        const cause = last ? `${last.code ?? ''} ${last.message ?? ''}`.trim() : (d.reason ?? '');
        return `${channel}  ✗ ${d.status}: ${cause}${d.fallbackTo ? ` → falls back to ${d.fallbackTo}` : ''}`;
      }
      default:
        return `${channel}  ✓ ${d.status}${d.fallbackFrom ? ` (fallback from ${d.fallbackFrom})` : ''}${d.fallback?.length ? ` [carries fallback: ${d.fallback.join(', ')}]` : ''}: ${sentAs}`;
    }
  }

  private sentSummary(d: DeliveryRecord): string {
    const c = this.captured(d.deliveryId);
    if (d.channel === 'push') {
      const first = c.push[0];
      return first
        ? `${c.push.length} device(s), "${first.notification.title}" — ${first.notification.body}  [out/push/${d.deliveryId}.json]`
        : 'nothing captured';
    }
    if (d.channel === 'sms') {
      const first = c.sms[0];
      return first
        ? `to ${first.to}: "${first.body.replace(/\s*\n\s*/g, ' ⏎ ')}"  [out/sms/${d.deliveryId}.json]`
        : 'nothing captured';
    }
    const first = c.email[0];
    return first ? `to ${first.to}: "${first.subject}"  [out/email/${d.deliveryId}.html]` : 'nothing captured';
  }
}
