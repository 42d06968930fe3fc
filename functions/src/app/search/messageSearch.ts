import { BrokenCircuitError, ConsecutiveBreaker, circuitBreaker, handleAll } from 'cockatiel';
import type { CircuitBreakerPolicy } from 'cockatiel';
import type { Clock, DocumentStore, Logger, MessageIndex, MessageRecord } from '../../ports.js';
import type { Caller } from '../../domain/caller.js';
import { AppError, errorText, permissionDenied } from '../../domain/errors.js';
import { paths } from '../../domain/paths.js';
import {
  indexableMessageSchema,
  messageIdOfRecord,
  shouldIndex,
  toMessageRecord,
  visibleToFilter,
} from '../../domain/search/record.js';
import { paginate, recordMatches } from '../../domain/search/match.js';
import type { SearchMessagesInput } from '../../domain/search/searchRequest.js';
import { SEARCH_KEY_TTL_MS } from '../../domain/search/searchRequest.js';
import { memberIdsOf, UNKNOWN_SENDER } from './messageIndexer.js';

/**
 * What a client sees of a hit: the record without the member list, plus the message id (the record's `objectID` is
 * `{conversationId}/{messageId}`, unique across the index).
 */
export type SearchHit = Omit<MessageRecord, 'visibleTo'> & { messageId: string };

export interface SearchResponse {
  hits: SearchHit[];
  page: number;
  nbPages: number;
  nbHits: number;
  /** True when the index was unavailable and this came from the slower, narrower Firestore fallback. */
  degraded: boolean;
}

/** How many of a conversation's newest messages the degraded search reads. */
export const DEGRADED_SCAN_LIMIT = 1_000;

/**
 * Message search for one user: the `visibleTo:<uid>` restriction is added here, on the server, whatever the client
 * asks. Calls to the index go through a circuit breaker; when it is open (or a call fails) a search inside one
 * conversation falls back to reading that conversation's newest messages from Firestore.
 */
export class MessageSearch {
  readonly breaker: CircuitBreakerPolicy;

  constructor(
    private readonly store: DocumentStore,
    private readonly index: MessageIndex,
    private readonly clock: Clock,
    private readonly logger: Logger,
    breakerOptions: { failures?: number; halfOpenAfterMs?: number } = {},
  ) {
    this.breaker = circuitBreaker(handleAll, {
      halfOpenAfter: breakerOptions.halfOpenAfterMs ?? 30_000,
      breaker: new ConsecutiveBreaker(breakerOptions.failures ?? 3),
    });
  }

  async search(caller: Caller, input: SearchMessagesInput): Promise<SearchResponse> {
    const query = {
      query: input.query,
      visibleTo: caller.uid,
      ...(input.conversationId ? { conversationId: input.conversationId } : {}),
      ...(input.senderId ? { senderId: input.senderId } : {}),
      ...(input.types ? { types: input.types } : {}),
      ...(input.from ? { from: input.from.getTime() } : {}),
      ...(input.to ? { to: input.to.getTime() } : {}),
      page: input.page,
      hitsPerPage: input.hitsPerPage,
    };
    try {
      const result = await this.breaker.execute(() => this.index.search(query));
      return { ...result, hits: result.hits.map(withoutMembers), degraded: false };
    } catch (error) {
      this.logger.warn('search index unavailable, falling back', {
        uid: caller.uid,
        breakerOpen: error instanceof BrokenCircuitError,
        error: errorText(error),
      });
      if (!input.conversationId) {
        throw new AppError(
          'unavailable',
          'search is temporarily unavailable; pass conversationId to search inside one conversation',
        );
      }
      const hits = await this.degradedSearch(caller, input.conversationId, query);
      const page = paginate(hits, input.page, input.hitsPerPage);
      return { ...page, hits: page.hits.map(withoutMembers), degraded: true };
    }
  }

  /** Reads the conversation's newest messages (members only) and filters them like the index would. */
  private async degradedSearch(
    caller: Caller,
    conversationId: string,
    query: Parameters<MessageIndex['search']>[0],
  ): Promise<MessageRecord[]> {
    const conversation = await this.store.get(paths.conversation(conversationId));
    const memberIds = memberIdsOf(conversation.data);
    if (!conversation.exists || !memberIds.includes(caller.uid))
      throw permissionDenied('you are not a member of this conversation');
    const docs = await this.store.query(paths.messages(conversationId), {
      orderBy: [{ field: 'createdAt', direction: 'desc' }],
      limit: DEGRADED_SCAN_LIMIT,
    });
    const names = new Map<string, string>();
    const records: MessageRecord[] = [];
    for (const doc of docs) {
      const parsed = indexableMessageSchema.safeParse(doc.data);
      if (!parsed.success || !shouldIndex(parsed.data)) continue;
      const senderId = parsed.data.senderId;
      if (!names.has(senderId)) {
        const profile = await this.store.get(paths.user(senderId));
        names.set(senderId, typeof profile.data?.displayName === 'string' ? profile.data.displayName : UNKNOWN_SENDER);
      }
      const record = toMessageRecord({
        conversationId,
        messageId: doc.id,
        message: parsed.data,
        senderName: names.get(senderId)!,
        memberIds,
      });
      if (recordMatches(record, query)) records.push(record);
    }
    return records;
  }

  /** A secured key that can only see `visibleTo:<uid>`, valid for an hour. */
  async searchKey(caller: Caller): Promise<{ apiKey: string; appId: string; indexName: string; expiresAt: string }> {
    const validUntil = new Date(this.clock.now().getTime() + SEARCH_KEY_TTL_MS);
    const key = await this.index.securedSearchKey({ filters: visibleToFilter(caller.uid), validUntil });
    return { ...key, expiresAt: validUntil.toISOString() };
  }
}

function withoutMembers(record: MessageRecord): SearchHit {
  const { visibleTo: _visibleTo, ...hit } = record;
  return { ...hit, messageId: messageIdOfRecord(record.objectID) };
}
