import type { Channel, ProviderChannel } from '../channels.js';
import { deliveryId } from '../delivery.js';
import type { DeliveryJob, JobContent } from '../delivery.js';
import type { DeliveryBase } from '../delivery/record.js';
import type { PlannedNotification } from './plans.js';
import type { EffectivePreferences } from './preferences.js';
import { decideChannels, fallbackChannels } from './routing.js';
import type { ChannelDecision } from './routing.js';
import { renderNotification } from './templates.js';
import type { Rendered } from './templates.js';

/**
 * What one notification becomes for one recipient, decided from what the recipient transaction read (the burst it
 * may join, the rate-limit counters, the profile): the in-app notification's id and count, and per provider channel a
 * delivery record queued with its job, batched for a digest, or suppressed. Pure: the transaction reads, calls
 * these, and writes what they return (src/app/notifications/recipientDelivery.ts).
 */

/** Whether the recipient can be reached on the channels that need a verified contact point. */
export interface Contact {
  emailVerified: boolean;
  phoneVerified: boolean;
}

export const contactOf = (profile: {
  email?: string | null;
  emailVerified: boolean;
  phone?: string | null;
  phoneVerified: boolean;
}): Contact => ({
  emailVerified: profile.emailVerified && !!profile.email,
  phoneVerified: profile.phoneVerified && !!profile.phone,
});

/** The group's notification this one collapses into, while the group's window is open. */
export interface Burst {
  notificationId: string;
  /** Notifications in the group so far. */
  count: number;
  windowEndsAt: Date;
}

export interface RoutingInput {
  prefs: EffectivePreferences;
  timeZone: string;
  contact: Contact;
  burst: Burst | undefined;
  now: Date;
}

/**
 * Channels before rate limits. Inside an open burst, routing decides per type (routing.ts): most types wait for the
 * window to close; time-critical ones (critical included) push at once and collapse on the device.
 */
export function routeChannels(
  notification: PlannedNotification,
  { prefs, timeZone, contact, burst, now }: RoutingInput,
): ChannelDecision[] {
  const burstUntil = burst?.windowEndsAt;
  return decideChannels(notification, { prefs, timeZone, now, ...contact, ...(burstUntil ? { burstUntil } : {}) });
}

/**
 * Outbound channels over their daily limit are suppressed. The in-app center keeps its `send` decision (the receipt
 * says so) and is skipped at write time when over its limit.
 */
export function withinRateLimits(
  decisions: readonly ChannelDecision[],
  allowed: (channel: Channel) => boolean,
): ChannelDecision[] {
  return decisions.map((d): ChannelDecision =>
    d.action === 'send' && d.channel !== 'inApp' && !allowed(d.channel)
      ? { channel: d.channel, action: 'suppress', reason: 'rate_limited' }
      : d,
  );
}

export type PlannedDelivery =
  | { base: DeliveryBase; status: 'suppressed'; reason: string }
  | { base: DeliveryBase; status: 'batched'; reason: string; releaseAt: Date }
  | { base: DeliveryBase; status: 'queued'; fallback: ProviderChannel[]; job: DeliveryJob };

export interface RecipientPlan {
  /** The in-app notification: the burst's, or a new one named after the event. */
  notificationId: string;
  count: number;
  rendered: Rendered;
  /** Whether the in-app center gets it (switched on for the type and within its limit). */
  inApp: boolean;
  /** One per provider channel decided, in routing order. */
  deliveries: PlannedDelivery[];
  jobs: DeliveryJob[];
}

export interface PlanInput {
  eventId: string;
  uid: string;
  locale: string;
  notification: PlannedNotification;
  /** After rate limits (withinRateLimits). */
  decisions: readonly ChannelDecision[];
  inAppAllowed: boolean;
  contact: Contact;
  burst: Burst | undefined;
  webAppUrl: string;
  now: Date;
  /** Renders the notification for a locale and count; a fan-out chunk passes one `renderer` for all its recipients. */
  render?: (locale: string, count: number) => Rendered;
}

/**
 * The notification's rendering per locale and count, each rendered once: a chunk of 500 followers in two locales
 * renders twice, not 500 times. The result is shared (read-only) by every recipient with that locale and count.
 */
export function renderer(
  notification: PlannedNotification,
  webAppUrl: string,
): (locale: string, count: number) => Rendered {
  const cache = new Map<string, Rendered>();
  const url = notificationUrl(notification, webAppUrl);
  return (locale, count) => {
    const key = `${locale}|${count}`;
    let rendered = cache.get(key);
    if (!rendered) {
      rendered = renderNotification(notification.type, notification.vars, { locale, count, url });
      cache.set(key, rendered);
    }
    return rendered;
  };
}

/** Where the notification's email button (and push on the web) leads: the web app's origin + the deep link. */
export const notificationUrl = (notification: PlannedNotification, webAppUrl: string): string =>
  `${webAppUrl}${notification.data.link ?? '/notifications'}`;

/**
 * One channel's content for a job. Push and SMS go rendered (short). Email goes by reference (type and locale on the
 * job, vars, count and url here) and is rendered at send time: its HTML is ~20 kB, once per locale here but copied
 * into every job, every Pub/Sub message and every receipt otherwise (issue 14).
 */
function jobContent(
  channel: ProviderChannel,
  rendered: Rendered,
  email: { vars: Record<string, string>; count: number; url: string },
): JobContent {
  if (channel !== 'email') return { [channel]: rendered[channel] };
  return { email: { subject: rendered.email.subject, template: email } };
}

/** A delivery's shared fields. Not a closure in planRecipient: that would be one more function per recipient. */
function deliveryBase(input: PlanInput, notificationId: string, channel: ProviderChannel): DeliveryBase {
  const { eventId, uid, notification } = input;
  return {
    deliveryId: deliveryId(eventId, uid, channel),
    eventId,
    uid,
    channel,
    type: notification.type,
    category: notification.category,
    priority: notification.priority,
    critical: notification.critical,
    notificationId,
    groupKey: notification.groupKey,
  };
}

export function planRecipient(input: PlanInput): RecipientPlan {
  const { eventId, notification, decisions, contact, burst, now } = input;
  const notificationId = burst?.notificationId ?? `${eventId}_${notification.type}`;
  const count = burst ? burst.count + 1 : 1;
  const rendered = (input.render ?? renderer(notification, input.webAppUrl))(input.locale, count);
  const email = { vars: notification.vars, count, url: notificationUrl(notification, input.webAppUrl) };
  const primary = decisions.find((d) => d.action === 'send' && d.channel !== 'inApp')?.channel as
    ProviderChannel | undefined;
  const deliveries: PlannedDelivery[] = [];
  // Shared by the recipient's jobs (never mutated: jobs are serialised as they are, fallbacks copy them).
  let data: Record<string, string> | undefined;
  for (const d of decisions) {
    if (d.channel === 'inApp') continue;
    const b = deliveryBase(input, notificationId, d.channel);
    if (d.action === 'suppress') deliveries.push({ base: b, status: 'suppressed', reason: d.reason });
    else if (d.action === 'batch')
      deliveries.push({ base: b, status: 'batched', reason: d.reason, releaseAt: d.releaseAt });
    else {
      // A critical notification's primary job carries every channel's content, so delivery can fall back.
      const carriesFallback = notification.critical && d.channel === primary;
      const fallback = carriesFallback ? fallbackChannels(decisions, d.channel, contact) : [];
      const content: JobContent = jobContent(d.channel, rendered, email);
      for (const c of fallback) Object.assign(content, jobContent(c, rendered, email));
      const job: DeliveryJob = {
        ...b,
        locale: input.locale,
        content,
        fallback,
        data: (data ??= { ...notification.data, notificationId, type: notification.type }),
        createdAt: isoTime(now),
      };
      deliveries.push({ base: b, status: 'queued', fallback, job });
    }
  }
  return {
    notificationId,
    count,
    rendered,
    inApp: input.inAppAllowed && decisions.some((d) => d.channel === 'inApp'),
    deliveries,
    jobs: deliveries.flatMap((d) => (d.status === 'queued' ? [d.job] : [])),
  };
}

/**
 * `now` as ISO text, remembered for the last instant: a fan-out chunk stamps every recipient's jobs with one `now`,
 * and toISOString is one of the costlier calls per job.
 */
function isoTime(now: Date): string {
  const time = now.getTime();
  if (time !== lastIso.time) {
    lastIso.time = time;
    lastIso.text = now.toISOString();
  }
  return lastIso.text;
}
const lastIso = { time: Number.NaN, text: '' };
