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
function deliveryBase(
  eventId: string,
  uid: string,
  notification: PlannedNotification,
  notificationId: string,
  channel: ProviderChannel,
): DeliveryBase {
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

/** The apps' data payload of a recipient's jobs: made once per recipient, shared (read-only) by its jobs. */
const jobData = (notification: PlannedNotification, notificationId: string): Record<string, string> => ({
  ...notification.data,
  notificationId,
  type: notification.type,
});

/**
 * A delivery job from its parts: the one place a job's shape is written, for `planRecipient` and for the jobs
 * rebuilt from a receipt (`rebuildJobs`), so a job published again is the job published first. Positional, not an
 * options object: the fan-out makes ~20,000 jobs per 10,000 recipients.
 */
export function jobOf(
  base: DeliveryBase,
  locale: string,
  content: JobContent,
  fallback: ProviderChannel[],
  data: Record<string, string>,
  createdAt: string,
): DeliveryJob {
  return { ...base, locale, content, fallback, data, createdAt };
}

/**
 * What a receipt keeps of a recipient's jobs (issue 14): only what cannot be derived again. Everything else of a job
 * follows from the event's notification, the event id, the uid and the receipt's notification id (`rebuildJobs`).
 * Content stays: it depends on the locale, the burst's count and the experiment variant, and is not re-rendered.
 */
export interface StoredJobs {
  /** The recipient's locale, as on every one of its jobs. */
  locale: string;
  /** The jobs' `createdAt` (ISO text, one instant for all of them). Not the receipt's claimedAt: takeover moves that. */
  createdAt: string;
  jobs: StoredJob[];
}
export type StoredJob = Pick<DeliveryJob, 'channel' | 'content' | 'fallback'>;

/** The stored form of a recipient's jobs (`plan.jobs`: one locale, one createdAt), or undefined without jobs. */
export function storedJobs(jobs: readonly DeliveryJob[]): StoredJobs | undefined {
  if (jobs.length === 0) return undefined;
  const stored: StoredJob[] = [];
  // A loop, not map: every fan-out recipient's receipt comes through here.
  for (const j of jobs) stored.push({ channel: j.channel, content: j.content, fallback: j.fallback });
  return { locale: jobs[0]!.locale, createdAt: jobs[0]!.createdAt, jobs: stored };
}

/** The jobs `storedJobs` kept, whole again: deep-equal to the ones `planRecipient` made for this recipient. */
export function rebuildJobs(
  eventId: string,
  uid: string,
  notification: PlannedNotification,
  notificationId: string,
  stored: StoredJobs,
): DeliveryJob[] {
  const data = jobData(notification, notificationId);
  return stored.jobs.map((j) =>
    jobOf(
      deliveryBase(eventId, uid, notification, notificationId, j.channel),
      stored.locale,
      j.content,
      j.fallback,
      data,
      stored.createdAt,
    ),
  );
}

export function planRecipient(input: PlanInput): RecipientPlan {
  const { eventId, uid, notification, decisions, contact, burst, now } = input;
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
    const b = deliveryBase(eventId, uid, notification, notificationId, d.channel);
    if (d.action === 'suppress') deliveries.push({ base: b, status: 'suppressed', reason: d.reason });
    else if (d.action === 'batch')
      deliveries.push({ base: b, status: 'batched', reason: d.reason, releaseAt: d.releaseAt });
    else {
      // A critical notification's primary job carries every channel's content, so delivery can fall back.
      const carriesFallback = notification.critical && d.channel === primary;
      const fallback = carriesFallback ? fallbackChannels(decisions, d.channel, contact) : [];
      const content: JobContent = jobContent(d.channel, rendered, email);
      for (const c of fallback) Object.assign(content, jobContent(c, rendered, email));
      const job = jobOf(
        b,
        input.locale,
        content,
        fallback,
        (data ??= jobData(notification, notificationId)),
        isoTime(now),
      );
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
