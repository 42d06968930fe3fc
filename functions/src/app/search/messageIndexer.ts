import type { DocData, DocumentStore, Logger, MessageIndex, MessageRecord } from '../../ports.js';
import { paths } from '../../domain/paths.js';
import {
  indexableMessageSchema,
  MESSAGE_INDEX_SETTINGS,
  searchRecordId,
  shouldIndex,
  toMessageRecord,
} from '../../domain/search/record.js';
import type { TimePageOptions } from '../compliance/pages.js';
import { pagesByTime } from '../compliance/pages.js';

/** Algolia accepts up to 1,000 operations per batch; smaller batches keep each request well under its size limit. */
export const INDEX_BATCH = 500;

export const UNKNOWN_SENDER = 'Unknown';

/**
 * Keeps the message index in step with Firestore. Every entry point re-reads the current documents instead of trusting
 * the event payload, so a retried or reordered trigger converges on the latest state (idempotent by construction).
 */
export class MessageIndexer {
  constructor(
    private readonly store: DocumentStore,
    private readonly index: MessageIndex,
    private readonly logger: Logger,
  ) {}

  /** A message was created, edited, tombstoned or deleted: index it, or remove it when it must not be searchable. */
  async syncMessage(conversationId: string, messageId: string): Promise<'indexed' | 'removed'> {
    const log = this.logger.child({ conversationId, messageId });
    const [messageSnap, conversationSnap] = await this.store.getAll([
      paths.message(conversationId, messageId),
      paths.conversation(conversationId),
    ]);
    const parsed = indexableMessageSchema.safeParse(messageSnap?.data);
    if (!messageSnap?.exists || !parsed.success || !shouldIndex(parsed.data) || !conversationSnap?.exists) {
      if (messageSnap?.exists && !parsed.success)
        log.warn('message not indexable', { issues: parsed.error.issues.map((i) => i.path.join('.')) });
      await this.index.deleteRecords([searchRecordId(conversationId, messageId)]);
      return 'removed';
    }
    const record = toMessageRecord({
      conversationId,
      messageId,
      message: parsed.data,
      senderName: await new SenderNames(this.store).get(parsed.data.senderId),
      memberIds: memberIdsOf(conversationSnap.data),
    });
    await this.index.saveRecords([record]);
    return 'indexed';
  }

  /** A conversation document changed (the trigger's two versions): its members' `visibleTo` follows, if they changed. */
  async onConversationUpdated(
    conversationId: string,
    before: DocData | undefined,
    after: DocData | undefined,
  ): Promise<number> {
    return this.syncMembers(conversationId, memberIdsOf(before), memberIdsOf(after));
  }

  /**
   * Membership changed: every indexed message of the conversation gets the new `visibleTo`, in batches. Records are
   * addressed by conversation-scoped ids, so this never touches another conversation's records.
   */
  async syncMembers(conversationId: string, before: readonly string[], after: readonly string[]): Promise<number> {
    const next = [...new Set(after)].sort();
    if (sameMembers(before, next)) return 0;
    let updated = 0;
    for await (const page of pagesByTime(this.store, paths.messages(conversationId), { pageSize: INDEX_BATCH })) {
      await this.index.partialUpdate(
        page.map((doc) => ({ objectID: searchRecordId(conversationId, doc.id), visibleTo: next })),
      );
      updated += page.length;
    }
    this.logger.info('search visibility updated', { conversationId, messages: updated, members: next.length });
    return updated;
  }

  /** Records for one conversation's messages, page by page (for the reindex script and erasure). */
  /** `skipped` holds the record ids (conversation-scoped) of messages that must not be in the index. */
  async *recordsOf(
    conversationId: string,
    where?: TimePageOptions['where'],
  ): AsyncGenerator<{ records: MessageRecord[]; skipped: string[] }> {
    const conversation = await this.store.get(paths.conversation(conversationId));
    const memberIds = memberIdsOf(conversation.data);
    const names = new SenderNames(this.store);
    for await (const page of pagesByTime(this.store, paths.messages(conversationId), {
      pageSize: INDEX_BATCH,
      where,
    })) {
      const records: MessageRecord[] = [];
      const skipped: string[] = [];
      for (const doc of page) {
        const parsed = indexableMessageSchema.safeParse(doc.data);
        if (!parsed.success || !shouldIndex(parsed.data) || !conversation.exists) {
          skipped.push(searchRecordId(conversationId, doc.id));
          continue;
        }
        const senderName = await names.get(parsed.data.senderId);
        records.push(
          toMessageRecord({ conversationId, messageId: doc.id, message: parsed.data, senderName, memberIds }),
        );
      }
      yield { records, skipped };
    }
  }

  /** Rebuilds one conversation's records; returns how many were saved. */
  async reindexConversation(conversationId: string): Promise<number> {
    let saved = 0;
    for await (const { records, skipped } of this.recordsOf(conversationId)) {
      if (records.length > 0) await this.index.saveRecords(records);
      if (skipped.length > 0) await this.index.deleteRecords(skipped);
      saved += records.length;
    }
    return saved;
  }

  async applySettings(): Promise<void> {
    await this.index.applySettings(MESSAGE_INDEX_SETTINGS);
  }
}

export function memberIdsOf(conversation: Record<string, unknown> | undefined): string[] {
  const ids = conversation?.memberIds;
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
}

function sameMembers(a: readonly string[], sortedB: readonly string[]): boolean {
  const sortedA = [...new Set(a)].sort();
  return sortedA.length === sortedB.length && sortedA.every((id, i) => id === sortedB[i]);
}

/** Display names looked up once per run. A user who no longer has a profile shows as Unknown. */
class SenderNames {
  private readonly cache = new Map<string, Promise<string>>();
  constructor(private readonly store: DocumentStore) {}

  get(uid: string): Promise<string> {
    let name = this.cache.get(uid);
    if (!name) {
      name = this.store.get(paths.user(uid)).then((snap) => {
        const value = snap.data?.displayName;
        return typeof value === 'string' && value ? value : UNKNOWN_SENDER;
      });
      this.cache.set(uid, name);
    }
    return name;
  }
}
