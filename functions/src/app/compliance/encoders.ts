import { Readable } from 'node:stream';
import type { ExportedMessage } from '../../domain/compliance/exportRows.js';
import { csvRow, plain, transcriptEntry } from '../../domain/compliance/exportRows.js';
import type { Weight } from './pdfFonts.js';
import { TranscriptFonts } from './pdfFonts.js';

/**
 * Streaming encoders: each turns an async iterable of records into a Readable that pulls the next record only when
 * the consumer (the storage upload) wants more bytes. Nothing is collected in memory, whatever the export's size.
 * The libraries (csv-stringify, pdfkit) load on first use; the ZIP writer is zip.ts.
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

/**
 * A readable transcript: a title block, then for each message sender, time, type, text and attachment names. Every
 * script is printed in a font that has it (see pdfFonts.ts), so Japanese, Hindi, Russian, Arabic and emoji read as
 * written.
 */
export async function pdfTranscript(title: string, subtitle: string, messages: AsyncIterable<ExportedMessage>): Promise<Readable> {
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument({ size: 'A4', margin: 50, bufferPages: false, info: { Title: title, Producer: 'craft-comms export' } });
  const fonts = new TranscriptFonts();
  const registered = new Set<string>();
  /** Writes text line by line, each line as runs of the fonts that have its characters, continued on one line. */
  const write = async (text: string, weight: Weight, size: number, color: string) => {
    doc.fontSize(size).fillColor(color);
    // pdfkit places text by its font's ascent: a common baseline keeps runs in different fonts on one line.
    const baseline = -(await fonts.baseline(weight, size));
    for (const line of text.replace(/\t/g, '    ').split(/\r\n|\r|\n/)) {
      const runs = await fonts.runs(line, weight);
      if (runs.length === 0) runs.push({ font: fonts.primaryFont(weight), text: ' ' });
      for (const [i, run] of runs.entries()) {
        if (!registered.has(run.font)) {
          doc.registerFont(run.font, fonts.fontFile(run.font));
          registered.add(run.font);
        }
        doc.font(run.font).text(run.text, { continued: i < runs.length - 1, baseline });
      }
    }
  };
  void (async () => {
    try {
      await write(title, 'bold', 16, '#000000');
      await write(subtitle, 'regular', 9, '#555555');
      doc.moveDown();
      let count = 0;
      for await (const message of messages) {
        if (++count % LAYOUT_CACHE_MESSAGES === 0) emptyLayoutCaches(doc);
        const { heading, body } = transcriptEntry(message);
        await write(heading, 'bold', 9, '#333333');
        await write(body, 'regular', 10, '#000000');
        doc.moveDown(0.6);
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

/**
 * pdfkit keeps the shaped layout of every distinct word in each embedded font for the whole document. That makes
 * layout about four times faster (shaping a word through the fonts' OpenType tables is the costly part), but a
 * 100,000-message transcript has hundreds of thousands of distinct words (times, numbers, names), so the caches are
 * emptied every so many messages: the common words are laid out again once, memory stays bounded.
 */
const LAYOUT_CACHE_MESSAGES = 2000;
function emptyLayoutCaches(doc: PDFKit.PDFDocument): void {
  // pdfkit has no public call for this: its fonts are in `_fontFamilies`, each with a `layoutCache` object.
  const families = (doc as unknown as { _fontFamilies?: Record<string, { layoutCache?: object }> })._fontFamilies ?? {};
  for (const font of Object.values(families)) if (font.layoutCache) font.layoutCache = Object.create(null) as object;
}

export async function* mapAsync<T, U>(items: AsyncIterable<T>, fn: (item: T) => U): AsyncGenerator<U> {
  for await (const item of items) yield fn(item);
}
