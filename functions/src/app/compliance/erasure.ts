import type { Clock, DocSnapshot, DocumentStore, Logger, MessageIndex, ObjectStorage, WriteOp } from '../../ports.js';
import { markAccountDeleted } from '../accounts.js';
import { fieldOps } from '../../ports.js';
import type { AuditLog } from '../audit.js';
import { paths } from '../../domain/paths.js';
import type { Identifiers } from '../../domain/compliance/personalData.js';
import { DELETED_USER_NAME, identifiersOf, PERSONAL_SUBCOLLECTIONS, scrubDocument, scrubText } from '../../domain/compliance/personalData.js';
import { MAX_TEXT_BYTES, searchRecordIdOfPath, truncateUtf8 } from '../../domain/search/record.js';
import type { MessageIndexer } from '../search/messageIndexer.js';
import { memberIdsOf } from '../search/messageIndexer.js';
import { pagesByTime } from './pages.js';
import { pendingPath as phoneVerificationPath } from '../delivery/phoneVerification.js';

export interface ErasureReport {
  uid: string;
  deletedDocuments: number;
  pseudonymisedMessages: number;
  conversationsLeft: number;
  scrubbedDocuments: number;
}

/** Firestore batches hold at most 500 writes. */
const BATCH = 450;

/**
 * GDPR erasure ("right to be forgotten") for one user, from deleteMyAccount or the Auth user-deleted trigger.
 * Personal data is deleted; messages they sent to others are kept for disputes and financial records but pseudonymised
 * (sender shown as "Deleted user", their email and phone cut from the text) and the search records follow.
 *
 * Idempotent: every step works from what is still there, and the profile, which holds the identifiers the scrubbing
 * needs, is deleted last; a run that stopped half-way is finished by the next one.
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
  ) {}

  async eraseUser(uid: string, actor: { uid: string; reason: 'self' | 'auth-deleted' | 'admin' }): Promise<ErasureReport> {
    const log = this.logger.child({ uid });
    // First: from here on every callable refuses this uid, so a still-valid ID token cannot re-create what is erased.
    await markAccountDeleted(this.store, uid, actor.uid, this.clock.now());
    const profile = await this.store.get(paths.user(uid));
    const ids = identifiersOf(profile.data);
    const report: ErasureReport = { uid, deletedDocuments: 0, pseudonymisedMessages: 0, conversationsLeft: 0, scrubbedDocuments: 0 };

    report.pseudonymisedMessages = await this.pseudonymiseMessages(uid, ids);
    const partners = await this.leaveConversations(uid, ids, report);
    report.scrubbedDocuments += await this.scrubPartnersNotifications(partners, ids);
    report.deletedDocuments += await this.deleteDeliveries(uid);
    // Past exports (their own GDPR export holds everything); the job documents name only the uid.
    report.deletedDocuments += await this.exportStorage.deletePrefix(`exports/${uid}/`);
    for (const sub of PERSONAL_SUBCOLLECTIONS) report.deletedDocuments += await this.deleteCollection(`users/${uid}/${sub}`);
    // A phone verification in progress names the number being verified.
    const pending = await this.store.get(phoneVerificationPath(uid));
    if (pending.exists) {
      await this.store.delete(pending.path);
      report.deletedDocuments += 1;
    }
    if (profile.exists) {
      await this.store.delete(paths.user(uid));
      report.deletedDocuments += 1;
    }
    // One entry however often erasure runs for this user; it names no personal data, only the (now dangling) uid.
    await this.audit.record(
      { actorUid: actor.uid, action: 'user.erase', target: { type: 'user', id: uid }, details: { reason: actor.reason } },
      `user.erase:${uid}`,
    );
    log.info('user erased', { ...report });
    return report;
  }

  /** The user's messages: kept, but no longer naming them; their search records follow. */
  private async pseudonymiseMessages(uid: string, ids: Identifiers): Promise<number> {
    let count = 0;
    for await (const page of pagesByTime(this.store, 'messages', { group: true, where: [['senderId', '==', uid]], pageSize: BATCH })) {
      const ops: WriteOp[] = [];
      const records: Array<{ objectID: string; senderName: string; text?: string }> = [];
      for (const doc of page) {
        const data = doc.data ?? {};
        const patch: Record<string, unknown> = { ...scrubDocument(data, ids), senderDeleted: true };
        if (typeof data.senderName === 'string') patch.senderName = DELETED_USER_NAME;
        ops.push({ kind: 'update', path: doc.path, data: patch });
        const text = typeof data.text === 'string' ? scrubText(data.text, ids) : undefined;
        records.push({ objectID: searchRecordIdOfPath(doc.path), senderName: DELETED_USER_NAME, ...(text !== undefined && text !== data.text ? { text: truncateUtf8(text, MAX_TEXT_BYTES) } : {}) });
      }
      await this.store.commit(ops);
      await this.index.partialUpdate(records);
      count += page.length;
    }
    return count;
  }

  /** Removes the user from their conversations (and from the records' visibleTo); returns the other members. */
  private async leaveConversations(uid: string, ids: Identifiers, report: ErasureReport): Promise<Set<string>> {
    const partners = new Set<string>();
    const conversations = await this.store.query(paths.conversations(), { where: [['memberIds', 'array-contains', uid]] });
    for (const conversation of conversations) {
      const before = memberIdsOf(conversation.data);
      const after = before.filter((id) => id !== uid);
      after.forEach((id) => partners.add(id));
      const scrubbed = scrubDocument(conversation.data ?? {}, ids) ?? {};
      delete scrubbed.memberIds;
      await this.store.commit([
        { kind: 'update', path: conversation.path, data: { ...scrubbed, memberIds: fieldOps.arrayRemove(uid) } },
        { kind: 'delete', path: paths.member(conversation.id, uid) },
      ]);
      await this.indexer.syncMembers(conversation.id, before, after);
      report.conversationsLeft += 1;
    }
    // Conversations already left (a previous, interrupted run): members of them may still carry the name.
    for (const member of await this.store.queryGroup('members', { where: [['uid', '==', uid]] })) {
      await this.store.delete(member.path);
      report.deletedDocuments += 1;
    }
    return partners;
  }

  /** Other people's notifications that mention the user ("Alice sent you a message") lose the name. */
  private async scrubPartnersNotifications(partners: Set<string>, ids: Identifiers): Promise<number> {
    let scrubbed = 0;
    for (const partner of partners) {
      for await (const page of pagesByTime(this.store, paths.notifications(partner), { pageSize: BATCH })) {
        const ops = page.flatMap((doc): WriteOp[] => {
          const patch = scrubDocument(doc.data ?? {}, ids);
          return patch ? [{ kind: 'update', path: doc.path, data: patch }] : [];
        });
        if (ops.length > 0) await this.store.commit(ops);
        scrubbed += ops.length;
      }
    }
    return scrubbed;
  }

  /** Delivery records carry the user's address and rendered content; the aggregated analytics do not and stay. */
  private async deleteDeliveries(uid: string): Promise<number> {
    let deleted = 0;
    for (;;) {
      const page = await this.store.query(paths.deliveries(), { where: [['uid', '==', uid]], limit: BATCH });
      if (page.length === 0) return deleted;
      await this.deleteAll(page);
      deleted += page.length;
    }
  }

  private async deleteCollection(collection: string): Promise<number> {
    const ids = await this.store.listIds(collection);
    for (let i = 0; i < ids.length; i += BATCH) {
      await this.store.commit(ids.slice(i, i + BATCH).map((id) => ({ kind: 'delete' as const, path: `${collection}/${id}` })));
    }
    return ids.length;
  }

  private async deleteAll(docs: readonly DocSnapshot[]) {
    await this.store.commit(docs.map((doc) => ({ kind: 'delete' as const, path: doc.path })));
  }
}
