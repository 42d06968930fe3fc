import { Readable } from 'node:stream';
import { constants as zlibConstants, deflateSync } from 'node:zlib';
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
 *
 * Most lines (plain text in the primary font, or with a few emoji or words of another script in it) are wrapped
 * here from the characters' widths and written as PDF text operators directly, one content write per line (pdfkit's
 * `text()` spends eight content writes, a graphics-state save and a transform on every piece of every line); the
 * rest (shaped text in the primary font, a paragraph of another script) goes through pdfkit's line wrapper.
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
  const internals = doc as unknown as PdfkitDocumentInternals;
  if (
    typeof internals._normalizeColor !== 'function' ||
    typeof internals._fragment !== 'function' ||
    typeof doc.addContent !== 'function'
  )
    throw new Error('pdfkit document internals changed: the transcript cannot write to them (see encoders.ts)');
  const fonts = new TranscriptFonts();
  const layouts = new Map<string, TranscriptLayoutStats>();
  const primary = new Set([fonts.primaryFont('regular'), fonts.primaryFont('bold')]);
  /** The font's layout, registered with pdfkit and adjusted (pdfLayout.ts) on first use; the current font unchanged. */
  const layoutOf = (font: string) => {
    let layout = layouts.get(font);
    if (!layout) {
      const before = internals._font;
      doc.registerFont(font, fonts.fontFile(font));
      doc.font(font);
      // A fast path for the primary font's plain text and a bounded cache of shaped words (pdfLayout.ts).
      layout = adjustCurrentFont(doc, primary.has(font));
      layouts.set(font, layout);
      if (before) internals._font = before;
    }
    return layout;
  };
  const use = (font: string) => {
    const layout = layoutOf(font);
    doc.font(font);
    return layout;
  };

  /**
   * Content not yet handed to pdfkit: the lines written since the last flush and a colour change, handed over as one
   * content write per page (pdfkit makes a Buffer of every write), or sooner when pdfkit is about to draw itself or
   * end the page.
   */
  let pending = '';
  const flush = () => {
    if (pending) doc.addContent(pending);
    pending = '';
  };
  let fillColor: string | undefined;
  const colorOps = new Map<string, string>();
  /** `doc.fillColor(color)` (an RGB hex colour), written with the next line; pdfkit's state says it is set. */
  const fill = (color: string) => {
    if (color === fillColor) return;
    let ops = colorOps.get(color);
    if (ops === undefined) {
      ops = `/DeviceRGB cs\n${internals._normalizeColor(color)!.join(' ')} scn\n`;
      colorOps.set(color, ops);
    }
    pending += ops;
    internals._fillColor = [color, undefined];
    fillColor = color;
  };

  /** Where the baseline sits below the line's top, per weight and size (the primary font's ascent). */
  const baselines = new Map<string, number>();
  /** Widths of the line being wrapped, per UTF-16 unit, in thousandths of the font size; grown when needed. */
  let widths = new Float64Array(1024);

  // The text state of the `write` running now, set once per call rather than looked up per line.
  let size = 0;
  let ascent = 0;
  let primaryFont = '';
  let primaryLayout: TranscriptLayoutStats = undefined!;
  let lineHeight = 0;
  /** The page's text width, in thousandths of the font size. */
  let max = 0;
  /** `Tf` for the primary font at this size. */
  let primaryTf = '';

  /**
   * Writes text line by line, each line as runs of the fonts that have its characters, continued on one line.
   * Answers a promise only when it has to wait (a font to load): most messages are written without one.
   */
  const write = (text: string, weight: Weight, fontSize: number, color: string): Promise<void> | undefined => {
    let key = ascentKeys[weight].get(fontSize);
    if (key === undefined) ascentKeys[weight].set(fontSize, (key = `${weight} ${fontSize}`));
    const baseline = baselines.get(key);
    if (baseline === undefined)
      // Loads the weight's primary font.
      return fonts.baseline(weight, fontSize).then((loaded) => {
        baselines.set(key, loaded);
        return write(text, weight, fontSize, color);
      });
    size = fontSize;
    ascent = baseline;
    primaryFont = fonts.primaryFont(weight);
    primaryLayout = layoutOf(primaryFont);
    lineHeight = primaryLayout.pdfFont.lineHeight(size, true);
    max = ((doc.page.width - doc.page.margins.left - doc.page.margins.right) * 1000) / size;
    primaryTf = `/${primaryLayout.pdfFont.id} ${number(size)} Tf`;
    doc.font(primaryFont).fontSize(size);
    fill(color);
    if (text.indexOf('\t') >= 0) text = text.replace(/\t/g, '    ');
    if (text.indexOf('\n') < 0 && text.indexOf('\r') < 0) return writeLine(text === '' ? ' ' : text, weight);
    return (async () => {
      for (const line of text.split(/\r\n|\r|\n/)) await writeLine(line === '' ? ' ' : line, weight);
    })();
  };
  const ascentKeys: Record<Weight, Map<number, string>> = { regular: new Map(), bold: new Map() };

  /** One line of a `write`; a promise only when it has to wait (the line needs a fallback font loaded). */
  const writeLine = (line: string, weight: Weight): Promise<void> | undefined => {
    if (widths.length < line.length) widths = new Float64Array(line.length * 2);
    // The common case: the whole line is plain text the primary font sets without shaping, one run in that font
    // (what `fonts.runs` answers for such a line: pdfFonts.test.ts checks they agree).
    if (primaryLayout.fillFastWidths(line, widths, 0)) {
      wrap(line, undefined, undefined);
      return undefined;
    }
    return writeRuns(line, weight);
  };

  /** A line that is not all plain text of the primary font: split into runs by font first. */
  const writeRuns = async (line: string, weight: Weight) => {
    const runs = await fonts.runs(line, weight);
    // A line with a few emoji or words of another script in it: wrapped here too. Other lines: pdfkit's wrapper.
    const measured = measure(runs);
    if (measured) {
      wrap(measured.text, measured.inside, measured.segments);
      return;
    }
    flush();
    for (const [i, run] of runs.entries()) {
      use(run.font);
      doc.text(run.text, { continued: i < runs.length - 1, baseline: -ascent });
    }
    doc.font(primaryFont);
  };

  /**
   * The line as one string with its widths in `widths`: characters of the primary font's plain text each their own
   * width; a run of another font (emoji, a name in Japanese) as one unbreakable piece, its shaped width on its first
   * unit. Undefined when the line is not for this path: shaped text in the primary font, or another font's run wider
   * than a line (a Japanese paragraph), which must break inside.
   */
  const measure = (runs: readonly Run[]): Wrapped | undefined => {
    const inside: boolean[] = [];
    const segments: Segment[] = [];
    let start = 0;
    for (const run of runs) {
      const layout = layoutOf(run.font);
      if (layout.fillFastWidths(run.text, widths, start)) {
        for (let i = 0; i < run.text.length; i++) inside.push(false);
      } else {
        if (primary.has(run.font)) return undefined;
        use(run.font);
        const width = (doc.widthOfString(run.text) * 1000) / size;
        doc.font(primaryFont);
        if (width > max) return undefined;
        for (let i = 0; i < run.text.length; i++) {
          widths[start + i] = i === 0 ? width : 0;
          inside.push(i > 0);
        }
      }
      segments.push({ font: run.font, start, end: start + run.text.length });
      start += run.text.length;
    }
    return { text: runs.map((r) => r.text).join(''), inside, segments };
  };

  /**
   * One line of text (its widths in `widths`) wrapped at spaces to the page's text width (a word wider than the line
   * broken between characters): what pdfkit's line wrapper does for such text, without its per-word Unicode
   * line-break analysis and layout. `segments`: which font sets which units (all the primary font's when undefined);
   * `inside`: per unit, inside an unbreakable piece (another font's run), so no line ends before it.
   */
  const wrap = (text: string, inside: readonly boolean[] | undefined, segments: readonly Segment[] | undefined) => {
    let start = 0; // first unit of the line being filled
    let width = 0; // its width up to `end`
    let end = 0; // units up to here fit
    let breakAt = -1; // after the last space that fits: where to break
    while (end < text.length) {
      const w = widths[end]!;
      if (text.charCodeAt(end) === 32 && !inside?.[end]) {
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
      emit(text, inside, segments, start, cut);
      start = cut;
      end = cut;
      width = 0;
      breakAt = -1;
    }
    emit(text, inside, segments, start, text.length);
  };

  /**
   * Units [from, to) of the line, trailing spaces left out, drawn at the left margin on the next line (on a new page
   * when it would cross the bottom margin): one text object, a piece per font, each set on the primary font's
   * baseline. The text space is flipped back (`1 0 0 -1 x y Tm` under pdfkit's top-down page matrix), which puts
   * the glyphs exactly where pdfkit's own `text()` puts them, without its save, transform and restore.
   */
  const emit = (
    text: string,
    inside: readonly boolean[] | undefined,
    segments: readonly Segment[] | undefined,
    from: number,
    to: number,
  ) => {
    while (to > from && text.charCodeAt(to - 1) === 32 && !inside?.[to - 1]) to--;
    if (doc.y + lineHeight > doc.page.maxY()) {
      flush();
      doc.addPage();
    }
    const fontsOnPage = doc.page.fonts as Record<string, unknown>;
    const primaryId = primaryLayout.pdfFont.id;
    if (fontsOnPage[primaryId] == null) fontsOnPage[primaryId] = primaryLayout.pdfFont.ref();
    const left = doc.page.margins.left;
    const y = number(doc.y + ascent);
    doc.x = left;
    doc.y += lineHeight;
    if (segments === undefined || to === from) {
      // One piece in the primary font (an empty line: a space).
      const glyphs = to === from ? primaryLayout.fastLiteral(' ', 0, 1) : primaryLayout.fastLiteral(text, from, to);
      pending += `BT\n1 0 0 -1 ${number(left)} ${y} Tm\n${primaryTf}\n(${glyphs}) Tj\nET\n`;
      return;
    }
    let ops = 'BT';
    let current = '';
    let x = left;
    for (const segment of segments) {
      const a = Math.max(from, segment.start);
      const b = Math.min(to, segment.end);
      if (a >= b) continue;
      const layout = layoutOf(segment.font);
      // A primary-font segment is plain text here (`measure` sends shaped primary text to pdfkit).
      const shown = primary.has(segment.font)
        ? `(${layout.fastLiteral(text, a, b)}) Tj`
        : showGlyphs(layout.pdfFont.encode(text.slice(a, b)));
      if (shown) {
        const id = layout.pdfFont.id;
        if (fontsOnPage[id] == null) fontsOnPage[id] = layout.pdfFont.ref();
        ops += `\n1 0 0 -1 ${number(x)} ${y} Tm`;
        if (id !== current) ops += `\n/${id} ${number(size)} Tf`;
        current = id;
        ops += `\n${shown}`;
      } else {
        // Glyphs placed off their pen position (marks): pdfkit's own fragment writer places them.
        pending += `${ops}\nET\n`;
        flush();
        ops = 'BT';
        current = '';
        doc.font(segment.font);
        internals._fragment(text.slice(a, b), x, doc.y - lineHeight, { baseline: -ascent });
        doc.font(primaryFont);
      }
      for (let i = a; i < b; i++) x += (widths[i]! * size) / 1000;
    }
    pending += `${ops}\nET\n`;
  };

  /**
   * The page number, centred in the bottom margin, in its own graphics state; the text state of the page being
   * written (font, size, colour) is put back, since pages are added in the middle of writing a line.
   */
  const footer = () => {
    compressFast(doc.page);
    const [font, fontSize, color] = [internals._font, internals._fontSize, internals._fillColor];
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
    if (color) doc.fillColor(color[0], color[1]);
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
        // Awaited only when they have to wait (a font to load): no promise and microtask turn per message and line.
        const headingWritten = write(heading, 'bold', 9, '#333333');
        if (headingWritten) await headingWritten;
        const bodyWritten = write(body, 'regular', 10, '#000000');
        if (bodyWritten) await bodyWritten;
        doc.moveDown(0.6);
        // pdfkit pushes without backpressure: wait while the upload has not taken what was written.
        while (doc.readableLength > PDF_BUFFER_LIMIT && !doc.destroyed)
          await new Promise((resolve) => setTimeout(resolve, 2));
        // Laying out is synchronous work: let the instance's other requests (and timers) run now and then.
        if (++count % YIELD_EVERY_MESSAGES === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      flush();
      doc.end();
    } catch (error) {
      doc.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  })();
  return doc;
}

/** The content stream of a pdfkit page (a PDFReference: pdfkit/js/pdfkit.js). */
interface PdfkitContent {
  compress: boolean;
  buffer: Buffer[];
  data: { Filter?: string };
  finalize(): void;
}

/**
 * Compresses the page's content stream at zlib's fastest level instead of pdfkit's default (6) when pdfkit finishes
 * the page: a transcript page's text operators compress nearly as well at level 1 (bench/exportMemory.ts's
 * 100,000 messages: 7.6 MB; 7.2 MB at level 6 before glyphs were written as literal strings) in about a third of
 * the time, which had become the largest single cost of a long transcript. pdfkit has no option for the level; its
 * own deflate is skipped (`compress` off) once this one ran.
 */
function compressFast(page: PDFKit.PDFPage): void {
  const content = (page as unknown as { content?: PdfkitContent }).content;
  if (!content || typeof content.finalize !== 'function' || !Array.isArray(content.buffer)) return;
  const finalize = content.finalize;
  content.finalize = function (this: PdfkitContent) {
    if (this.compress && this.buffer.length > 0) {
      this.buffer = [deflateSync(Buffer.concat(this.buffer), { level: zlibConstants.Z_BEST_SPEED })];
      this.compress = false;
      this.data.Filter = 'FlateDecode';
    }
    finalize.call(this);
  };
}

/** The parts of pdfkit's PDFDocument this module writes to beyond its public API (pdfkit/js/pdfkit.js). */
interface PdfkitDocumentInternals {
  _font?: unknown;
  _fontSize?: number;
  _fillColor?: [string, number | undefined];
  _normalizeColor(color: string): number[] | null;
  _fragment(text: string, x: number, y: number, options: object): void;
}

interface Segment {
  font: string;
  start: number;
  end: number;
}

interface Wrapped {
  text: string;
  /** Per unit: inside an unbreakable piece (another font's run), so no line ends before it. */
  inside: readonly boolean[] | undefined;
  /** Which font sets which units. */
  segments: readonly Segment[];
}

/** A number in a content stream as pdfkit writes it (at most six decimals). */
function number(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

/**
 * pdfkit's TJ operator for glyphs laid out by a font (its `encode`): the glyphs' hex ids, with an adjustment after any
 * glyph whose advance differs from its width (kerning); undefined when a glyph is offset from its pen position.
 */
function showGlyphs([encoded, positions]: [
  string[],
  Array<{ xAdvance: number; advanceWidth: number; xOffset: number; yOffset: number }>,
]): string | undefined {
  const commands: string[] = [];
  let last = 0;
  for (let i = 0; i < positions.length; i++) {
    const position = positions[i]!;
    if (position.xOffset || position.yOffset) return undefined;
    const advance = position.xAdvance - position.advanceWidth;
    if (advance !== 0) {
      commands.push(`<${encoded.slice(last, i + 1).join('')}> ${number(-advance)}`);
      last = i + 1;
    }
  }
  if (last < encoded.length) commands.push(`<${encoded.slice(last).join('')}> 0`);
  return `[${commands.join(' ')}] TJ`;
}

/** Messages laid out between two turns of the event loop (about 10 ms of work). */
const YIELD_EVERY_MESSAGES = 200;

export async function* mapAsync<T, U>(items: AsyncIterable<T>, fn: (item: T) => U): AsyncGenerator<U> {
  for await (const item of items) yield fn(item);
}
