import { ANDROID_CHANNEL, collapseKey, webLink } from '../delivery/pushMessage.js';
import type { PushMessage } from '../delivery/pushMessage.js';
import type { EffectivePreferences } from '../notifications/preferences.js';
import { decideChannels } from '../notifications/routing.js';
import { renderNotification } from '../notifications/templates.js';
import type { PlannedNotification } from '../notifications/plans.js';
import { CATEGORY_PRIORITY } from '../notifications/plans.js';
import type { Member } from './conversation.js';

/**
 * A chat message's push, straight to FCM (issue 14): one provider call for every recipient's devices, with a
 * per-conversation collapse key so a burst of messages replaces itself on the device instead of stacking up, where the
 * notification pipeline made one transaction, one ledger record and one job per recipient and held bursts back for
 * five minutes. Pure: onMessageCreated reads, these decide and build.
 */

export const CHAT_TYPE = 'messaging.new_message' as const;

/** The conversation's group key (the pipeline's `messaging:{cid}`, so a digest and a live push share one thread). */
export const chatGroupKey = (cid: string) => `messaging:${cid}`;

/** The conversation's collapse key on every platform: the pipeline's for its group (pushMessage.ts `collapseKey`). */
export const chatCollapseKey = (cid: string) => collapseKey(chatGroupKey(cid));

/** Who the push may go to, before preferences: other members who have not seen it, are not looking, muting or blocking. */
export function chatPushCandidates(
  members: readonly Member[],
  message: { senderId: string; createdAt: Date },
  blockers: ReadonlySet<string>,
  now: Date,
): Member[] {
  const ahead = (d: Date | null) => d !== null && d.getTime() > now.getTime();
  return members.filter(
    (m) =>
      m.uid !== message.senderId &&
      !ahead(m.activeUntil) &&
      !ahead(m.mutedUntil) &&
      !blockers.has(m.uid) &&
      // Read (or joined) at or after the message was written: they have seen it, or it is from before their time.
      !(m.lastReadAt !== null && m.lastReadAt.getTime() >= message.createdAt.getTime()),
  );
}

/**
 * Where one recipient's notification of a chat message goes, by the routing the pipeline applies (preferences for
 * `messaging.new_message`, quiet hours, working hours, digest frequency; bursts are what the collapse key replaces):
 * - `push`: push is on and may leave now, and no other outbound channel wants it: straight to FCM.
 * - `pipeline`: anything else outbound (held for quiet or working hours or a digest, SMS or email switched on): the
 *   `messaging.new_message` event, for these recipients only, so they get exactly what the pipeline gave them before.
 * - `none`: nothing outbound. The in-app side of a chat message is the conversation's unread count, so a recipient
 *   whose only channel is in-app is served by it (the notification center no longer lists pushed chat messages).
 */
export function chatRoute(
  prefs: EffectivePreferences,
  context: { timeZone: string; emailVerified: boolean; phoneVerified: boolean; now: Date },
): 'push' | 'pipeline' | 'none' {
  const decisions = decideChannels(chatNotification, { prefs, ...context }).filter(
    (d) => d.channel !== 'inApp' && d.action !== 'suppress',
  );
  if (decisions.length === 0) return 'none';
  return decisions.length === 1 && decisions[0]!.channel === 'push' && decisions[0]!.action === 'send'
    ? 'push'
    : 'pipeline';
}

/** Routing needs only the type, criticality and group of the notification, not its text. */
const chatNotification: PlannedNotification = {
  type: CHAT_TYPE,
  category: 'messaging',
  priority: CATEGORY_PRIORITY.messaging,
  critical: false,
  vars: {},
  data: {},
  groupKey: 'messaging:',
};

export interface ChatPushContent {
  cid: string;
  messageId: string;
  senderId: string;
  senderName: string;
  conversationTitle: string | null;
  preview: string;
  /** The ledger record of this batch (deliveries/{id}), echoed in every push's data. */
  deliveryId: string;
}

export interface ChatPushTarget {
  uid: string;
  token: string;
  locale: string;
  /** The in-app notification center's unread count (the APNs badge, as the pipeline's pushes carry it). */
  badge: number;
}

/**
 * One FCM message per device token. Each locale's text is rendered once (the same template the pipeline uses), not
 * once per recipient.
 */
export function buildChatPushes(
  content: ChatPushContent,
  targets: readonly ChatPushTarget[],
  webAppUrl: string,
): PushMessage[] {
  const vars = {
    senderName: content.senderName,
    preview: content.preview,
    conversationTitle: content.conversationTitle ?? content.senderName,
  };
  const groupKey = chatGroupKey(content.cid);
  const collapse = chatCollapseKey(content.cid);
  const data: Record<string, string> = {
    conversationId: content.cid,
    messageId: content.messageId,
    senderId: content.senderId,
    link: `/conversations/${content.cid}`,
    type: CHAT_TYPE,
    category: 'messaging',
    groupKey,
    deliveryId: content.deliveryId,
  };
  const link = webLink(data, webAppUrl);
  const texts = new Map<string, { title: string; body: string }>();
  const textFor = (locale: string) => {
    let text = texts.get(locale);
    if (!text) {
      text = renderNotification(CHAT_TYPE, vars, { locale, url: `${webAppUrl}${data.link}` }).push;
      texts.set(locale, text);
    }
    return text;
  };
  // Chat is not commerce: the pipeline sent it at normal priority, and so does this.
  return targets.map((t) => ({
    token: t.token,
    notification: { ...textFor(t.locale) },
    data,
    android: {
      priority: 'normal',
      collapseKey: collapse,
      notification: { channelId: ANDROID_CHANNEL.messaging, tag: collapse },
    },
    apns: {
      headers: { 'apns-collapse-id': collapse, 'apns-priority': '5' },
      payload: { aps: { sound: 'default', badge: t.badge, threadId: groupKey } },
    },
    webpush: { headers: { Urgency: 'normal', Topic: collapse }, ...(link ? { fcmOptions: { link } } : {}) },
  }));
}
