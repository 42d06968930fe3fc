import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { Clock, DocData, DocumentStore, Transaction } from '../../ports.js';
import { fieldOps } from '../../ports.js';
import type { AuditLog } from '../audit.js';
import type { Caller } from '../../domain/caller.js';
import { failedPrecondition, invalidArgument, notFound, permissionDenied } from '../../domain/errors.js';
import { paths } from '../../domain/paths.js';
import { hashedId } from '../../domain/ids.js';
import type { Conversation, Member, MemberRole } from '../../domain/messaging/conversation.js';
import {
  GROUP_LIMITS,
  directConversationId,
  newMember,
  nextOwner,
  publicProfileOf,
} from '../../domain/messaging/conversation.js';
import type { Action } from '../../domain/messaging/permissions.js';
import { decide } from '../../domain/messaging/permissions.js';
import type {
  addMembersInput,
  blockInput,
  conversationInput,
  createGroupInput,
  directInput,
  memberInput,
  pinInput,
  setRoleInput,
  updateGroupInput,
} from './inputs.js';
import { memberDoc, toConversation, toMember } from './records.js';
import type { ConversationAct } from './guard.js';
import { guardConversation, guardReach, refuseSelf } from './guard.js';
import { severFollows } from '../social/blockFollows.js';

export interface MessagingDeps {
  store: DocumentStore;
  clock: Clock;
  audit: AuditLog;
}

/** PERMISSION_DENIED with the matrix's reason unless the role allows the action. */
export function authorize(
  action: Action,
  conversation: Conversation,
  member: Member | undefined,
  targetRole?: MemberRole,
): void {
  const decision = decide(action, {
    type: conversation.type,
    role: member?.role,
    announcementOnly: conversation.settings.announcementOnly,
    ...(targetRole ? { targetRole } : {}),
  });
  if (!decision.allowed) throw permissionDenied(decision.reason);
}

export { blockedBetween } from './guard.js';

/**
 * Conversations and groups: creation, membership, roles, settings, pins, blocks, read receipts. Every group change
 * is one transaction that also writes a system message and an audit entry, so the three never disagree.
 */
export class Conversations {
  constructor(private readonly deps: MessagingDeps) {}

  private get store() {
    return this.deps.store;
  }

  async createDirect(caller: Caller, input: z.output<typeof directInput>) {
    const other = input.otherUid;
    refuseSelf(caller, [other], () => 'data.otherUid', 'you cannot start a conversation with yourself');
    const cid = directConversationId(caller.uid, other);
    const now = this.deps.clock.now();
    return this.store.transaction(async (tx) => {
      // One message for both directions of a block: the blocked user does not learn who blocked whom.
      const [otherUser] = await guardReach(
        tx,
        caller,
        [other],
        () => 'data.otherUid',
        'you cannot start a conversation with this user',
      );
      const [conversation, me] = await tx.getAll([paths.conversation(cid), paths.user(caller.uid)]);
      if (conversation?.exists) {
        const existing = toConversation(conversation.data ?? {});
        if ([...existing.memberIds].sort().join('\n') !== [caller.uid, other].sort().join('\n')) {
          throw failedPrecondition('a conversation with this id exists for another pair of users');
        }
        return { conversationId: cid, created: false };
      }
      const doc: DocData = {
        type: 'direct',
        title: null,
        photo: null,
        memberIds: [caller.uid, other].sort(),
        lastMessage: null,
        lastMessageAt: null,
        lastMessageSeq: 0,
        settings: { announcementOnly: false, e2ee: input.e2ee ?? false },
        pinnedMessageIds: [],
        createdAt: now,
        createdBy: caller.uid,
      };
      tx.create(paths.conversation(cid), doc);
      tx.create(
        paths.member(cid, caller.uid),
        memberDoc(newMember(caller.uid, 'member', now, publicProfileOf(me?.data), 0)),
      );
      tx.create(
        paths.member(cid, other),
        memberDoc(newMember(other, 'member', now, publicProfileOf(otherUser?.data), 0)),
      );
      this.deps.audit.recordIn(tx, {
        actorUid: caller.uid,
        action: 'conversation.direct_created',
        target: { type: 'conversation', id: cid },
        details: { memberIds: [caller.uid, other] },
      });
      return { conversationId: cid, created: true };
    });
  }

  async createGroup(caller: Caller, input: z.output<typeof createGroupInput>) {
    const memberField = (i: number) => `data.memberIds[${i}]`;
    refuseSelf(caller, input.memberIds, memberField, 'list the other members; you join as the owner');
    if (input.memberIds.length + 1 > GROUP_LIMITS.maxMembers) {
      throw invalidArgument(`data.memberIds: a group has at most ${GROUP_LIMITS.maxMembers} members`, {
        fields: ['data.memberIds'],
      });
    }
    const cid = input.requestId
      ? hashedId(`${caller.uid}\n${input.requestId}`, { length: 24, prefix: 'grp_' })
      : `grp_${randomUUID().replaceAll('-', '').slice(0, 24)}`;
    const now = this.deps.clock.now();
    return this.store.transaction(async (tx) => {
      // Banned callers, blocked or inactive users: refused before anything, a retried request included.
      const users = await guardReach(tx, caller, input.memberIds, memberField);
      const [existing, owner] = await tx.getAll([paths.conversation(cid), paths.user(caller.uid)]);
      if (existing?.exists) return { conversationId: cid, created: false };
      const memberIds = [caller.uid, ...input.memberIds];
      tx.create(paths.conversation(cid), {
        type: 'group',
        title: input.title,
        photo: input.photo ?? null,
        memberIds,
        lastMessage: null,
        lastMessageAt: null,
        lastMessageSeq: 0,
        settings: { announcementOnly: input.settings?.announcementOnly ?? false, e2ee: input.settings?.e2ee ?? false },
        pinnedMessageIds: [],
        createdAt: now,
        createdBy: caller.uid,
      });
      tx.create(
        paths.member(cid, caller.uid),
        memberDoc(newMember(caller.uid, 'owner', now, publicProfileOf(owner?.data), 0)),
      );
      input.memberIds.forEach((uid, i) =>
        tx.create(paths.member(cid, uid), memberDoc(newMember(uid, 'member', now, publicProfileOf(users[i]?.data), 0))),
      );
      this.recordGroupChange(
        tx,
        cid,
        caller,
        {
          action: 'group.created',
          text: `created the group “${input.title}”`,
          targetUids: input.memberIds,
          details: { memberIds },
        },
        now,
      );
      return { conversationId: cid, created: true };
    });
  }

  async updateGroup(caller: Caller, input: z.output<typeof updateGroupInput>) {
    const cid = input.conversationId;
    return this.store.transaction(async (tx) => {
      const { conversation, me } = await this.loadGroup(tx, caller, cid, 'manage');
      const changes: DocData = {};
      if (input.title !== undefined || input.photo !== undefined) authorize('rename', conversation, me);
      if (input.title !== undefined) changes.title = input.title;
      if (input.photo !== undefined) changes.photo = input.photo;
      if (input.settings) {
        authorize('changeSettings', conversation, me);
        if (conversation.settings.e2ee && input.settings.e2ee === false) {
          throw failedPrecondition('end-to-end encryption cannot be switched off once on');
        }
        if (input.settings.announcementOnly !== undefined)
          changes['settings.announcementOnly'] = input.settings.announcementOnly;
        if (input.settings.e2ee !== undefined) changes['settings.e2ee'] = input.settings.e2ee;
      }
      const now = this.deps.clock.now();
      tx.update(paths.conversation(cid), changes);
      const what = Object.keys(changes)
        .map((k) => k.replace('settings.', ''))
        .join(', ');
      this.recordGroupChange(
        tx,
        cid,
        caller,
        { action: 'group.updated', text: `changed the group's ${what}`, targetUids: [], details: { changes } },
        now,
      );
      return { conversationId: cid };
    });
  }

  async addMembers(caller: Caller, input: z.output<typeof addMembersInput>) {
    const cid = input.conversationId;
    const memberField = (i: number) => `data.memberIds[${i}]`;
    return this.store.transaction(async (tx) => {
      const { conversation, me } = await this.loadGroup(tx, caller, cid, 'manage');
      authorize('addMembers', conversation, me);
      const already = input.memberIds.findIndex((uid) => conversation.memberIds.includes(uid));
      if (already >= 0)
        throw invalidArgument(`${memberField(already)}: already a member`, { fields: [memberField(already)] });
      if (conversation.memberIds.length + input.memberIds.length > GROUP_LIMITS.maxMembers) {
        throw failedPrecondition(
          `a group has at most ${GROUP_LIMITS.maxMembers} members; it has ${conversation.memberIds.length}`,
        );
      }
      const users = await guardReach(tx, caller, input.memberIds, memberField);
      const now = this.deps.clock.now();
      tx.update(paths.conversation(cid), { memberIds: fieldOps.arrayUnion(...input.memberIds) });
      input.memberIds.forEach((uid, i) =>
        tx.set(
          paths.member(cid, uid),
          // From the conversation's current position: what was numbered before the join is not theirs to read.
          memberDoc(newMember(uid, 'member', now, publicProfileOf(users[i]?.data), conversation.lastMessageSeq ?? 0)),
        ),
      );
      this.recordGroupChange(
        tx,
        cid,
        caller,
        {
          action: 'group.members_added',
          text: `added ${input.memberIds.length} member(s)`,
          targetUids: input.memberIds,
          details: { memberIds: input.memberIds },
        },
        now,
      );
      return { conversationId: cid, memberCount: conversation.memberIds.length + input.memberIds.length };
    });
  }

  async removeMember(caller: Caller, input: z.output<typeof memberInput>) {
    const cid = input.conversationId;
    if (input.uid === caller.uid)
      throw invalidArgument('data.uid: to remove yourself, leave the group', { fields: ['data.uid'] });
    return this.store.transaction(async (tx) => {
      const { conversation, me } = await this.loadGroup(tx, caller, cid, 'manage');
      authorize('removeMember', conversation, me, (await this.loadTarget(tx, cid, input.uid)).role);
      const now = this.deps.clock.now();
      this.dropMember(tx, cid, input.uid);
      this.recordGroupChange(
        tx,
        cid,
        caller,
        {
          action: 'group.member_removed',
          text: 'removed a member',
          targetUids: [input.uid],
          details: { uid: input.uid },
        },
        now,
      );
      return { conversationId: cid };
    });
  }

  async setRole(caller: Caller, input: z.output<typeof setRoleInput>) {
    const cid = input.conversationId;
    return this.store.transaction(async (tx) => {
      const { conversation, me } = await this.loadGroup(tx, caller, cid, 'manage');
      authorize('changeRole', conversation, me, (await this.loadTarget(tx, cid, input.uid)).role);
      const now = this.deps.clock.now();
      tx.update(paths.member(cid, input.uid), { role: input.role });
      this.recordGroupChange(
        tx,
        cid,
        caller,
        {
          action: 'group.role_changed',
          text: `made a member ${input.role === 'admin' ? 'an admin' : 'a member'}`,
          targetUids: [input.uid],
          details: { uid: input.uid, role: input.role },
        },
        now,
      );
      return { conversationId: cid, uid: input.uid, role: input.role };
    });
  }

  async transferOwnership(caller: Caller, input: z.output<typeof memberInput>) {
    const cid = input.conversationId;
    if (input.uid === caller.uid)
      throw invalidArgument('data.uid: you already own this group', { fields: ['data.uid'] });
    return this.store.transaction(async (tx) => {
      const { conversation, me } = await this.loadGroup(tx, caller, cid, 'manage');
      authorize('transferOwnership', conversation, me);
      await this.loadTarget(tx, cid, input.uid);
      const now = this.deps.clock.now();
      tx.update(paths.member(cid, input.uid), { role: 'owner' });
      tx.update(paths.member(cid, caller.uid), { role: 'admin' });
      this.recordGroupChange(
        tx,
        cid,
        caller,
        {
          action: 'group.ownership_transferred',
          text: 'handed ownership on',
          targetUids: [input.uid],
          details: { from: caller.uid, to: input.uid },
        },
        now,
      );
      return { conversationId: cid, ownerId: input.uid };
    });
  }

  /** Leaving as the owner hands ownership to the longest-standing admin, else the longest-standing member. */
  async leaveGroup(caller: Caller, input: z.output<typeof conversationInput>) {
    const cid = input.conversationId;
    return this.store.transaction(async (tx) => {
      const { me } = await this.loadGroup(tx, caller, cid, 'leave');
      const members = (await tx.query(`${paths.conversation(cid)}/members`)).map(toMember);
      const now = this.deps.clock.now();
      let newOwner: string | undefined;
      if (me.role === 'owner') {
        newOwner = nextOwner(members, caller.uid)?.uid;
        if (newOwner) tx.update(paths.member(cid, newOwner), { role: 'owner' });
      }
      this.dropMember(tx, cid, caller.uid);
      this.recordGroupChange(
        tx,
        cid,
        caller,
        {
          action: 'group.member_left',
          text: newOwner ? 'left the group and handed ownership on' : 'left the group',
          targetUids: newOwner ? [newOwner] : [],
          details: { newOwner: newOwner ?? null },
        },
        now,
      );
      return { conversationId: cid, newOwner: newOwner ?? null };
    });
  }

  async pin(caller: Caller, input: z.output<typeof pinInput>) {
    const cid = input.conversationId;
    return this.store.transaction(async (tx) => {
      const { conversation, me } = await guardConversation(tx, caller, cid, 'manage');
      authorize('pin', conversation, me);
      const message = await tx.get(paths.message(cid, input.messageId));
      if (!message.exists || message.data?.deleted) throw notFound(`message ${input.messageId} does not exist`);
      if (
        input.pinned &&
        !conversation.pinnedMessageIds.includes(input.messageId) &&
        conversation.pinnedMessageIds.length >= GROUP_LIMITS.pinnedMax
      ) {
        throw failedPrecondition(`at most ${GROUP_LIMITS.pinnedMax} messages can be pinned`);
      }
      tx.update(paths.conversation(cid), {
        pinnedMessageIds: input.pinned ? fieldOps.arrayUnion(input.messageId) : fieldOps.arrayRemove(input.messageId),
      });
      this.deps.audit.recordIn(tx, {
        actorUid: caller.uid,
        action: input.pinned ? 'message.pinned' : 'message.unpinned',
        target: { type: 'message', id: `${cid}/${input.messageId}` },
      });
      return { conversationId: cid, messageId: input.messageId, pinned: input.pinned };
    });
  }

  async block(caller: Caller, input: z.output<typeof blockInput>) {
    if (input.uid === caller.uid)
      throw invalidArgument('data.uid: you cannot block yourself', { fields: ['data.uid'] });
    const created = await this.store.create(paths.block(caller.uid, input.uid), { createdAt: this.deps.clock.now() });
    if (created)
      await this.deps.audit.record({
        actorUid: caller.uid,
        action: 'user.blocked',
        target: { type: 'user', id: input.uid },
      });
    // Following ends both ways (issue 18). Also when the block existed already: a call retried after a failure here
    // finishes the job, and a second run finds nothing to remove.
    await severFollows(this.store, this.deps.clock, caller.uid, input.uid);
    return { blocked: true };
  }

  async unblock(caller: Caller, input: z.output<typeof blockInput>) {
    const existing = await this.store.get(paths.block(caller.uid, input.uid));
    if (existing.exists) {
      await this.store.delete(paths.block(caller.uid, input.uid));
      await this.deps.audit.record({
        actorUid: caller.uid,
        action: 'user.unblocked',
        target: { type: 'user', id: input.uid },
      });
    }
    return { blocked: false };
  }

  /**
   * Read receipt, on the caller's own documents only: moves the read position to now (README "Messaging data model":
   * `reads/{uid}` and the member document together, as the client's own batch does) and `lastReadSeq` to the
   * conversation's `lastMessageSeq`, and resets the legacy count. The conversation is read in the transaction, so
   * every number it covers belongs to a message written before the read (its trigger committed first), and a trigger
   * committing later sees the new `lastReadAt` (domain advancePositions). Neither position ever moves back: a read
   * that commits after a newer one (this call was slow, or the client's batch got in first) is covered by it.
   */
  async markRead(caller: Caller, input: z.output<typeof conversationInput>) {
    const cid = input.conversationId;
    await guardConversation(this.store, caller, cid, 'read');
    const read = await this.store.transaction(async (tx) => {
      const [position, me, conversation] = await tx.getAll([
        paths.readPosition(cid, caller.uid),
        paths.member(cid, caller.uid),
        paths.conversation(cid),
      ]);
      // Left (or removed) since the guard: a read by a non-member is refused like any other.
      if (!me?.exists) throw permissionDenied('you are not a member of this conversation');
      const now = this.deps.clock.now();
      const member = toMember(me);
      const lastReadSeq = Math.max(
        member.lastReadSeq ?? 0,
        toConversation(conversation?.data ?? {}).lastMessageSeq ?? 0,
      );
      const stored = position?.data?.lastReadAt;
      const lastReadAt = stored instanceof Date && stored.getTime() >= now.getTime() ? stored : now;
      if (lastReadAt === now) tx.set(paths.readPosition(cid, caller.uid), { lastReadAt: now });
      if (lastReadAt === now || lastReadSeq !== member.lastReadSeq)
        tx.update(paths.member(cid, caller.uid), {
          ...(lastReadAt === now ? { lastReadAt: now } : {}),
          lastReadSeq,
          unreadCount: 0,
        });
      return { lastReadAt, lastReadSeq };
    });
    return { conversationId: cid, lastReadAt: read.lastReadAt.toISOString(), lastReadSeq: read.lastReadSeq };
  }

  // ── shared steps ──

  /** The shared guard (membership, bans, blocks), then: this conversation is a group. */
  private async loadGroup(tx: Transaction, caller: Caller, cid: string, act: ConversationAct) {
    const { conversation, me } = await guardConversation(tx, caller, cid, act);
    if (conversation.type !== 'group') throw failedPrecondition('this is a direct conversation, not a group');
    return { conversation, me };
  }

  /** The member a change is about, or NOT_FOUND. */
  private async loadTarget(tx: Transaction, cid: string, uid: string): Promise<Member> {
    const target = await tx.get(paths.member(cid, uid));
    if (!target.exists) throw notFound('data.uid: not a member of this group');
    return toMember(target);
  }

  private dropMember(tx: Transaction, cid: string, uid: string): void {
    tx.delete(paths.member(cid, uid));
    // The read position goes with the membership: a later rejoin starts from its join time.
    tx.delete(paths.readPosition(cid, uid));
    tx.delete(paths.typing(cid, uid));
    tx.update(paths.conversation(cid), { memberIds: fieldOps.arrayRemove(uid) });
  }

  /**
   * The two traces of a group change, written in the change's own transaction so they never disagree with it: a
   * system message members see in the conversation, and the audit entry. One action names both.
   */
  private recordGroupChange(
    tx: Transaction,
    cid: string,
    caller: Caller,
    change: { action: string; text: string; targetUids: string[]; details: DocData },
    now: Date,
  ): void {
    const { action, text, targetUids, details } = change;
    const clientMessageId = `sys-${now.getTime()}-${randomUUID().slice(0, 8)}`;
    tx.create(paths.message(cid, clientMessageId), {
      senderId: caller.uid,
      type: 'system',
      text,
      system: { action, actorUid: caller.uid, targetUids },
      clientMessageId,
      createdAt: now,
    });
    this.deps.audit.recordIn(tx, { actorUid: caller.uid, action, target: { type: 'conversation', id: cid }, details });
  }
}
