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

/** A transcript entry for the PDF: who, when, what kind, what was said, which files. */
export function transcriptEntry(m: ExportedMessage): { heading: string; body: string } {
  const flags = [
    m.editedAt ? 'edited' : '',
    m.deleted ? 'deleted' : '',
    m.encrypted ? 'end-to-end encrypted' : '',
  ].filter(Boolean);
  const heading = `${m.senderName} · ${m.createdAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')} · ${m.type}${flags.length ? ` (${flags.join(', ')})` : ''}`;
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
