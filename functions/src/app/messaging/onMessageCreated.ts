import type { DocData, DocSnapshot, Logger, Publisher, PushSender, WriteOp } from '../../ports.js';
import { TOPICS } from '../../domain/channels.js';
import { deliveryRecord } from '../../domain/delivery/record.js';
import { hashedId } from '../../domain/ids.js';
import { paths } from '../../domain/paths.js';
import type { EventMessage } from '../../domain/notifications/events.js';
import { CATEGORY_PRIORITY } from '../../domain/notifications/plans.js';
import { effectivePreferences, preferencesPatchSchema } from '../../domain/notifications/preferences.js';
import type { PreferencesPatch } from '../../domain/notifications/preferences.js';
import { contactOf } from '../../domain/notifications/recipientPlan.js';
import { safeZone } from '../../domain/notifications/schedule.js';
import { userProfileSchema } from '../../domain/users.js';
import type { Conversation, Member } from '../../domain/messaging/conversation.js';
import { advancePositions, isAfter } from '../../domain/messaging/conversation.js';
import type { ChatPushTarget } from '../../domain/messaging/chatPush.js';
import {
  buildChatPushes,
  CHAT_TYPE,
  chatGroupKey,
  chatPushCandidates,
  chatRoute,
} from '../../domain/messaging/chatPush.js';
import type { Message } from '../../domain/messaging/message.js';
import { messageSchema, previewOf } from '../../domain/messaging/message.js';
import { screenText, screenableText } from '../../domain/messaging/moderationFilter.js';
import { describeIssues } from '../../domain/validation.js';
import type { MessagingDeps } from './conversations.js';
import type { Moderation } from './moderation.js';
import { excerptOf } from './moderation.js';
import { messageAudit } from './messageAudit.js';
import { loadMembers, toConversation, toMember } from './records.js';

/**
 * What a new message publishes on `domain-events` for the notification pipeline: the message event of the intake
 * schemas (domain/notifications/events.ts), so the contract is written once.
 */
export type NewMessageEvent = EventMessage<'messaging.new_message'>;

/**
 * Marks that a message was processed: the sequence number it was given (`seq`, null for system messages), the
 * members whose read position it moved (`advanced`), and whether its push went out (`published`, with `pushedTo`
 * and `pipelineRecipients`). Created in the transaction that assigns the number, so a trigger that runs twice numbers
 * once. Server-only: firestore.rules denies it.
 */
export const processedMarker = (cid: string, mid: string) => `${paths.conversation(cid)}/processed/${mid}`;

/** The ledger record of a message's direct push (one per message batch, not per recipient; README "Unread counts"). */
export const chatDeliveryId = (cid: string, mid: string) => hashedId(`${cid}/${mid}`, { length: 32, prefix: 'chat_' });

/** Pub/Sub and Firestore retries stop long before this. */
const MARKER_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export interface OnMessageCreatedDeps extends MessagingDeps {
  publisher: Publisher;
  logger: Logger;
  moderation: Moderation;
  /** FCM (the PushSender port) and the web app's origin for web push links. */
  push: PushSender;
  webAppUrl: () => string;
}

export type TriggerOutcome =
  | { status: 'invalid'; reason: string }
  | { status: 'orphan' }
  | {
      status: 'processed';
      /** This run numbered the message (false: a second run, or a system message). */
      counted: boolean;
      seq: number | null;
      /** Everyone told about it: pushed directly, or handed to the notification pipeline (`pipeline`). */
      pushedTo: string[];
      pipeline: string[];
      flagged: boolean;
    };

type Numbered =
  | { status: 'orphan' }
  | {
      status: 'numbered';
      counted: boolean;
      seq: number | null;
      published: boolean;
      conversation: Conversation;
      summary: 'written' | 'current';
    };

/**
 * Everything that follows a new message: sequence number and summary, push, moderation. Each step is idempotent on
 * its own, so a retry after a crash at any point finishes the job without doing any part twice (a push may go out
 * twice; its collapse key makes the second replace the first on the device).
 */
export class OnMessageCreated {
  constructor(private readonly deps: OnMessageCreatedDeps) {}

  /**
   * The trigger's entry: it re-reads the message, so it works on the document as it is now, not as the event carried
   * it (a message tombstoned before a late trigger ran must not reach the summary or a push with its old text).
   */
  async onCreated(cid: string, mid: string): Promise<TriggerOutcome | { status: 'gone' }> {
    const snapshot = await this.deps.store.get(paths.message(cid, mid));
    if (!snapshot.exists || !snapshot.data) return { status: 'gone' };
    return this.handle(cid, mid, snapshot.data);
  }

  async handle(cid: string, mid: string, raw: DocData): Promise<TriggerOutcome> {
    const log = this.deps.logger.child({ conversationId: cid, messageId: mid });
    const parsed = messageSchema.safeParse(raw);
    if (!parsed.success) {
      // The rules should make this impossible; if one slips through, a moderator sees it rather than members' phones.
      const reason = describeIssues('message', parsed.error);
      log.warn('malformed message skipped', { reason });
      await this.auditSent(cid, mid, {
        senderId: String(raw.senderId ?? 'unknown'),
        type: String(raw.type ?? 'unknown'),
        system: raw.system,
      });
      await this.deps.moderation.flagAutomated(
        { conversationId: cid, messageId: mid, senderId: String(raw.senderId ?? ''), excerpt: excerptOf(raw) },
        [{ reason: 'malformed', match: reason.slice(0, 200) }],
      );
      return { status: 'invalid', reason };
    }
    const message = parsed.data;
    const counts = message.type !== 'system';
    // The member list is read once, lock-free, beside the audit entry and the numbering: only the push needs it.
    const [numbered, members] = await Promise.all([
      this.number(cid, mid, message, counts),
      counts ? loadMembers(this.deps.store, cid) : Promise.resolve([]),
      this.auditSent(cid, mid, {
        senderId: message.senderId,
        type: message.type,
        encrypted: !!message.encrypted,
        system: message.system,
      }),
    ]);
    if (numbered.status === 'orphan') {
      log.warn('message in a conversation that does not exist');
      return { status: 'orphan' };
    }

    let notified = { pushedTo: [] as string[], pipeline: [] as string[] };
    if (counts && !numbered.published) {
      notified = await this.notify(cid, mid, message, numbered.conversation, members, log);
    }

    let flagged = false;
    // The server never sees plaintext of an encrypted message, so there is nothing to screen.
    if (counts && !message.encrypted) {
      const flags = screenText(screenableText(message));
      if (flags.length > 0) {
        flagged = true;
        await this.deps.moderation.flagAutomated(
          { conversationId: cid, messageId: mid, senderId: message.senderId, excerpt: excerptOf(raw) },
          flags,
        );
      }
    }
    log.info('message processed', {
      counted: numbered.counted,
      seq: numbered.seq,
      summary: numbered.summary,
      pushedTo: notified.pushedTo.length,
      pipeline: notified.pipeline.length,
      flagged,
    });
    return {
      status: 'processed',
      counted: numbered.counted,
      seq: numbered.seq,
      pushedTo: notified.pushedTo,
      pipeline: notified.pipeline,
      flagged,
    };
  }

  /**
   * `message.sent`, keyed by the message, so a second run adds nothing. Clients write messages directly, so this is
   * the one place every message passes. System messages of group changes are not: the callable that made the change
   * audited it (group.created, group.members_added, …) in the same transaction.
   */
  private async auditSent(
    cid: string,
    mid: string,
    message: { senderId: string; type: string; encrypted?: boolean; system?: unknown },
  ): Promise<void> {
    if (message.system !== undefined) return;
    const { entry, key } = messageAudit.sent(cid, mid, message);
    await this.deps.audit.record(entry, key);
  }

  /**
   * One small transaction per message: the next sequence number, the summary, the marker, and the read positions the
   * number moves (domain advancePositions: the sender's own message, and members who read or joined after it was written).
   *
   * The number needs a read-modify-write of the conversation document, so this is the one lock per message on it;
   * the summary rides in it at no extra cost (the newest message by createdAt, ties by id, wins whatever order the
   * triggers run in, and the preview comes from the message as stored now, so an edit or tombstone that committed
   * first is not undone). It reads 3 documents, the sender's member document and the members who read since the
   * message was written (a range query, usually empty), and writes 2 documents plus those positions, where the
   * increment model read every member's `reads/*` and wrote every member's counter in it. A second run finds the
   * marker and changes nothing. A system message gets no number (it counts for nobody) but still the summary.
   */
  private async number(cid: string, mid: string, message: Message, counts: boolean): Promise<Numbered> {
    return this.deps.store.transaction(async (tx): Promise<Numbered> => {
      const [conversationSnap, markerSnap, stored, senderSnap] = await tx.getAll([
        paths.conversation(cid),
        processedMarker(cid, mid),
        paths.message(cid, mid),
        paths.member(cid, message.senderId),
      ]);
      if (!conversationSnap?.exists) return { status: 'orphan' };
      const conversation = toConversation(conversationSnap.data ?? {});
      if (markerSnap?.exists) {
        const data = markerSnap.data ?? {};
        const seq = typeof data.seq === 'number' ? data.seq : null;
        return {
          status: 'numbered',
          counted: false,
          seq,
          // A marker of the increment model (no `seq`) published through the pipeline already, or never will.
          published: data.published === true || !('seq' in data),
          conversation,
          summary: 'current',
        };
      }
      let seq: number | null = null;
      let advanced: ReturnType<typeof advancePositions> = [];
      if (counts) {
        seq = (conversation.lastMessageSeq ?? 0) + 1;
        const recent = await tx.query(`${paths.conversation(cid)}/members`, {
          where: [['lastReadAt', '>=', message.createdAt]],
        });
        const candidates = recent.map(toMember);
        if (senderSnap?.exists && !candidates.some((m) => m.uid === message.senderId))
          candidates.push(toMember(senderSnap));
        advanced = advancePositions(seq, message, candidates);
      }
      const position = { at: message.createdAt, messageId: mid };
      const current =
        conversation.lastMessageAt && conversation.lastMessage
          ? { at: conversation.lastMessageAt, messageId: conversation.lastMessage.messageId }
          : null;
      const newest = isAfter(position, current);
      const update: DocData = {};
      if (seq !== null) update.lastMessageSeq = seq;
      if (newest) {
        const again = stored?.exists ? messageSchema.safeParse(stored.data) : undefined;
        const latest = again?.success ? again.data : message;
        update.lastMessage = {
          messageId: mid,
          senderId: message.senderId,
          type: message.type,
          preview: previewOf(latest),
          createdAt: message.createdAt,
        };
        update.lastMessageAt = message.createdAt;
      }
      if (Object.keys(update).length > 0) tx.update(paths.conversation(cid), update);
      const now = this.deps.clock.now();
      // expireAt: a TTL policy (firestore.indexes.json) removes markers once no retry can come any more.
      tx.create(processedMarker(cid, mid), {
        seq,
        advanced: advanced.map((a) => a.uid),
        published: !counts,
        at: now,
        expireAt: new Date(now.getTime() + MARKER_TTL_MS),
      });
      for (const a of advanced) tx.update(paths.member(cid, a.uid), { lastReadSeq: a.lastReadSeq, ownSeqs: a.ownSeqs });
      return {
        status: 'numbered',
        counted: counts,
        seq,
        published: false,
        conversation: seq === null ? conversation : { ...conversation, lastMessageSeq: seq },
        summary: newest ? 'written' : 'current',
      };
    });
  }

  /**
   * The push, straight to FCM for everyone whose preferences let it leave now, in one provider call with a
   * per-conversation collapse key; the `messaging.new_message` event on `domain-events` for the rest of those the
   * pipeline would notify (held by quiet or working hours or a digest, or with SMS or email on), so their
   * notifications are what they were. Reads, in one parallel wave over the candidates: blocks, preferences, profiles,
   * notification counters (the badge) with one getAll each, and each candidate's devices. Then one send, one batch
   * that deletes the tokens FCM reports dead, and one batch with the ledger record and the marker.
   */
  private async notify(
    cid: string,
    mid: string,
    message: Message,
    conversation: Conversation,
    members: readonly Member[],
    log: Logger,
  ): Promise<{ pushedTo: string[]; pipeline: string[] }> {
    const now = this.deps.clock.now();
    const candidates = chatPushCandidates(members, message, new Set(), now).map((m) => m.uid);
    const [blocks, prefs, profiles, counters, devices] = await Promise.all([
      this.getAll(candidates.map((uid) => paths.block(uid, message.senderId))),
      this.getAll(candidates.map((uid) => paths.preferences(uid))),
      this.getAll(candidates.map((uid) => paths.user(uid))),
      this.getAll(candidates.map((uid) => paths.counter(uid, 'notifications'))),
      Promise.all(candidates.map((uid) => this.deps.store.query(paths.devices(uid)))),
    ]);
    const direct: ChatPushTarget[] = [];
    const directUids: string[] = [];
    const pipeline: string[] = [];
    const routes = new Map<string, ReturnType<typeof chatRoute>>();
    candidates.forEach((uid, i) => {
      if (blocks[i]!.exists) return;
      const profile = userProfileSchema.safeParse(profiles[i]!.data ?? {});
      // No readable profile: nobody to address (the pipeline skips such recipients too).
      if (!profiles[i]!.exists || !profile.success) return;
      // Recipients with the same stored preferences, zone and contact points route alike: decide once per kind (in a
      // group most have no preferences document and share a zone), not once per recipient.
      const contact = contactOf(profile.data);
      const key = `${prefs[i]!.exists ? JSON.stringify(prefs[i]!.data) : '-'}|${profile.data.timeZone}|${contact.emailVerified}|${contact.phoneVerified}`;
      let route = routes.get(key);
      if (!route) {
        const preferences = effectivePreferences(storedPreferences(prefs[i]!));
        route = chatRoute(preferences, {
          timeZone: safeZone(preferences.timeZone ?? profile.data.timeZone),
          ...contact,
          now,
        });
        routes.set(key, route);
      }
      if (route === 'pipeline') pipeline.push(uid);
      if (route !== 'push') return;
      const tokens = devices[i]!.map((d) => d.data?.token).filter((t): t is string => typeof t === 'string');
      if (tokens.length === 0) return;
      directUids.push(uid);
      const badge = Number(counters[i]!.data?.unread ?? 0);
      for (const token of tokens)
        direct.push({ uid, token, locale: profile.data.locale, badge: Number.isFinite(badge) ? badge : 0 });
    });

    const senderName =
      members.find((m) => m.uid === message.senderId)?.displayName ??
      (await this.deps.store.get(paths.user(message.senderId))).data?.displayName;
    const name = typeof senderName === 'string' && senderName ? senderName : 'Someone';
    const title = conversation.type === 'group' && conversation.title ? conversation.title : null;
    const preview = previewOf(message);

    if (pipeline.length > 0) {
      const event: NewMessageEvent = {
        type: 'messaging.new_message',
        idempotencyKey: `message:${cid}/${mid}`,
        occurredAt: message.createdAt.toISOString(),
        payload: {
          conversationId: cid,
          messageId: mid,
          senderId: message.senderId,
          senderName: name,
          recipientIds: pipeline,
          ...(title ? { conversationTitle: title } : {}),
          preview,
          messageType: message.type,
          encrypted: !!message.encrypted,
        },
      };
      await this.deps.publisher.publish(TOPICS.domainEvents, event, { type: event.type });
    }

    const ops: WriteOp[] = [];
    if (direct.length > 0) {
      const deliveryId = chatDeliveryId(cid, mid);
      const pushes = buildChatPushes(
        {
          cid,
          messageId: mid,
          senderId: message.senderId,
          senderName: name,
          conversationTitle: title,
          preview,
          deliveryId,
        },
        direct,
        this.deps.webAppUrl(),
      );
      // Throws only when nothing could be attempted (auth, network): the trigger retries, the marker still unpublished.
      const results = await this.deps.push.send(pushes);
      const ownerOf = new Map(direct.map((t) => [t.token, t.uid]));
      const dead = results.filter((r) => !r.ok && r.error.recipient === 'unreachable').map((r) => r.token);
      const sent = results.filter((r) => r.ok);
      const transient = results.find((r) => !r.ok && r.error.transient);
      // Nothing reached anyone and FCM says it may pass later: retry the trigger (a device that did get it sees the
      // retry replace it, by the collapse key). A partial failure is not retried: the unread count is the backstop.
      if (sent.length === 0 && transient && !transient.ok) throw transient.error;
      if (dead.length > 0) {
        const gone = new Set(dead);
        devices.forEach((snaps) => {
          for (const snap of snaps)
            if (gone.has(String(snap.data?.token))) ops.push({ kind: 'delete', path: snap.path });
        });
        log.info('dead push tokens removed', {
          tokens: dead.length,
          uids: [...new Set(dead.map((t) => ownerOf.get(t)))],
        });
      }
      const firstSent = sent[0];
      ops.push({
        kind: 'set',
        path: paths.delivery(deliveryId),
        data: deliveryRecord(
          {
            deliveryId,
            eventId: `message:${cid}/${mid}`,
            // The sender's action; the recipients are counted, not named (the marker names them for a week).
            uid: message.senderId,
            channel: 'push',
            type: CHAT_TYPE,
            category: 'messaging',
            priority: CATEGORY_PRIORITY.messaging,
            critical: false,
            notificationId: mid,
            groupKey: chatGroupKey(cid),
          },
          firstSent ? 'sent' : 'failed',
          now,
          {
            batch: true,
            conversationId: cid,
            messageId: mid,
            recipients: directUids.length,
            devices: direct.length,
            sentCount: sent.length,
            failedCount: results.length - sent.length,
            tokensPruned: ops.length,
            attempts: 1,
            ...(firstSent?.ok ? { providerMessageId: firstSent.messageId } : {}),
          },
        ),
      });
    }
    ops.push({
      kind: 'update',
      path: processedMarker(cid, mid),
      data: { published: true, pushedTo: directUids, pipelineRecipients: pipeline },
    });
    await this.deps.store.commit(ops);
    return { pushedTo: [...directUids, ...pipeline], pipeline };
  }

  private getAll(list: readonly string[]) {
    return list.length > 0 ? this.deps.store.getAll(list) : Promise.resolve([]);
  }
}

/** The stored preference patch (users/{uid}/settings/notifications), as the pipeline reads it; unreadable: defaults. */
function storedPreferences(snap: DocSnapshot): PreferencesPatch | undefined {
  if (!snap.data) return undefined;
  const { updatedAt: _updatedAt, ...rest } = snap.data;
  const parsed = preferencesPatchSchema.safeParse(rest);
  return parsed.success ? parsed.data : undefined;
}
