import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Clock, DocData, DocumentStore, Logger, ObjectStorage } from '../../ports.js';
import { fieldOps } from '../../ports.js';
import type { AuditLog } from '../audit.js';
import type { Caller } from '../../domain/caller.js';
import { hasRole, requireSelfOr } from '../../domain/caller.js';
import { errorText, notFound, permissionDenied } from '../../domain/errors.js';
import { paths } from '../../domain/paths.js';
import type {
  ExportConversationInput,
  ExportFormat,
  ExportNotificationsInput,
} from '../../domain/compliance/exportRequest.js';
import { CONTENT_TYPES, EXPORT_URL_TTL_MS } from '../../domain/compliance/exportRequest.js';
import type { ExportedMessage } from '../../domain/compliance/exportRows.js';
import { MESSAGE_COLUMNS, plain, toExportedMessage } from '../../domain/compliance/exportRows.js';
import { memberIdsOf, UNKNOWN_SENDER } from '../search/messageIndexer.js';
import { DELETED_USER_NAME } from '../../domain/search/record.js';
import { csvStream, jsonStream, mapAsync, pdfTranscript } from './encoders.js';
import { zipStream } from './zip.js';
import { pagesByTime } from './pages.js';

export interface ExportResult {
  exportId: string;
  status: 'done';
  url: string;
  expiresAt: string;
  bytes: number;
  path: string;
}

export const NOTIFICATION_COLUMNS = [
  'id',
  'createdAt',
  'category',
  'type',
  'title',
  'body',
  'read',
  'readAt',
  'link',
] as const;

/**
 * Compliance exports. Each runs as a job (`exports/{id}`, status running → done | failed) that streams its records
 * page by page from the store through an encoder into object storage and hands back a signed URL valid 24 hours.
 * Members export their own conversations; the compliance role exports any, and every export is in the audit log.
 */
export class Exports {
  constructor(
    private readonly store: DocumentStore,
    private readonly storage: ObjectStorage,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async exportConversation(caller: Caller, input: ExportConversationInput): Promise<ExportResult> {
    const conversation = await this.store.get(paths.conversation(input.conversationId));
    if (!conversation.exists) throw notFound(`conversation ${input.conversationId} does not exist`);
    const isMember = memberIdsOf(conversation.data).includes(caller.uid);
    if (!isMember && !hasRole(caller, 'compliance', 'admin'))
      throw permissionDenied('you are not a member of this conversation');
    const header = {
      conversation: {
        id: input.conversationId,
        title: conversation.data?.title ?? '',
        type: conversation.data?.type ?? '',
        memberIds: memberIdsOf(conversation.data),
      },
      range: { from: input.from ?? null, to: input.to ?? null },
    };
    const messages = () => this.conversationMessages(input.conversationId, input.from, input.to);
    return this.run(caller, {
      kind: 'conversation',
      target: { type: 'conversation', id: input.conversationId },
      format: input.format,
      onBehalf: !isMember,
      range: input,
      source: () =>
        this.encode(
          input.format,
          header,
          'messages',
          messages(),
          MESSAGE_COLUMNS,
          `Conversation: ${String(header.conversation.title || input.conversationId)}`,
        ),
    });
  }

  async exportNotifications(caller: Caller, input: ExportNotificationsInput): Promise<ExportResult> {
    const uid = input.uid ?? caller.uid;
    requireSelfOr(caller, uid, 'compliance');
    const rows = () =>
      mapAsync(this.pages(paths.notifications(uid), input.from, input.to), (doc) => ({
        id: doc.id,
        ...(plain(doc.data) as DocData),
      }));
    return this.run(caller, {
      kind: 'notifications',
      target: { type: 'user', id: uid },
      format: input.format,
      onBehalf: uid !== caller.uid,
      range: input,
      source: () =>
        this.encode(
          input.format,
          { uid, range: { from: input.from ?? null, to: input.to ?? null } },
          'notifications',
          rows(),
          NOTIFICATION_COLUMNS,
          `Notifications of ${uid}`,
        ),
    });
  }

  /**
   * GDPR/CCPA access request: everything held about the caller, as a ZIP of JSON and CSV files. Each file is read
   * and written in turn, page by page.
   */
  async exportMyData(caller: Caller): Promise<ExportResult> {
    const uid = caller.uid;
    const docs = (collection: string) =>
      mapAsync(this.pagesById(collection), (doc) => ({ id: doc.id, ...(plain(doc.data) as DocData) }));
    const single = async (path: string) =>
      jsonStream(
        { path },
        'documents',
        toAsync(
          [await this.store.get(path)]
            .filter((s) => s.exists)
            .map((s) => ({ id: s.id, ...(plain(s.data) as DocData) })),
        ),
      );
    const conversations = async () => {
      const found = await this.store.query(paths.conversations(), { where: [['memberIds', 'array-contains', uid]] });
      return found.map((c) => ({
        id: c.id,
        title: c.data?.title ?? '',
        type: c.data?.type ?? '',
        memberIds: memberIdsOf(c.data),
        createdAt: plain(c.data?.createdAt),
      }));
    };
    const sent = () => this.sentMessages(uid);
    const entries = [
      { name: 'profile.json', content: () => single(paths.user(uid)) },
      { name: 'preferences.json', content: () => single(paths.preferences(uid)) },
      { name: 'devices.json', content: () => jsonStream({ uid }, 'devices', docs(paths.devices(uid))) },
      { name: 'keys.json', content: () => jsonStream({ uid }, 'keys', docs(`users/${uid}/keys`)) },
      {
        name: 'notifications.json',
        content: () =>
          jsonStream(
            { uid },
            'notifications',
            mapAsync(this.pages(paths.notifications(uid)), (d) => ({ id: d.id, ...(plain(d.data) as DocData) })),
          ),
      },
      {
        name: 'notifications.csv',
        content: () =>
          csvStream(
            NOTIFICATION_COLUMNS,
            mapAsync(this.pages(paths.notifications(uid)), (d) => ({ id: d.id, ...(plain(d.data) as DocData) })),
          ),
      },
      {
        name: 'conversations.json',
        content: async () => jsonStream({ uid }, 'conversations', toAsync(await conversations())),
      },
      {
        name: 'conversations.csv',
        content: async () =>
          csvStream(['id', 'title', 'type', 'memberIds', 'createdAt'], toAsync(await conversations())),
      },
      { name: 'messages-sent.json', content: () => jsonStream({ uid }, 'messages', sent()) },
      {
        name: 'messages-sent.csv',
        content: () =>
          csvStream(
            MESSAGE_COLUMNS,
            mapAsync(sent(), (m) => ({ ...m })),
          ),
      },
    ];
    return this.run(caller, {
      kind: 'myData',
      target: { type: 'user', id: uid },
      format: 'zip',
      onBehalf: false,
      range: {},
      source: async () => zipStream(entries, { modified: this.clock.now() }),
    });
  }

  // ── the job ──

  private async run(
    caller: Caller,
    job: {
      kind: string;
      target: { type: string; id: string };
      format: ExportFormat | 'zip';
      onBehalf: boolean;
      range: { from?: Date; to?: Date };
      source: () => Promise<Readable>;
    },
  ): Promise<ExportResult> {
    const exportId = randomUUID();
    const path = `exports/${caller.uid}/${exportId}.${job.format}`;
    const log = this.logger.child({ uid: caller.uid, exportId });
    const jobPath = paths.exportJob(exportId);
    await this.store.create(jobPath, {
      ownerUid: caller.uid,
      kind: job.kind,
      target: job.target,
      format: job.format,
      from: job.range.from ?? null,
      to: job.range.to ?? null,
      status: 'running',
      // Known from the start, so a job whose instance died mid-upload can be cleaned up (Retention.sweep).
      path,
      createdAt: this.clock.now(),
    });
    // Audited before any data leaves, so even an export that fails half-way is on record.
    await this.audit.record({
      actorUid: caller.uid,
      action: `export.${job.kind}`,
      target: job.target,
      details: {
        exportId,
        format: job.format,
        onBehalfOf: job.onBehalf ? 'compliance' : 'self',
        roles: [...caller.roles],
      },
    });
    try {
      const { bytes } = await this.storage.write(path, CONTENT_TYPES[job.format], await job.source());
      const expiresAt = new Date(this.clock.now().getTime() + EXPORT_URL_TTL_MS);
      const url = await this.storage.signedUrl(path, expiresAt);
      await this.store.update(jobPath, { status: 'done', path, bytes, url, expiresAt, finishedAt: this.clock.now() });
      log.info('export done', { kind: job.kind, format: job.format, bytes });
      return { exportId, status: 'done', url, expiresAt: expiresAt.toISOString(), bytes, path };
    } catch (error) {
      const message = errorText(error);
      await this.fail(jobPath, path, message, log);
      log.error('export failed', { kind: job.kind, error: message });
      throw error;
    }
  }

  /**
   * A failed export serves nothing: whatever reached storage (a resumable upload's committed chunks, a file written up
   * to the failure, or a whole file whose URL could not be signed) is deleted, and the job says `failed` with the
   * reason. Deleting comes first, so a job never says failed while its bytes stay reachable; if the delete itself
   * fails, the job still says failed and the bucket's 7-day lifecycle rule removes the object.
   */
  private async fail(jobPath: string, path: string, reason: string, log: Logger): Promise<void> {
    await this.storage
      .deletePrefix(path)
      .catch((error: unknown) => log.error('partial export not deleted', { path, error: String(error) }));
    await this.store.set(
      jobPath,
      { status: 'failed', error: reason.slice(0, 500), url: fieldOps.delete(), finishedAt: this.clock.now() },
      { merge: true },
    );
  }

  private async encode(
    format: ExportFormat,
    header: Record<string, unknown>,
    itemsKey: string,
    items: AsyncIterable<Record<string, unknown>>,
    columns: readonly string[],
    title: string,
  ): Promise<Readable> {
    if (format === 'json') return jsonStream(header, itemsKey, items);
    if (format === 'csv') return csvStream(columns, items);
    const subtitle = `Exported ${this.clock.now().toISOString()}`;
    return pdfTranscript(title, subtitle, items as AsyncIterable<unknown> as AsyncIterable<ExportedMessage>);
  }

  // ── reading, a page at a time ──

  private async *pages(collection: string, from?: Date, to?: Date) {
    for await (const page of pagesByTime(this.store, collection, { ...(from ? { from } : {}), ...(to ? { to } : {}) }))
      yield* page;
  }

  /** Collections without a time field (devices, keys): by id, a page at a time. */
  private async *pagesById(collection: string) {
    const ids = await this.store.listIds(collection);
    for (let i = 0; i < ids.length; i += 300) {
      const snaps = await this.store.getAll(ids.slice(i, i + 300).map((id) => `${collection}/${id}`));
      yield* snaps.filter((s) => s.exists);
    }
  }

  private async *conversationMessages(
    cid: string,
    from?: Date,
    to?: Date,
  ): AsyncGenerator<ExportedMessage & Record<string, unknown>> {
    const names = new Map<string, string>();
    for await (const doc of this.pages(paths.messages(cid), from, to)) {
      const data = doc.data ?? {};
      yield { ...toExportedMessage(cid, doc.id, data, await this.senderName(names, data)) };
    }
  }

  private async *sentMessages(uid: string): AsyncGenerator<ExportedMessage> {
    const names = new Map<string, string>();
    for await (const page of pagesByTime(this.store, 'messages', { group: true, where: [['senderId', '==', uid]] })) {
      for (const doc of page) {
        const cid = doc.path.split('/')[1] ?? '';
        yield toExportedMessage(cid, doc.id, doc.data ?? {}, await this.senderName(names, doc.data ?? {}));
      }
    }
  }

  private async senderName(cache: Map<string, string>, data: DocData): Promise<string> {
    const uid = String(data.senderId ?? '');
    if (data.senderDeleted === true) return DELETED_USER_NAME;
    if (!cache.has(uid)) {
      const profile = uid ? await this.store.get(paths.user(uid)) : undefined;
      cache.set(uid, typeof profile?.data?.displayName === 'string' ? profile.data.displayName : UNKNOWN_SENDER);
    }
    return cache.get(uid)!;
  }
}

async function* toAsync<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}
