/**
 * How documents look in exports: dates as ISO strings, one flat row per record for CSV, readable lines for the PDF
 * transcript. Pure functions over plain data; the streaming encoders (src/app/compliance/encoders.ts) use them.
 */

export interface ExportedAttachment {
  kind: string;
  name: string;
  contentType?: string;
  size?: number;
  path?: string;
}

export interface ExportedMessage {
  id: string;
  conversationId: string;
  createdAt: string;
  senderId: string;
  senderName: string;
  type: string;
  text: string;
  attachments: ExportedAttachment[];
  editedAt?: string;
  deleted?: boolean;
  /** End-to-end encrypted: the server cannot read the content, so the export cannot either. */
  encrypted?: boolean;
  replyTo?: string;
  /** Structured content (material spec, technique, workshop) as stored. */
  details?: Record<string, unknown>;
}

export const MESSAGE_COLUMNS = [
  'id',
  'conversationId',
  'createdAt',
  'senderId',
  'senderName',
  'type',
  'text',
  'attachments',
  'editedAt',
  'deleted',
  'encrypted',
  'replyTo',
  'details',
] as const;

/** Dates to ISO strings, recursively (Firestore documents come out of the store with JS Dates). */
export function plain(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

const STRUCTURED = ['materialSpec', 'technique', 'workshop', 'system'] as const;

export function toExportedMessage(
  conversationId: string,
  id: string,
  data: Record<string, unknown>,
  senderName: string,
): ExportedMessage {
  const attachments = Array.isArray(data.attachments) ? (data.attachments as Array<Record<string, unknown>>) : [];
  const details = Object.fromEntries(STRUCTURED.filter((k) => data[k] !== undefined).map((k) => [k, plain(data[k])]));
  return {
    id,
    conversationId,
    createdAt: data.createdAt instanceof Date ? data.createdAt.toISOString() : String(data.createdAt ?? ''),
    senderId: String(data.senderId ?? ''),
    senderName,
    type: String(data.type ?? ''),
    text: typeof data.text === 'string' ? data.text : '',
    attachments: attachments.map((a) => ({
      kind: String(a.kind ?? ''),
      name: String(a.name ?? ''),
      ...(typeof a.contentType === 'string' ? { contentType: a.contentType } : {}),
      ...(typeof a.size === 'number' ? { size: a.size } : {}),
      ...(typeof a.path === 'string' ? { path: a.path } : {}),
    })),
    ...(data.editedAt instanceof Date ? { editedAt: data.editedAt.toISOString() } : {}),
    ...(data.deleted === true ? { deleted: true } : {}),
    ...(data.encrypted !== undefined ? { encrypted: true } : {}),
    ...(typeof data.replyTo === 'string'
      ? { replyTo: data.replyTo }
      : typeof data.replyTo === 'object' && data.replyTo
        ? { replyTo: JSON.stringify(plain(data.replyTo)) }
        : {}),
    ...(Object.keys(details).length > 0 ? { details } : {}),
  };
}

/**
 * One CSV row: nested values as JSON inside the cell (csv-stringify quotes them). Every text cell goes through
 * `neutraliseFormula`, because the recipient (a compliance officer) opens the file in a spreadsheet.
 */
export function csvRow(record: Record<string, unknown>, columns: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    columns.map((column) => {
      const value = record[column];
      if (value === undefined || value === null) return [column, ''];
      // A JS number is data, never a formula: -3 stays a number the spreadsheet can sum.
      if (typeof value === 'number') return [column, String(value)];
      if (column === 'attachments' && Array.isArray(value))
        return [column, neutraliseFormula(value.map((a: ExportedAttachment) => `${a.kind}:${a.name}`).join('; '))];
      return [column, neutraliseFormula(typeof value === 'object' ? JSON.stringify(value) : String(value))];
    }),
  );
}

/**
 * CSV formula injection (OWASP "CSV Injection"): Excel, LibreOffice and Google Sheets run a cell starting with
 * = + - @ (or a tab or carriage return before one) as a formula, so a message such as `=HYPERLINK("http://evil","x")`
 * would become a live link or worse. Such cells get a leading single quote, which spreadsheets show as text and
 * do not display. Also caught: the trigger behind leading whitespace, NUL or other control characters and
 * invisible characters (spreadsheets skip them: `\0=cmd|…`), full-width ＝ ＋ － ＠ (some import paths fold them),
 * and any cell that starts with a control character. The JSON export keeps the text exactly.
 */
// eslint-disable-next-line no-control-regex -- control characters before the trigger are the attack
const FORMULA_START = /^[\u0000-\u0020\u007f\u00a0\u200b-\u200d\u2060\ufeff]*[=+\-@\uff1d\uff0b\uff0d\uff20]/u;
// eslint-disable-next-line no-control-regex -- a cell starting with a control character is quoted too
const CONTROL_START = /^[\u0000-\u001f\u007f]/u;
export function neutraliseFormula(cell: string): string {
  return FORMULA_START.test(cell) || CONTROL_START.test(cell) ? `'${cell}` : cell;
}

/** How the reader of a transcript reads dates: their locale and IANA time zone (from their profile). */
export interface ReaderFormat {
  locale: string;
  timeZone: string;
}

/**
 * The reader's locale and zone from their profile, tolerant of anything a profile may hold: an unknown locale reads
 * as `en`, an unknown zone as UTC (a bad profile must not fail an export).
 */
export function readerFormatOf(profile: Record<string, unknown> | undefined): ReaderFormat {
  const locale = typeof profile?.locale === 'string' ? supportedLocale(profile.locale) : 'en';
  const timeZone = typeof profile?.timeZone === 'string' && validZone(profile.timeZone) ? profile.timeZone : 'UTC';
  return { locale, timeZone };
}

function supportedLocale(tag: string): string {
  try {
    return Intl.DateTimeFormat.supportedLocalesOf([tag])[0] ?? 'en';
  } catch {
    return 'en';
  }
}

function validZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Formats instants for the reader (Intl, ICU): date and time with seconds and the zone's name, e.g.
 * "May 1, 2024, 11:00:00 AM GMT+2" (en, Europe/Berlin) or "01.05.2024, 11:00:00 MESZ" (de). One formatter per export:
 * building one costs far more than using it. ICU's narrow no-break space becomes a no-break space and bidirectional
 * marks are dropped, so the transcript's fonts print every character and its plain-text fast path still applies.
 */
export function dateFormatter(reader: ReaderFormat): (instant: Date | string) => string {
  const format = new Intl.DateTimeFormat(reader.locale, {
    timeZone: reader.timeZone,
    dateStyle: 'medium',
    timeStyle: 'long',
  });
  return (instant) => {
    const date = instant instanceof Date ? instant : new Date(instant);
    if (Number.isNaN(date.getTime())) return String(instant);
    return format
      .format(date)
      .replace(/\u202f/g, '\u00a0')
      .replace(/[\u200e\u200f\u061c]/g, '');
  };
}

export interface TranscriptEntry {
  heading: string;
  body: string;
}

/** A transcript entry for the PDF: who, when (in the reader's locale and zone), what kind, what was said, which files. */
export function transcriptEntry(
  m: ExportedMessage,
  formatDate: (instant: string) => string = (iso) => iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC'),
): TranscriptEntry {
  const flags = [
    m.editedAt ? 'edited' : '',
    m.deleted ? 'deleted' : '',
    m.encrypted ? 'end-to-end encrypted' : '',
  ].filter(Boolean);
  const heading = `${m.senderName} · ${formatDate(m.createdAt)} · ${m.type}${flags.length ? ` (${flags.join(', ')})` : ''}`;
  const lines = [
    m.deleted
      ? '[message deleted]'
      : m.encrypted
        ? '[end-to-end encrypted: content not readable by the server]'
        : m.text,
    ...m.attachments.map((a) => `Attachment (${a.kind}): ${a.name}`),
    ...(m.details ? Object.entries(m.details).map(([k, v]) => `${k}: ${JSON.stringify(v)}`) : []),
  ].filter((line) => line !== '');
  return { heading, body: lines.join('\n') };
}

/**
 * One in-app notification as exported (JSON, CSV, the PDF): its stored fields, dates as ISO strings, and `link`, the
 * deep link the notification opens, which is stored inside `data` (the entity ids handed to the apps).
 */
export function notificationRow(id: string, data: Record<string, unknown>): Record<string, unknown> {
  const nested = data.data && typeof data.data === 'object' ? (data.data as Record<string, unknown>) : {};
  const link = typeof nested.link === 'string' ? nested.link : typeof data.link === 'string' ? data.link : '';
  return { id, ...(plain(data) as Record<string, unknown>), link };
}

/** A notification in the PDF: when, what kind, whether read; then its title, text and link. */
export function notificationEntry(
  row: Record<string, unknown>,
  formatDate: (instant: string) => string,
): TranscriptEntry {
  const text = (key: string) => (typeof row[key] === 'string' ? (row[key] as string) : '');
  const when = text('createdAt') ? formatDate(text('createdAt')) : 'undated';
  const heading = [when, text('category') || text('type'), row.read === true ? 'read' : 'unread']
    .filter(Boolean)
    .join(' · ');
  const body = [text('title'), text('body'), text('link') ? `Link: ${text('link')}` : '']
    .filter((line) => line !== '')
    .join('\n');
  return { heading, body: body || '(no text)' };
}
