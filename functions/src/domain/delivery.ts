import { z } from 'zod';
import { CATEGORIES, PRIORITIES, PROVIDER_CHANNELS } from './channels.js';
import type { Channel } from './channels.js';

/**
 * The contract between the notification pipeline (which routes, renders and publishes jobs) and channel delivery
 * (which consumes them from `deliver-push|sms|email` and talks to FCM, Twilio, SendGrid).
 */

/** The longest delivery id accepted from outside (webhooks, jobs): a uid, an event id and a channel. */
export const DELIVERY_ID_MAX = 300;

/**
 * One delivery per event × recipient × channel: the id is derived, so a trigger that runs twice writes the same doc.
 * The recipient comes first: a fan-out writes thousands of deliveries of one event at once, and ids that shared the
 * event's prefix would all land in one narrow key range of `deliveries/` (Firestore's hotspot on lexicographically
 * close ids, about 500 writes/s until it splits the range); uids scatter them. Ids are opaque everywhere else (jobs,
 * provider metadata, webhooks carry them whole).
 */
export function deliveryId(eventId: string, uid: string, channel: Channel): string {
  return `${uid}_${eventId}_${channel}`;
}

/**
 * Statuses in the order a delivery moves through them. A later status never gives way to an earlier one
 * (out-of-order provider callbacks), see `canAdvance`.
 */
export const DELIVERY_STATUSES = ['queued', 'batched', 'sending', 'sent', 'delivered', 'opened', 'clicked'] as const;
/** Terminal statuses that end a delivery without it reaching the user on this channel. */
export const TERMINAL_FAILURES = ['suppressed', 'stale', 'failed', 'undelivered'] as const;

export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number] | (typeof TERMINAL_FAILURES)[number];

const rank = (status: DeliveryStatus): number => {
  const progress = (DELIVERY_STATUSES as readonly string[]).indexOf(status);
  if (progress >= 0) return progress;
  // Failures outrank queued/sending (they end the attempt) but never overwrite what the provider confirmed.
  return status === 'undelivered' || status === 'failed'
    ? DELIVERY_STATUSES.indexOf('sent') + 0.5
    : DELIVERY_STATUSES.indexOf('sending') + 0.5;
};

/** May a delivery move from `from` to `to`? Never backwards: a late "sent" does not undo "delivered". */
export function canAdvance(from: DeliveryStatus, to: DeliveryStatus): boolean {
  if (from === to) return false;
  if (from === 'suppressed' || from === 'stale') return false;
  return rank(to) > rank(from);
}

const pushContentSchema = z.object({ title: z.string(), body: z.string(), imageUrl: z.string().optional() });
const smsContentSchema = z.object({ body: z.string() });
/** An email as the renderer leaves it (digests, and every job published before compact emails). */
const renderedEmailSchema = z.object({ subject: z.string(), html: z.string(), text: z.string() });

export const renderedContentSchema = z.object({
  push: pushContentSchema.optional(),
  sms: smsContentSchema.optional(),
  email: renderedEmailSchema.optional(),
});
export type RenderedContent = z.infer<typeof renderedContentSchema>;

/**
 * A notification's email by reference instead of its ~20 kB of rendered HTML (issue 14: a fan-out to 10,000 carried
 * 217 MB of jobs, stored on every receipt). Channel delivery renders it at send time,
 * `renderNotification(job.type, vars, { locale: job.locale, count, url })` (src/domain/delivery/emailContent.ts): the
 * same pure function, inputs and result as at publish time. Strict: a job is one form or the other, never both.
 */
export const emailTemplateSchema = z
  .object({
    /** The notification's template variables (strings, as events carry them). */
    vars: z.record(z.string().max(200), z.string().max(5_000)),
    /** Notifications collapsed into this one (a burst): the grouped template above 1. */
    count: z.number().int().min(1).max(1_000_000),
    /** The button's target, absolute (the web app's origin + the deep link). */
    url: z.string().min(1).max(2_048),
  })
  .strict();
export const templatedEmailSchema = z.object({ subject: z.string(), template: emailTemplateSchema }).strict();
export type TemplatedEmail = z.infer<typeof templatedEmailSchema>;

/** What a job carries: rendered push and SMS text (small), the email rendered (legacy, digests) or by reference. */
export const jobContentSchema = z.object({
  push: pushContentSchema.optional(),
  sms: smsContentSchema.optional(),
  email: z.union([templatedEmailSchema, renderedEmailSchema]).optional(),
});
export type JobContent = z.infer<typeof jobContentSchema>;

export const deliveryJobSchema = z.object({
  deliveryId: z.string().min(1),
  eventId: z.string().min(1),
  uid: z.string().min(1),
  channel: z.enum(PROVIDER_CHANNELS),
  /** Notification type from the event catalog, e.g. `auction.outbid`. */
  type: z.string().min(1),
  category: z.enum(CATEGORIES),
  priority: z.enum(PRIORITIES),
  critical: z.boolean(),
  /** In-app notification this job mirrors (deep link target for "open"). */
  notificationId: z.string().min(1),
  /** Jobs with the same groupKey replace each other on the lock screen (FCM collapse key, APNs thread). */
  groupKey: z.string().min(1),
  locale: z.string().min(2),
  /** Content for this channel and, for critical jobs, for the fallback channels too. */
  content: jobContentSchema,
  /** String-only data payload for the apps: deep link and entity ids. */
  data: z.record(z.string(), z.string()),
  /** Channels to try, in order, if this one cannot deliver (critical notifications only). */
  fallback: z.array(z.enum(PROVIDER_CHANNELS)).default([]),
  /** ISO time the job was created; stale jobs (an outbid alert older than 15 minutes) are dropped. */
  createdAt: z.iso.datetime(),
  /** Set by channel delivery on a fallback job: the channel that could not deliver (an SMS fallback counts against the SMS limit). */
  fallbackFrom: z.enum(PROVIDER_CHANNELS).optional(),
});
export type DeliveryJob = z.infer<typeof deliveryJobSchema>;

/**
 * The job for the next channel of a critical job's fallback chain that has content to send, or undefined (not
 * critical, chain exhausted). Its delivery id is derived, so every writer that hands over builds the same job.
 */
export function fallbackJob(job: DeliveryJob): DeliveryJob | undefined {
  if (!job.critical) return undefined;
  const remaining = [...job.fallback];
  for (let channel = remaining.shift(); channel; channel = remaining.shift()) {
    if (channel === job.channel || !job.content[channel]) continue;
    return {
      ...job,
      channel,
      deliveryId: deliveryId(job.eventId, job.uid, channel),
      fallback: remaining,
      fallbackFrom: job.channel,
    };
  }
  return undefined;
}
