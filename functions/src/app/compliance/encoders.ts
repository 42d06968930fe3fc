import { Readable } from 'node:stream';
import type { TranscriptEntry } from '../../domain/compliance/exportRows.js';
import { csvRow, plain } from '../../domain/compliance/exportRows.js';
import type { Run, Weight } from './pdfFonts.js';
import { TranscriptFonts } from './pdfFonts.js';
import type { TranscriptLayoutStats } from './pdfLayout.js';
import { adjustCurrentFont } from './pdfLayout.js';

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
export async function csvStream(
  columns: readonly string[],
  records: AsyncIterable<Record<string, unknown>>,
): Promise<Readable> {
  const { stringify } = await import('csv-stringify');
  const out = stringify({ header: true, columns: [...columns], bom: true, record_delimiter: 'windows' });
  const rows = Readable.from(mapAsync(records, (r) => csvRow(r, columns)));
  rows.on('error', (error) => out.destroy(error));
  return rows.pipe(out);
}

/** How far the PDF may run ahead of the upload before the writer waits (bytes). */
const PDF_BUFFER_LIMIT = 1024 * 1024;

export interface TranscriptHeader {
  /** The first line, in bold; also the PDF's Title. */
  title: string;
  /** Lines under the title (participants, when exported). */
  lines: readonly string[];
  /** The export's time: the PDF's creation and modification dates, so the file says when it was made. */
  createdAt: Date;
  /** The footer of page n ("Page 3"); pages are numbered as they are made (the file streams, so no "of N"). */
  pageLabel: (page: number) => string;
}

/**
 * A readable transcript: a title block, then for each entry a heading line and its body. Every script is printed in
 * a font that has it (see pdfFonts.ts), so Japanese, Hindi, Russian, Arabic and emoji read as written.
 */
export async function pdfTranscript(
  header: TranscriptHeader,
  entries: AsyncIterable<TranscriptEntry>,
): Promise<Readable> {
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument({
    size: 'A4',
    margin: 50,
    bufferPages: false,
    info: {
      Title: header.title,
      Producer: 'craft-comms export',
      CreationDate: header.createdAt,
      ModDate: header.createdAt,
    },
  });
  const fonts = new TranscriptFonts();
  const layouts = new Map<string, TranscriptLayoutStats>();
  const primary = new Set([fonts.primaryFont('regular'), fonts.primaryFont('bold')]);
  const use = (font: string) => {
    if (!layouts.has(font)) {
      doc.registerFont(font, fonts.fontFile(font));
      doc.font(font);
      // A fast path for the primary font's plain text and a bounded cache of shaped words (pdfLayout.ts).
      layouts.set(font, adjustCurrentFont(doc, primary.has(font)));
    }
    doc.font(font);
    return layouts.get(font)!;
  };
  /** Writes text line by line, each line as runs of the fonts that have its characters, continued on one line. */
  const write = async (text: string, weight: Weight, size: number, color: string) => {
    doc.fontSize(size).fillColor(color);
    // pdfkit places text by its font's ascent: a common baseline keeps runs in different fonts on one line.
    const baseline = -(await fonts.baseline(weight, size));
    for (const line of text.replace(/\t/g, '    ').split(/\r\n|\r|\n/)) {
      const runs = await fonts.runs(line, weight);
      if (runs.length === 0) runs.push({ font: fonts.primaryFont(weight), text: ' ' });
      // The common cases, a line of plain text in the primary font, or with a few emoji or words of another script
      // in it: wrapped here from the characters' widths (pdfLayout.ts). Other lines go through pdfkit's wrapper.
      const segments = measure(runs, size);
      if (segments) {
        writeWrapped(doc, use, segments, size, baseline);
        continue;
      }
      for (const [i, run] of runs.entries()) {
        use(run.font);
        doc.text(run.text, { continued: i < runs.length - 1, baseline });
      }
    }
  };
  /**
   * The line as one string with a width per UTF-16 unit (thousandths of the font size): characters of the primary
   * font's plain text each their own width; a run of another font (emoji, a name in Japanese) as one unbreakable
   * piece, its shaped width on its first unit. Undefined when the line is not for this path: shaped text in the
   * primary font, or another font's run wider than a line (a Japanese paragraph), which must break inside.
   */
  const measure = (runs: readonly Run[], size: number): Wrapped | undefined => {
    const lineWidth = ((doc.page.width - doc.page.margins.left - doc.page.margins.right) * 1000) / size;
    if (runs.length === 1) {
      const widths = use(runs[0]!.font).fastWidths(runs[0]!.text);
      return (
        widths && {
          text: runs[0]!.text,
          widths,
          inside: undefined,
          segments: [{ font: runs[0]!.font, start: 0, end: runs[0]!.text.length }],
        }
      );
    }
    const widths: number[] = [];
    const inside: boolean[] = [];
    const segments: Array<{ font: string; start: number; end: number }> = [];
    let start = 0;
    for (const run of runs) {
      const layout = use(run.font);
      const own = primary.has(run.font) ? layout.fastWidths(run.text) : undefined;
      if (own) {
        for (const w of own) {
          widths.push(w);
          inside.push(false);
        }
      } else {
        if (primary.has(run.font)) return undefined;
        const width = (doc.widthOfString(run.text) * 1000) / size;
        if (width > lineWidth) return undefined;
        for (let i = 0; i < run.text.length; i++) {
          widths.push(i === 0 ? width : 0);
          inside.push(i > 0);
        }
      }
      segments.push({ font: run.font, start, end: start + run.text.length });
      start += run.text.length;
    }
    return { text: runs.map((r) => r.text).join(''), widths, inside, segments };
  };
  /**
   * The page number, centred in the bottom margin, in its own graphics state; the text state of the page being
   * written (font, size, colour) is put back, since pages are added in the middle of writing a line.
   */
  const footer = () => {
    const internals = doc as unknown as { _font?: unknown; _fontSize?: number; _fillColor?: [string, number] };
    const [font, fontSize, fill] = [internals._font, internals._fontSize, internals._fillColor];
    const { x, y } = doc;
    doc.save();
    use(fonts.primaryFont('regular'));
    doc.fontSize(8).fillColor('#777777');
    const label = header.pageLabel(++pageNumber);
    const width = doc.widthOfString(label);
    const top = doc.page.height - doc.page.margins.bottom + 20;
    doc.text(label, (doc.page.width - width) / 2, top, { lineBreak: false });
    doc.restore();
    internals._font = font;
    if (fontSize !== undefined) doc.fontSize(fontSize);
    if (fill) doc.fillColor(fill[0], fill[1]);
    doc.x = x;
    doc.y = y;
  };
  let pageNumber = 0;
  doc.on('pageAdded', footer);
  void (async () => {
    try {
      await fonts.baseline('regular', 8); // loads the primary font, which the footer is set in
      footer();
      await write(header.title, 'bold', 16, '#000000');
      for (const line of header.lines) await write(line, 'regular', 9, '#555555');
      doc.moveDown();
      let count = 0;
      for await (const { heading, body } of entries) {
        await write(heading, 'bold', 9, '#333333');
        await write(body, 'regular', 10, '#000000');
        doc.moveDown(0.6);
        // pdfkit pushes without backpressure: wait while the upload has not taken what was written.
        while (doc.readableLength > PDF_BUFFER_LIMIT && !doc.destroyed)
          await new Promise((resolve) => setTimeout(resolve, 2));
        // Laying out is synchronous work: let the instance's other requests (and timers) run now and then.
        if (++count % YIELD_EVERY_MESSAGES === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      doc.end();
    } catch (error) {
      doc.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  })();
  return doc;
}

interface Wrapped {
  text: string;
  /** Per UTF-16 unit, in thousandths of the font size. */
  widths: readonly number[];
  /** Per unit: inside an unbreakable piece (another font's run), so no line ends before it. */
  inside: readonly boolean[] | undefined;
  /** Which font sets which units. */
  segments: ReadonlyArray<{ font: string; start: number; end: number }>;
}

/**
 * One line of text wrapped at spaces to the page's text width (a word wider than the line broken between
 * characters), each line drawn as one text object per font, with a new page when the next line would cross the
 * bottom margin: what pdfkit's line wrapper does for such text, without its per-word Unicode line-break analysis and
 * layout.
 */
function writeWrapped(
  doc: PDFKit.PDFDocument,
  use: (font: string) => unknown,
  line: Wrapped,
  size: number,
  baseline: number,
): void {
  const { text, widths, inside, segments } = line;
  const left = doc.page.margins.left;
  const max = ((doc.page.width - left - doc.page.margins.right) * 1000) / size;
  const lineHeight = doc.currentLineHeight(true);
  // pdfkit's text() would only add option merging and a second measure before this, its one-line drawing step.
  const fragment = (doc as unknown as { _fragment?: (text: string, x: number, y: number, options: object) => void })
    ._fragment;
  const options = { baseline };
  const draw = (piece: string, x: number) => {
    if (fragment) fragment.call(doc, piece, x, doc.y, options);
    else doc.text(piece, x, doc.y, { lineBreak: false, baseline });
  };
  const breakable = (i: number) => text[i] === ' ' && !inside?.[i];
  const emit = (from: number, to: number) => {
    while (to > from && breakable(to - 1)) to--;
    if (doc.y + lineHeight > doc.page.maxY()) doc.addPage();
    if (to === from) {
      use(segments[0]!.font);
      draw(' ', left);
    }
    let x = left;
    for (const segment of segments) {
      const a = Math.max(from, segment.start);
      const b = Math.min(to, segment.end);
      if (a >= b) continue;
      use(segment.font);
      draw(text.slice(a, b), x);
      for (let i = a; i < b; i++) x += (widths[i]! * size) / 1000;
    }
    doc.x = left;
    doc.y += lineHeight;
  };
  let start = 0; // first unit of the line being filled
  let width = 0; // its width up to `end`
  let end = 0; // units up to here fit
  let breakAt = -1; // after the last space that fits: where to break
  while (end < text.length) {
    const w = widths[end]!;
    if (breakable(end)) {
      width += w;
      end++;
      breakAt = end;
      continue;
    }
    if (width + w <= max || end === start || inside?.[end]) {
      width += w;
      end++;
      continue;
    }
    // `end` does not fit: break after the last space, or inside the word if the line has none.
    const cut = breakAt > start ? breakAt : end;
    emit(start, cut);
    start = cut;
    end = cut;
    width = 0;
    breakAt = -1;
  }
  emit(start, text.length);
}

/** Messages laid out between two turns of the event loop (about 10 ms of work). */
const YIELD_EVERY_MESSAGES = 200;

export async function* mapAsync<T, U>(items: AsyncIterable<T>, fn: (item: T) => U): AsyncGenerator<U> {
  for await (const item of items) yield fn(item);
}
