import type {
  Clock,
  DocData,
  DocSnapshot,
  DocumentStore,
  Logger,
  MessageIndex,
  ObjectStorage,
  UserAccounts,
  WriteOp,
} from '../../ports.js';
import type { Caller } from '../../domain/caller.js';
import { markAccountDeleted } from '../accounts.js';
import { fieldOps } from '../../ports.js';
import type { AuditLog } from '../audit.js';
import { paths } from '../../domain/paths.js';
import type { Identifiers, OwnedQuery } from '../../domain/compliance/personalData.js';
import {
  DELETED_USER_NAME,
  EVENT_PARTICIPANT_FIELDS,
  identifiersOf,
  LISTED_IN,
  OWNED_DOCUMENTS,
  PERSONAL_DOCUMENTS,
  PERSONAL_SUBCOLLECTIONS,
  personalObjects,
  scrubDocument,
} from '../../domain/compliance/personalData.js';
import type { MessageIndexer } from '../search/messageIndexer.js';
import { memberIdsOf } from '../search/messageIndexer.js';
import { pagesByTime } from './pages.js';
import { forEachWithLimit } from '../concurrency.js';

export interface ErasureReport {
  uid: string;
  deletedDocuments: number;
  pseudonymisedMessages: number;
  conversationsLeft: number;
  scrubbedDocuments: number;
  deletedObjects: number;
}

/** Firestore batches hold at most 500 writes. */
const BATCH = 450;
/** Recipients whose copies are scrubbed at once (each is a few reads and a write). */
const CONCURRENCY = 16;

/**
 * GDPR erasure ("right to be forgotten") for one user, from deleteMyAccount or the Auth user-deleted trigger. Works
 * from the one list of where personal data lives (src/domain/compliance/personalData.ts):
 * - her own data (profile, subcollections, deliveries, digests, receipts, follows both ways, watchers, exports, media)
 *   is deleted;
 * - messages she sent are kept for disputes and financial records but pseudonymised ("Deleted user", email and phone
 *   cut), and every message of her conversations loses her identifiers; their search records are rebuilt;
 * - copies of her name elsewhere are scrubbed: events she took part in and everything rendered from them for others
 *   (receipts, in-app notifications, pending and released digests), other members' notifications, conversation
 *   titles and summaries, moderation items; exports others made that hold her data are deleted.
 *
 * Idempotent: every step works from what is still there, and the profile, which holds the identifiers the scrubbing
 * needs, is deleted last; a run that stopped half-way is finished by the next one, and a second full run changes
 * nothing.
 */
export class Erasure {
  constructor(
    private readonly store: DocumentStore,
    private readonly index: MessageIndex,
    private readonly exportStorage: ObjectStorage,
    private readonly indexer: MessageIndexer,
    private readonly audit: AuditLog,
    private readonly logger: Logger,
    private readonly clock: Clock,
    /** Firebase Auth: deleteMyAccount deletes the account once the data is erased. */
    private readonly accounts: Pick<UserAccounts, 'deleteUser'>,
    /** Where conversation media is uploaded (the default bucket); without it only exports are deleted. */
    private readonly mediaStorage?: ObjectStorage,
  ) {}

  /**
   * deleteMyAccount: the caller's personal data, then her Auth account. In that order, so a failure part-way leaves
   * an account that can still call again, and the retry finishes both (erasure resumes from what is left; deleting an
   * account that is already gone is not an error). Deleting the account fires the Auth user-deleted event, which runs
   * the same erasure once more (`onAuthUserDeleted`): it finds nothing left to do.
   */
  async eraseAccount(caller: Caller): Promise<ErasureReport> {
    const report = await this.eraseUser(caller.uid, { uid: caller.uid, reason: 'self' });
    await this.accounts.deleteUser(caller.uid);
    return report;
  }

  /**
   * An Auth account was deleted (the console, the Admin SDK, or deleteMyAccount above): erase its data. The Auth
   * record may name her where the profile did not (an unverified phone, a provider's display name), so those are
   * scrubbed too.
   */
  async onAuthUserDeleted(user: {
    uid: string;
    displayName?: string | undefined;
    email?: string | undefined;
    phoneNumber?: string | undefined;
  }): Promise<ErasureReport> {
    const known = identifiersOf({ displayName: user.displayName, email: user.email, phone: user.phoneNumber });
    return this.eraseUser(user.uid, { uid: 'system:auth', reason: 'auth-deleted' }, known);
  }

  /**
   * `known`: identifiers known from outside the profile (the Auth record the user-deleted trigger receives), so a
   * name, email or phone that never reached the profile is scrubbed too.
   */
  async eraseUser(
    uid: string,
    actor: { uid: string; reason: 'self' | 'auth-deleted' | 'admin' },
    known: Identifiers = {},
  ): Promise<ErasureReport> {
    const log = this.logger.child({ uid });
    // First: from here on every callable refuses this uid, so a still-valid ID token cannot re-create what is erased.
    await markAccountDeleted(this.store, uid, actor.uid, this.clock.now());
    const profile = await this.store.get(paths.user(uid));
    const ids: Identifiers = { ...identifiersOf(profile.data), also: [known] };
    const report: ErasureReport = {
      uid,
      deletedDocuments: 0,
      pseudonymisedMessages: 0,
      conversationsLeft: 0,
      scrubbedDocuments: 0,
      deletedObjects: 0,
    };
    /** Other users whose copies (notifications, digests, exports) may name her. */
    const affected = new Set<string>();

    const conversations = await this.conversationsOf(uid);
    for (const cid of conversations) await this.eraseFromConversation(cid, uid, ids, report, affected);
    await this.scrubEvents(uid, conversations, ids, report, affected);
    affected.delete(uid);
    await this.scrubAffectedUsers([...affected].sort(), uid, ids, report);
    await this.scrubModeration(uid, ids, report);
    await this.eraseExportsAbout(uid, report);
    for (const list of LISTED_IN) {
      for (const doc of await this.store.query(list.collection, { where: [[list.field, 'array-contains', uid]] })) {
        await this.store.update(doc.path, { [list.field]: fieldOps.arrayRemove(uid) });
        report.scrubbedDocuments += 1;
      }
    }
    for (const owned of OWNED_DOCUMENTS) report.deletedDocuments += await this.deleteOwned(owned, uid, report);
    report.deletedObjects += await this.exportStorage.deletePrefix(personalObjects.exports(uid));
    for (const sub of PERSONAL_SUBCOLLECTIONS)
      report.deletedDocuments += await this.deleteCollection(`users/${uid}/${sub}`);
    for (const path of PERSONAL_DOCUMENTS(uid)) {
      if ((await this.store.get(path)).exists) {
        await this.store.delete(path);
        report.deletedDocuments += 1;
      }
    }
    if (profile.exists) {
      await this.store.delete(paths.user(uid));
      report.deletedDocuments += 1;
    }
    // One entry however often erasure runs for this user; it names no personal data, only the (now dangling) uid.
    await this.audit.record(
      {
        actorUid: actor.uid,
        action: 'user.erase',
        target: { type: 'user', id: uid },
        details: { reason: actor.reason },
      },
      `user.erase:${uid}`,
    );
    log.info('user erased', { ...report });
    return report;
  }

  /** Conversations she is or was in: as a member, with a member document left behind, or where she sent messages. */
  private async conversationsOf(uid: string): Promise<string[]> {
    const cids = new Set<string>();
    for (const c of await this.store.query(paths.conversations(), { where: [['memberIds', 'array-contains', uid]] }))
      cids.add(c.id);
    for (const m of await this.store.queryGroup('members', { where: [['uid', '==', uid]] }))
      cids.add(m.path.split('/')[1]!);
    for await (const page of pagesByTime(this.store, 'messages', {
      group: true,
      where: [['senderId', '==', uid]],
      pageSize: BATCH,
    })) {
      for (const doc of page) cids.add(doc.path.split('/')[1]!);
    }
    return [...cids].sort();
  }

  /**
   * One conversation, in an order a re-run can resume: messages scrubbed, her media and the conversation's exports
   * deleted, the conversation left, its search records rebuilt from what is now stored, and her member document (how
   * a re-run finds a conversation she already left) deleted last.
   */
  private async eraseFromConversation(
    cid: string,
    uid: string,
    ids: Identifiers,
    report: ErasureReport,
    affected: Set<string>,
  ) {
    for await (const page of pagesByTime(this.store, paths.messages(cid), { pageSize: BATCH })) {
      const ops: WriteOp[] = [];
      for (const doc of page) {
        const data = doc.data ?? {};
        const patch: DocData = { ...scrubDocument(data, ids) };
        if (data.senderId === uid) {
          report.pseudonymisedMessages += 1;
          if (data.senderDeleted !== true) patch.senderDeleted = true;
          if (typeof data.senderName === 'string' && data.senderName !== DELETED_USER_NAME)
            patch.senderName = DELETED_USER_NAME;
          // Her media is deleted below: the attachments keep kind, type, size and (scrubbed) name, marked erased.
          const attachments = (patch.attachments ?? data.attachments) as unknown;
          if (Array.isArray(attachments) && attachments.some((a) => isObject(a) && 'path' in a)) {
            patch.attachments = attachments.map((a) =>
              isObject(a) && 'path' in a ? { ...withoutKey(a, 'path'), erased: true } : a,
            );
          }
        }
        if (Object.keys(patch).length > 0) ops.push({ kind: 'update', path: doc.path, data: patch });
      }
      if (ops.length > 0) await this.store.commit(ops);
    }
    if (this.mediaStorage)
      report.deletedObjects += await this.mediaStorage.deletePrefix(personalObjects.media(cid, uid));
    report.deletedObjects += await this.eraseExports(
      await this.store.query(paths.exports(), { where: [['target.id', '==', cid]] }),
      report,
    );

    const conversation = await this.store.get(paths.conversation(cid));
    if (conversation.exists) {
      const members = memberIdsOf(conversation.data);
      members.filter((id) => id !== uid).forEach((id) => affected.add(id));
      const patch: DocData = { ...scrubDocument(conversation.data ?? {}, ids) };
      delete patch.memberIds;
      if (members.includes(uid)) {
        patch.memberIds = fieldOps.arrayRemove(uid);
        report.conversationsLeft += 1;
      }
      if (Object.keys(patch).length > 0) await this.store.update(conversation.path, patch);
    }
    // Text, sender name, attachment names and visibleTo, all from the documents as they now are.
    await this.indexer.reindexConversation(cid);
    // Her membership and her read position go; both are keyed by her uid and say nothing once she has left.
    for (const snap of await this.store.getAll([paths.member(cid, uid), paths.readPosition(cid, uid)])) {
      if (!snap?.exists) continue;
      await this.store.delete(snap.path);
      report.deletedDocuments += 1;
    }
  }

  /**
   * Events she took part in (as bidder, follower, sender, …) and events of her conversations name her in their
   * payload; so does everything rendered from them for their recipients. The event and each recipient's receipt and
   * in-app notification are scrubbed here; the recipients' digests in scrubAffectedUsers.
   */
  private async scrubEvents(
    uid: string,
    conversations: readonly string[],
    ids: Identifiers,
    report: ErasureReport,
    affected: Set<string>,
  ) {
    const events = new Map<string, DocSnapshot>();
    for (const field of EVENT_PARTICIPANT_FIELDS) {
      for (const e of await this.store.query(paths.events(), { where: [[`payload.${field}`, '==', uid]] }))
        events.set(e.path, e);
    }
    for (const cid of conversations) {
      for (const e of await this.store.query(paths.events(), { where: [['payload.conversationId', '==', cid]] }))
        events.set(e.path, e);
    }
    for (const event of events.values()) {
      report.scrubbedDocuments += await this.scrubDocs([event], ids);
      const receiptIds = await this.store.listIds(`${event.path}/recipients`);
      for (let i = 0; i < receiptIds.length; i += BATCH) {
        const receipts = (
          await this.store.getAll(receiptIds.slice(i, i + BATCH).map((id) => `${event.path}/recipients/${id}`))
        ).filter((r) => r.exists && r.id !== uid);
        report.scrubbedDocuments += await this.scrubDocs(receipts, ids);
        const notifications = receipts.flatMap((r) =>
          typeof r.data?.notificationId === 'string' ? [paths.notification(r.id, r.data.notificationId)] : [],
        );
        report.scrubbedDocuments += await this.scrubDocs(
          (await this.store.getAll(notifications)).filter((n) => n.exists),
          ids,
        );
        receipts.forEach((r) => affected.add(r.id));
      }
    }
  }

  /**
   * Other users who shared a conversation with her or were told about something she did: their notifications and
   * digests (pending ones would otherwise be rendered with her name when released) lose her identifiers, and their
   * notification and GDPR exports, which would hold those copies, are deleted.
   */
  private async scrubAffectedUsers(users: readonly string[], uid: string, ids: Identifiers, report: ErasureReport) {
    await forEachWithLimit(users, CONCURRENCY, async (other) => {
      for await (const page of pagesByTime(this.store, paths.notifications(other), { pageSize: BATCH }))
        report.scrubbedDocuments += await this.scrubDocs(page, ids);
      report.scrubbedDocuments += await this.scrubDocs(
        await this.store.query('digests', { where: [['uid', '==', other]] }),
        ids,
      );
      const exports = await this.store.query(paths.exports(), { where: [['target.id', '==', other]] });
      report.deletedObjects += await this.eraseExports(
        exports.filter((e) => e.data?.kind !== 'conversation' && e.data?.ownerUid !== uid),
        report,
      );
    });
  }

  /** Moderation items of her messages keep the message's ids but lose her identifiers; her reports lose her uid and notes. */
  private async scrubModeration(uid: string, ids: Identifiers, report: ErasureReport) {
    report.scrubbedDocuments += await this.scrubDocs(
      await this.store.query(paths.moderationQueue(), { where: [['senderId', '==', uid]] }),
      ids,
    );
    for (const item of await this.store.query(paths.moderationQueue(), {
      where: [['reporterIds', 'array-contains', uid]],
    })) {
      const data = item.data ?? {};
      const notes = Array.isArray(data.notes)
        ? data.notes.filter((n) => (n as { by?: unknown } | null)?.by !== uid)
        : undefined;
      await this.store.update(item.path, {
        ...scrubDocument(data, ids),
        reporterIds: fieldOps.arrayRemove(uid),
        ...(notes ? { notes } : {}),
      });
      report.scrubbedDocuments += 1;
    }
  }

  /** Exports staff made of her data (target: her uid) are deleted; her own go with OWNED_DOCUMENTS. */
  private async eraseExportsAbout(uid: string, report: ErasureReport) {
    const about = await this.store.query(paths.exports(), { where: [['target.id', '==', uid]] });
    report.deletedObjects += await this.eraseExports(
      about.filter((e) => e.data?.ownerUid !== uid),
      report,
    );
  }

  /** Deletes the objects of these export jobs; each job stays, marked erased, without its path or download URL. */
  private async eraseExports(jobs: readonly DocSnapshot[], report: ErasureReport): Promise<number> {
    let deleted = 0;
    for (const job of jobs) {
      if (job.data?.status === 'erased') continue;
      if (typeof job.data?.path === 'string') deleted += await this.exportStorage.deletePrefix(job.data.path);
      await this.store.update(job.path, {
        status: 'erased',
        erasedAt: this.clock.now(),
        path: fieldOps.delete(),
        url: fieldOps.delete(),
      });
      report.scrubbedDocuments += 1;
    }
    return deleted;
  }

  private async deleteOwned(owned: OwnedQuery, uid: string, report: ErasureReport): Promise<number> {
    let deleted = 0;
    for (;;) {
      const spec = { where: [[owned.field, '==', uid] as const], limit: BATCH };
      const page = owned.group
        ? await this.store.queryGroup(owned.collection, spec)
        : await this.store.query(owned.collection, spec);
      if (page.length === 0) return deleted;
      if (owned.collection === paths.exports()) {
        for (const job of page)
          if (typeof job.data?.path === 'string')
            report.deletedObjects += await this.exportStorage.deletePrefix(job.data.path);
      }
      await this.store.commit(page.map((doc) => ({ kind: 'delete' as const, path: doc.path })));
      deleted += page.length;
    }
  }

  /** Writes the scrubbed fields of the documents that mention her; returns how many changed. */
  private async scrubDocs(docs: readonly DocSnapshot[], ids: Identifiers): Promise<number> {
    const ops = docs.flatMap((doc): WriteOp[] => {
      const patch = scrubDocument(doc.data ?? {}, ids);
      return patch ? [{ kind: 'update', path: doc.path, data: patch }] : [];
    });
    for (let i = 0; i < ops.length; i += BATCH) await this.store.commit(ops.slice(i, i + BATCH));
    return ops.length;
  }

  private async deleteCollection(collection: string): Promise<number> {
    const ids = await this.store.listIds(collection);
    for (let i = 0; i < ids.length; i += BATCH) {
      await this.store.commit(
        ids.slice(i, i + BATCH).map((id) => ({ kind: 'delete' as const, path: `${collection}/${id}` })),
      );
    }
    return ids.length;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function withoutKey(value: Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _removed, ...rest } = value;
  return rest;
}
