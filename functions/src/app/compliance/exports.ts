import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Clock, DocData, DocumentStore, Logger, ObjectStorage } from '../../ports.js';
import { fieldOps } from '../../ports.js';
import type { AuditLog } from '../audit.js';
import type { Caller } from '../../domain/caller.js';
import { hasRole, requireSelfOr } from '../../domain/caller.js';
import { AppError, errorText, notFound, permissionDenied } from '../../domain/errors.js';
import { paths } from '../../domain/paths.js';
import type {
  ExportConversationInput,
  ExportFormat,
  ExportNotificationsInput,
  QueuedExportJob,
} from '../../domain/compliance/exportRequest.js';
import { CONTENT_TYPES, EXPORT_URL_TTL_MS, queuedExportJobSchema } from '../../domain/compliance/exportRequest.js';
import type { ExportedMessage, ReaderFormat, TranscriptEntry } from '../../domain/compliance/exportRows.js';
import {
  dateFormatter,
  MESSAGE_COLUMNS,
  notificationEntry,
  notificationRow,
  plain,
  readerFormatOf,
  toExportedMessage,
  transcriptEntry,
} from '../../domain/compliance/exportRows.js';
import { describeIssues } from '../../domain/validation.js';
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

/**
 * A PDF export as the callable answers it: recorded and queued, rendered by a background function (`renderQueued`,
 * run by a Firestore trigger on `exports/{id}`). The client watches `exports/{exportId}` until it says `done` (with
 * `url`) or `failed` (with `error`).
 */
export interface QueuedExport {
  exportId: string;
  status: 'queued';
}

export type ExportAnswer = ExportResult | QueuedExport;

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

  async exportConversation(caller: Caller, input: ExportConversationInput): Promise<ExportAnswer> {
    const conversation = await this.store.get(paths.conversation(input.conversationId));
    if (!conversation.exists) throw notFound(`conversation ${input.conversationId} does not exist`);
    const isMember = memberIdsOf(conversation.data).includes(caller.uid);
    if (!isMember && !hasRole(caller, 'compliance', 'admin'))
      throw permissionDenied('you are not a member of this conversation');
    const job = {
      kind: 'conversation',
      target: { type: 'conversation', id: input.conversationId },
      format: input.format,
      onBehalf: !isMember,
      range: input,
    };
    // A PDF takes seconds to lay out: it is queued and rendered off the request path (renderQueued).
    if (input.format === 'pdf') return this.queue(caller, job);
    const header = {
      conversation: {
        id: input.conversationId,
        title: conversation.data?.title ?? '',
        type: conversation.data?.type ?? '',
        memberIds: memberIdsOf(conversation.data),
      },
      range: { from: input.from ?? null, to: input.to ?? null },
    };
    const messages = () => this.conversationMessages(input.conversationId, new Map(), input.from, input.to);
    return this.run(caller, {
      ...job,
      source: async () =>
        input.format === 'json' ? jsonStream(header, 'messages', messages()) : csvStream(MESSAGE_COLUMNS, messages()),
    });
  }

  async exportNotifications(caller: Caller, input: ExportNotificationsInput): Promise<ExportAnswer> {
    const uid = input.uid ?? caller.uid;
    requireSelfOr(caller, uid, 'compliance');
    const job = {
      kind: 'notifications',
      target: { type: 'user', id: uid },
      format: input.format,
      onBehalf: uid !== caller.uid,
      range: input,
    };
    if (input.format === 'pdf') return this.queue(caller, job);
    const rows = () => this.notificationRows(uid, input.from, input.to);
    return this.run(caller, {
      ...job,
      source: async () =>
        input.format === 'json'
          ? jsonStream({ uid, range: { from: input.from ?? null, to: input.to ?? null } }, 'notifications', rows())
          : csvStream(NOTIFICATION_COLUMNS, rows()),
    });
  }

  /**
   * Renders a queued PDF export: run by the background function on `exports/{id}`'s creation. Idempotent: the job
   * is claimed (queued → running) in a transaction, so a second run of the same event, or a run on a job that is not
   * a queued PDF, does nothing. A failure is recorded on the job (`failed` with the reason) and nothing is served;
   * it is not thrown, since a retry would find the job failed and do nothing anyway.
   */
  async renderQueued(exportId: string): Promise<{ status: 'done' | 'failed' | 'skipped'; reason?: string }> {
    const jobPath = paths.exportJob(exportId);
    const startedAt = this.clock.now();
    const claimed = await this.store.transaction(async (tx) => {
      const snap = await tx.get(jobPath);
      if (!snap.exists || snap.data?.status !== 'queued') return undefined;
      tx.update(jobPath, { status: 'running', startedAt });
      return snap.data;
    });
    if (!claimed) return { status: 'skipped' };
    const parsed = queuedExportJobSchema.safeParse(claimed);
    const log = this.logger.child({ exportId, uid: typeof claimed.ownerUid === 'string' ? claimed.ownerUid : '' });
    if (!parsed.success) {
      const reason = `not a valid queued export: ${describeIssues('job', parsed.error)}`;
      await this.fail(jobPath, typeof claimed.path === 'string' ? claimed.path : undefined, reason, log);
      log.error('export failed', { error: reason });
      return { status: 'failed', reason };
    }
    const job = parsed.data;
    try {
      await this.produce({ exportId, jobPath, path: job.path, format: 'pdf', kind: job.kind, log }, () =>
        this.pdfOf(job),
      );
      log.info('queued export rendered', { kind: job.kind, ms: this.clock.now().getTime() - startedAt.getTime() });
      return { status: 'done' };
    } catch (error) {
      if (error instanceof ExportAbandoned) return { status: 'skipped', reason: error.message };
      return { status: 'failed', reason: errorText(error) };
    }
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
        content: () => jsonStream({ uid }, 'notifications', this.notificationRows(uid)),
      },
      { name: 'notifications.csv', content: () => csvStream(NOTIFICATION_COLUMNS, this.notificationRows(uid)) },
      {
        name: 'conversations.json',
        content: async () => jsonStream({ uid }, 'conversations', toAsync(await conversations())),
      },
      {
        name: 'conversations.csv',
        content: async () =>
          csvStream(['id', 'title', 'type', 'memberIds', 'createdAt'], toAsync(await conversations())),
      },
      {
        // The activity feed (users/{uid}/activity): her follows, bids, orders, messages sent, moderation outcomes.
        name: 'activity.json',
        content: () =>
          jsonStream(
            { uid },
            'activity',
            mapAsync(this.pages(`users/${uid}/activity`), (d) => ({ id: d.id, ...(plain(d.data) as DocData) })),
          ),
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

  /** Records the job (`exports/{id}`) and audits it, before any data leaves. */
  private async open(caller: Caller, job: ExportJob, status: 'running' | 'queued') {
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
      status,
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
    return { exportId, path, jobPath, log };
  }

  /** A PDF export: recorded (access already checked) and left for the background renderer. */
  private async queue(caller: Caller, job: ExportJob): Promise<QueuedExport> {
    const { exportId, log } = await this.open(caller, job, 'queued');
    log.info('export queued', { kind: job.kind, format: job.format });
    return { exportId, status: 'queued' };
  }

  private async run(caller: Caller, job: ExportJob & { source: () => Promise<Readable> }): Promise<ExportResult> {
    const opened = await this.open(caller, job, 'running');
    return this.produce({ ...opened, format: job.format, kind: job.kind }, job.source);
  }

  /** Streams the source into storage, signs the URL and marks the job done; on any failure, `fail`, then rethrows. */
  private async produce(
    job: { exportId: string; jobPath: string; path: string; format: ExportFormat | 'zip'; kind: string; log: Logger },
    source: () => Promise<Readable>,
  ): Promise<ExportResult> {
    const { exportId, jobPath, path, log } = job;
    try {
      const { bytes } = await this.storage.write(path, CONTENT_TYPES[job.format], await source());
      const expiresAt = new Date(this.clock.now().getTime() + EXPORT_URL_TTL_MS);
      const url = await this.storage.signedUrl(path, expiresAt);
      // Done only if the job is still ours to finish: erasure may have marked it `erased` (or deleted it) while it
      // ran, after deleting its objects; then this export must not come back with a URL, and its object goes too.
      const finishedAt = this.clock.now();
      const ended = await this.store.transaction(async (tx) => {
        const status = (await tx.get(jobPath)).data?.status;
        if (status !== 'running') return String(status ?? 'deleted');
        tx.update(jobPath, { status: 'done', path, bytes, url, expiresAt, finishedAt });
        return undefined;
      });
      if (ended) {
        await this.storage
          .deletePrefix(path)
          .catch((error: unknown) => log.error('abandoned export not deleted', { path, error: String(error) }));
        log.warn('export abandoned', { kind: job.kind, format: job.format, status: ended });
        throw new ExportAbandoned(ended);
      }
      log.info('export done', { kind: job.kind, format: job.format, bytes });
      return { exportId, status: 'done', url, expiresAt: expiresAt.toISOString(), bytes, path };
    } catch (error) {
      // The job is someone else's now (erased): it keeps what erasure wrote.
      if (error instanceof ExportAbandoned) throw error;
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
  private async fail(jobPath: string, path: string | undefined, reason: string, log: Logger): Promise<void> {
    if (path)
      await this.storage
        .deletePrefix(path)
        .catch((error: unknown) => log.error('partial export not deleted', { path, error: String(error) }));
    // Only a job still running is marked failed: one that erasure marked `erased` or deleted stays so (a merge write
    // would bring a deleted job back, with the owner's uid on it).
    const finishedAt = this.clock.now();
    await this.store.transaction(async (tx) => {
      if ((await tx.get(jobPath)).data?.status !== 'running') return;
      tx.update(jobPath, { status: 'failed', error: reason.slice(0, 500), url: fieldOps.delete(), finishedAt });
    });
  }

  // ── the PDF transcript ──

  /**
   * A queued job's PDF, written for its owner: dates in the owner's locale and time zone, participants by name, the
   * export's date (when it was requested) in the title block and the PDF's metadata, pages numbered.
   */
  private async pdfOf(job: QueuedExportJob): Promise<Readable> {
    const reader = readerFormatOf((await this.store.get(paths.user(job.ownerUid))).data);
    const formatDate = dateFormatter(reader);
    const from = job.from ?? undefined;
    const to = job.to ?? undefined;
    const lines = [
      ...(from || to ? [`From ${from ? formatDate(from) : '…'} to ${to ? formatDate(to) : '…'}`] : []),
      `Exported ${formatDate(job.createdAt)}`,
    ];
    const header = (title: string, more: string[]) => ({
      title,
      lines: [...more, ...lines],
      createdAt: job.createdAt,
      pageLabel: pageLabel(reader),
    });
    if (job.kind === 'conversation') {
      const cid = job.target.id;
      const conversation = await this.store.get(paths.conversation(cid));
      if (!conversation.exists) throw notFound(`conversation ${cid} does not exist`);
      const names = new Map<string, string>();
      const memberIds = memberIdsOf(conversation.data);
      const profiles = memberIds.length > 0 ? await this.store.getAll(memberIds.map((uid) => paths.user(uid))) : [];
      for (const [i, uid] of memberIds.entries()) names.set(uid, displayNameOf(profiles[i]?.data));
      const participants = memberIds.map((uid) => names.get(uid)!);
      const title = typeof conversation.data?.title === 'string' ? conversation.data.title.trim() : '';
      const entries = mapAsync(this.conversationMessages(cid, names, from, to), (m) => transcriptEntry(m, formatDate));
      return pdfTranscript(
        header(`Conversation: ${title || participants.join(', ') || cid}`, [
          `Participants: ${participants.join(', ') || '—'}`,
        ]),
        entries,
      );
    }
    const uid = job.target.id;
    const name = displayNameOf((await this.store.get(paths.user(uid))).data);
    const entries: AsyncIterable<TranscriptEntry> = mapAsync(this.notificationRows(uid, from, to), (row) =>
      notificationEntry(row, formatDate),
    );
    return pdfTranscript(header(`Notifications of ${name}`, []), entries);
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

  /** Notifications as exported rows, with `link` from the stored deep link (`data.link`). */
  private notificationRows(uid: string, from?: Date, to?: Date): AsyncGenerator<Record<string, unknown>> {
    return mapAsync(this.pages(paths.notifications(uid), from, to), (d) => notificationRow(d.id, d.data ?? {}));
  }

  /** `names`: senders' names already known (the participants), filled as other senders are met. */
  private async *conversationMessages(
    cid: string,
    names: Map<string, string>,
    from?: Date,
    to?: Date,
  ): AsyncGenerator<ExportedMessage & Record<string, unknown>> {
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

interface ExportJob {
  kind: string;
  target: { type: string; id: string };
  format: ExportFormat | 'zip';
  onBehalf: boolean;
  range: { from?: Date; to?: Date };
}

const displayNameOf = (profile: DocData | undefined) =>
  typeof profile?.displayName === 'string' && profile.displayName.trim() ? profile.displayName : UNKNOWN_SENDER;

/** "Page 3", the number in the reader's digits. */
const pageLabel = (reader: ReaderFormat) => {
  const number = new Intl.NumberFormat(reader.locale);
  return (page: number) => `Page ${number.format(page)}`;
};

async function* toAsync<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

/** The export's job stopped being `running` while it was produced (erasure marked it `erased`, or deleted it). */
class ExportAbandoned extends AppError {
  constructor(status: string) {
    super('failed-precondition', `the export was ${status} while it was being produced: nothing was kept`);
    this.name = 'ExportAbandoned';
  }
}
