import type { Category } from '../channels.js';
import type { DeliveryJob } from '../delivery.js';
import { hashedId } from '../ids.js';

/**
 * One push to one device token, in FCM HTTP v1 terms (the shape firebase-admin's `Message` takes). Built here, in
 * pure code, so what every platform gets is decided and tested without the SDK.
 */
export interface PushMessage {
  token: string;
  notification: { title: string; body: string; imageUrl?: string };
  /** FCM data values must be strings. */
  data: Record<string, string>;
  android: {
    priority: 'high' | 'normal';
    collapseKey: string;
    notification: { channelId: string; tag: string };
  };
  apns: {
    headers: Record<string, string>;
    payload: { aps: { sound: string; badge: number; threadId: string } };
  };
  webpush: { headers: Record<string, string>; fcmOptions?: { link: string } };
}

/** Android notification channels the apps create, one per category (users silence them separately in system settings). */
export const ANDROID_CHANNEL: Record<Category, string> = {
  commerce: 'commerce_alerts',
  community: 'community',
  social: 'social',
  messaging: 'messages',
};

/**
 * The collapse key of a notification group on every platform: android `collapseKey` and notification `tag`,
 * `apns-collapse-id` (≤ 64 bytes) and the web push `Topic` header (≤ 32 characters of the URL-safe base64 alphabet,
 * RFC 8030 §5.4). One hashed form fits all three, so a later push of the group replaces the earlier one wherever it
 * lands: pending on FCM's side (collapse key, Topic) or already shown (tag, collapse id). Chat pushes use it too
 * (messaging/chatPush.ts), so a chat message's live push and its pipeline notification replace each other.
 */
export const collapseKey = (groupKey: string): string => hashedId(groupKey, { length: 32 });

/** The deep link as an absolute https URL for web push (FCM rejects anything else); app routes join the web app's URL. */
export function webLink(data: Record<string, string>, webAppUrl: string): string | undefined {
  const link = data.deepLink ?? data.link ?? data.url;
  if (!link) return undefined;
  const absolute = link.startsWith('/') ? `${webAppUrl.replace(/\/$/, '')}${link}` : link;
  // FCM rejects a web push link that is not https (also when the origin is unset): send none rather than fail the push.
  return /^https:\/\//.test(absolute) ? absolute : undefined;
}

export function buildPushMessage(
  job: DeliveryJob,
  token: string,
  context: { badge: number; webAppUrl: string },
): PushMessage {
  const content = job.content.push;
  if (!content) throw new Error(`job ${job.deliveryId} has no push content`);
  // Commerce alerts (bids, payments) must wake the device; the rest may wait for the next maintenance window.
  const urgent = job.category === 'commerce' || job.critical;
  const link = webLink(job.data, context.webAppUrl);
  const collapse = collapseKey(job.groupKey);
  return {
    token,
    notification: {
      title: content.title,
      body: content.body,
      ...(content.imageUrl ? { imageUrl: content.imageUrl } : {}),
    },
    data: {
      ...job.data,
      notificationId: job.notificationId,
      eventId: job.eventId,
      deliveryId: job.deliveryId,
      type: job.type,
      category: job.category,
      groupKey: job.groupKey,
    },
    android: {
      priority: urgent ? 'high' : 'normal',
      // A new alert of the same group replaces the previous one (undelivered: collapse key; shown: tag). A burst of
      // time-critical alerts is sent push by push and collapses here instead of waiting (routing.ts).
      collapseKey: collapse,
      notification: { channelId: ANDROID_CHANNEL[job.category], tag: collapse },
    },
    apns: {
      headers: { 'apns-collapse-id': collapse, 'apns-priority': urgent ? '10' : '5' },
      payload: { aps: { sound: 'default', badge: context.badge, threadId: job.groupKey } },
    },
    webpush: {
      headers: { Urgency: urgent ? 'high' : 'normal', Topic: collapse },
      ...(link ? { fcmOptions: { link } } : {}),
    },
  };
}
