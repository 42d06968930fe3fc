import { Readable } from 'node:stream';
import type { ExportedMessage } from '../../domain/compliance/exportRows.js';
import { csvRow, plain, toWinAnsi, transcriptEntry } from '../../domain/compliance/exportRows.js';

/**
 * Streaming encoders: each turns an async iterable of records into a Readable that pulls the next record only when
 * the consumer (the storage upload) wants more bytes. Nothing is collected in memory, whatever the export's size.
 * The libraries (csv-stringify, pdfkit, archiver) load on first use.
 */

/** `{"<header keys>": …, "<itemsKey>": [ item, item, … ]}`, written item by item. */
export function jsonStream(header: Record<string, unknown>, itemsKey: string, items: AsyncIterable<unknown>): Readable {
  async function* chunks() {
    const head = JSON.stringify({ ...(plain(header) as Record<string, unknown>), [itemsKey]: [] }, null, 2);
    // Everything up to the empty array's "[", then the items, then the rest.
    const open = head.lastIndexOf('[]');
    yield head.slice(0, open + 1) + '\n';
    let first = true;
    for await (const item of items) {
      yield `${first ? '' : ',\n'}    ${JSON.stringify(plain(item))}`;
      first = false;
    }
    yield `\n  ${head.slice(open + 1)}\n`;
  }
  return Readable.from(chunks());
}

/** RFC 4180 CSV with a header row; csv-stringify quotes commas, quotes and newlines. UTF-8 with a BOM so Excel reads emoji. */
export async function csvStream(columns: readonly string[], records: AsyncIterable<Record<string, unknown>>): Promise<Readable> {
  const { stringify } = await import('csv-stringify');
  const out = stringify({ header: true, columns: [...columns], bom: true, record_delimiter: 'windows' });
  const rows = Readable.from(mapAsync(records, (r) => csvRow(r, columns)));
  rows.on('error', (error) => out.destroy(error));
  return rows.pipe(out);
}

/** How far the PDF may run ahead of the upload before the writer waits (bytes). */
const PDF_BUFFER_LIMIT = 1024 * 1024;

/** A readable transcript: a title block, then for each message sender, time, type, text and attachment names. */
export async function pdfTranscript(title: string, subtitle: string, messages: AsyncIterable<ExportedMessage>): Promise<Readable> {
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument({ size: 'A4', margin: 50, bufferPages: false, info: { Title: toWinAnsi(title), Producer: 'craft-comms export' } });
  void (async () => {
    try {
      doc.font('Helvetica-Bold').fontSize(16).text(toWinAnsi(title));
      doc.font('Helvetica').fontSize(9).fillColor('#555555').text(toWinAnsi(subtitle)).moveDown();
      for await (const message of messages) {
        const { heading, body } = transcriptEntry(message);
        doc.font('Helvetica-Bold').fontSize(9).fillColor('#333333').text(toWinAnsi(heading));
        doc.font('Helvetica').fontSize(10).fillColor('#000000').text(toWinAnsi(body || ' ')).moveDown(0.6);
        // pdfkit pushes without backpressure: wait while the upload has not taken what was written.
        while (doc.readableLength > PDF_BUFFER_LIMIT && !doc.destroyed) await new Promise((resolve) => setTimeout(resolve, 2));
      }
      doc.end();
    } catch (error) {
      doc.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  })();
  return doc;
}

export interface ZipEntry {
  name: string;
  /** Called when the archive reaches this entry, so each entry's records are read only then. */
  content: () => Promise<Readable> | Readable;
}

/** A ZIP written entry after entry; an entry's stream is opened only once the previous one is finished. */
export async function zipStream(entries: readonly ZipEntry[]): Promise<Readable> {
  const { default: archiver } = await import('archiver');
  const archive = archiver('zip', { zlib: { level: 6 } });
  void (async () => {
    try {
      for (const entry of entries) {
        const content = await entry.content();
        const finished = new Promise<void>((resolve, reject) => {
          content.once('end', resolve);
          content.once('error', reject);
        });
        archive.append(content, { name: entry.name });
        await finished;
      }
      await archive.finalize();
    } catch (error) {
      archive.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  })();
  return archive;
}

export async function* mapAsync<T, U>(items: AsyncIterable<T>, fn: (item: T) => U): AsyncGenerator<U> {
  for await (const item of items) yield fn(item);
}
