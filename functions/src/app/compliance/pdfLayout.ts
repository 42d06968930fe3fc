import type { Font, Glyph } from 'fontkit';

/**
 * Text layout for the PDF transcript, made cheap where it can be and bounded where it cannot.
 *
 * pdfkit lays out every word through fontkit's OpenType shaper (GSUB/GPOS), which is most of the cost of a
 * transcript, and keeps every distinct word's layout for the life of the document. Two changes, made to each font
 * pdfkit opens for the transcript (pdfkit has no option for either, so its font object is adjusted in place; the
 * tests fail if pdfkit's internals move):
 *
 * - Fast path: a word of the primary font made only of characters that need no shaping (Latin, Greek and Cyrillic
 *   letters without combining marks, digits, punctuation, see `SIMPLE_RANGES`) is laid out from the font's
 *   character map and advance widths, one glyph per character, looked up once per character (a table indexed by
 *   UTF-16 unit, so a line is checked and measured in one pass). Kerning pairs are not applied to those words (a
 *   fraction of a point here and there), the text extracts exactly as written. Everything else (Arabic,
 *   Devanagari, Japanese, emoji, combining marks) still goes through the shaper. The transcript writer (encoders.ts)
 *   draws such text itself from `fillFastWidths` and `fastLiteral`, without pdfkit's layout or text operators.
 * - Bounded cache: shaped words are kept in a least-recently-used cache of `LAYOUT_CACHE_WORDS` per font instead of
 *   pdfkit's unbounded one, so a 100,000-message transcript neither shapes its common words again and again nor keeps
 *   hundreds of thousands of distinct ones (times, numbers, names).
 */

/**
 * Characters laid out without the shaper: Latin, Greek and Cyrillic letters, digits, punctuation, symbols (ranges,
 * inclusive). Precomposed letters only: combining marks (U+0300–036F, U+0483–0489) need the shaper, so they are left
 * out. Every code point here is below `FAST_LIMIT`, so one table lookup per character tells whether it is fast.
 */
const SIMPLE_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x20, 0x7e],
  [0xa0, 0x24f],
  [0x370, 0x3ff],
  [0x400, 0x482],
  [0x48a, 0x52f],
  [0x2010, 0x2027],
  [0x2030, 0x205e],
  [0x20ac, 0x20ac],
];
const FAST_LIMIT = 0x20ad;
const SIMPLE_TABLE = new Uint8Array(FAST_LIMIT);
for (const [from, to] of SIMPLE_RANGES) SIMPLE_TABLE.fill(1, from, to + 1);

export const LAYOUT_CACHE_WORDS = 5000;

interface Position {
  xAdvance: number;
  yAdvance: number;
  xOffset: number;
  yOffset: number;
  advanceWidth: number;
}

interface Run {
  glyphs: Glyph[];
  positions: Position[];
  advanceWidth: number;
}

/** The parts of pdfkit's EmbeddedFont this module relies on (pdfkit/js/pdfkit.js, class EmbeddedFont). */
interface PdfkitEmbeddedFont {
  /** The font's resource name on a page ("F1"). */
  id: string;
  font: Font;
  scale: number;
  layoutCache?: Record<string, Run>;
  layout(
    text: string,
    features?: unknown,
    onlyWidth?: boolean,
  ): Run | { glyphs: null; positions: null; advanceWidth: number };
  encode(text: string, features?: unknown): [string[], Position[]];
  subset: { includeGlyph(id: number): number };
  widths: number[];
  unicode: number[][];
  layoutRun(text: string, features?: unknown): Run;
  layoutCached(text: string): Run;
  /** The font's dictionary, what a page's resources name. */
  ref(): unknown;
  lineHeight(size: number, includeGap?: boolean): number;
  /** Set once adjusted. */
  transcriptLayout?: TranscriptLayoutStats;
}

export interface TranscriptLayoutStats {
  /** Words laid out on the fast path. */
  fast: number;
  /** Words sent to the shaper. */
  shaped: number;
  /** Shaped words served from the cache. */
  cached: number;
  /** How many words the cache holds now. */
  size: () => number;
  /**
   * Widths (in thousandths of the font size) of each character of `text` when the whole text is on the fast path,
   * else undefined: what a line breaker needs to wrap it without laying it out again.
   */
  fastWidths: (text: string) => number[] | undefined;
  /**
   * `fastWidths` without the array: writes the widths into `out` from index `at` and answers whether the whole text
   * is on the fast path (what `out` holds is meaningless when it is not). Always false for a fallback font.
   */
  fillFastWidths: (text: string, out: Float64Array, at: number) => boolean;
  /**
   * The glyph ids of `text.slice(from, to)`, a range `fillFastWidths` accepted, as the hex string a PDF text operator
   * shows (`<…> Tj`), with the glyphs added to the embedded subset, their widths and ToUnicode entries, as pdfkit's
   * `encode` does.
   */
  fastHex: (text: string, from: number, to: number) => string;
  /**
   * The same glyph ids as the body of a PDF literal string (`(…) Tj`): two bytes per glyph, with `(`, `)`, `\\` and
   * line ends escaped. Half the bytes of the hex form, so less to build, write and deflate.
   */
  fastLiteral: (text: string, from: number, to: number) => string;
  /** The pdfkit font itself: its resource name, dictionary and line height, for writing text operators directly. */
  pdfFont: Pick<PdfkitEmbeddedFont, 'id' | 'ref' | 'lineHeight' | 'encode'>;
}

/**
 * Adjusts the font pdfkit uses now (`doc._font`, right after `doc.font(name)`) for the transcript; idempotent.
 * `primary`: whether this is the primary text font (the only one with a fast path).
 */
export function adjustCurrentFont(doc: PDFKit.PDFDocument, primary: boolean): TranscriptLayoutStats {
  const font = (doc as unknown as { _font?: PdfkitEmbeddedFont })._font;
  if (
    !font ||
    typeof font.layoutRun !== 'function' ||
    typeof font.layoutCached !== 'function' ||
    typeof font.ref !== 'function' ||
    typeof font.lineHeight !== 'function' ||
    typeof font.id !== 'string' ||
    !font.subset ||
    !Array.isArray(font.widths) ||
    !Array.isArray(font.unicode) ||
    !font.font ||
    typeof font.scale !== 'number'
  ) {
    throw new Error('pdfkit font internals changed: the transcript layout cannot adjust them (see pdfLayout.ts)');
  }
  if (font.transcriptLayout) return font.transcriptLayout;
  const shape = font.layoutRun.bind(font);
  const cache = new Map<string, Run>();

  // Per character of the fast path (indexed by UTF-16 unit, all below FAST_LIMIT): its advance width in thousandths
  // of the font size (NaN: not looked up yet; -1: not on the fast path, or the font lacks it), its glyph, the shared
  // position pdfkit's layout hands out (pdfkit reads positions and copies before changing one), and its subset id
  // as hex once drawn.
  const widthOf = new Float64Array(primary ? FAST_LIMIT : 0).fill(NaN);
  const glyphOf: Array<Glyph | undefined> = [];
  const positionOf: Array<Position | undefined> = [];
  const hexOf: Array<string | undefined> = [];
  const lookUp = (unit: number): number => {
    let width = -1;
    if (SIMPLE_TABLE[unit] === 1 && font.font.hasGlyphForCodePoint(unit)) {
      const glyph = font.font.glyphForCodePoint(unit);
      width = glyph.advanceWidth * font.scale;
      glyphOf[unit] = glyph;
      positionOf[unit] = { xAdvance: width, yAdvance: 0, xOffset: 0, yOffset: 0, advanceWidth: width };
    }
    widthOf[unit] = width;
    return width;
  };
  const fillFastWidths = (text: string, out: Float64Array, at: number): boolean => {
    if (!primary) return false;
    for (let i = 0; i < text.length; i++) {
      const unit = text.charCodeAt(i);
      if (unit >= FAST_LIMIT) return false;
      let width = widthOf[unit]!;
      if (width !== width) width = lookUp(unit); // NaN: first time
      if (width < 0) return false;
      out[at + i] = width;
    }
    return true;
  };
  let scratch = new Float64Array(256);
  const isFast = (text: string): boolean => {
    if (scratch.length < text.length) scratch = new Float64Array(text.length * 2);
    return fillFastWidths(text, scratch, 0);
  };
  const fastWidths = (text: string): number[] | undefined =>
    isFast(text) ? Array.from(scratch.subarray(0, text.length)) : undefined;
  const fastHex = (text: string, from: number, to: number): string => {
    let hex = '';
    for (let i = from; i < to; i++) {
      const unit = text.charCodeAt(i);
      let unitHex = hexOf[unit];
      if (unitHex === undefined) {
        const glyph = glyphOf[unit];
        if (!glyph) throw new Error(`fastHex: U+${unit.toString(16)} is not on the fast path`);
        const gid = font.subset.includeGlyph(glyph.id);
        unitHex = `0000${gid.toString(16)}`.slice(-4);
        hexOf[unit] = unitHex;
        font.widths[gid] ??= glyph.advanceWidth * font.scale;
        font.unicode[gid] ??= glyph.codePoints;
      }
      hex += unitHex;
    }
    return hex;
  };
  const literalOf: Array<string | undefined> = [];
  const fastLiteral = (text: string, from: number, to: number): string => {
    let literal = '';
    for (let i = from; i < to; i++) {
      const unit = text.charCodeAt(i);
      let unitLiteral = literalOf[unit];
      if (unitLiteral === undefined) {
        const gid = parseInt(fastHex(text, i, i + 1), 16);
        unitLiteral = literalByte(gid >> 8) + literalByte(gid & 0xff);
        literalOf[unit] = unitLiteral;
      }
      literal += unitLiteral;
    }
    return literal;
  };
  const stats: TranscriptLayoutStats = {
    fast: 0,
    shaped: 0,
    cached: 0,
    size: () => cache.size,
    fastWidths,
    fillFastWidths,
    fastHex,
    fastLiteral,
    pdfFont: font,
  };

  const fast = (text: string): Run | undefined => {
    if (!isFast(text)) return undefined;
    const glyphs: Glyph[] = new Array<Glyph>(text.length);
    const positions: Position[] = new Array<Position>(text.length);
    let advanceWidth = 0;
    for (let i = 0; i < text.length; i++) {
      const unit = text.charCodeAt(i);
      glyphs[i] = glyphOf[unit]!;
      positions[i] = positionOf[unit]!;
      advanceWidth += scratch[i]!;
    }
    return { glyphs, positions, advanceWidth };
  };

  font.layoutCached = (text: string): Run => {
    if (primary) {
      const run = fast(text);
      if (run) {
        stats.fast++;
        return run;
      }
    }
    const hit = cache.get(text);
    if (hit) {
      // Most recently used last: the first key is the one to drop.
      cache.delete(text);
      cache.set(text, hit);
      stats.cached++;
      return hit;
    }
    const run = shape(text);
    stats.shaped++;
    cache.set(text, run);
    if (cache.size > LAYOUT_CACHE_WORDS) cache.delete(cache.keys().next().value!);
    return run;
  };
  if (primary) {
    // pdfkit lays a line out word by word and concatenates the words' glyph arrays (quadratic in the line's words);
    // a line on the fast path is laid out in one go.
    const byWords = font.layout.bind(font);
    font.layout = (text, features, onlyWidth) => {
      const run = features ? undefined : fast(text);
      if (!run) return byWords(text, features, onlyWidth);
      stats.fast++;
      return run;
    };
    // pdfkit's encode, for a fast-path line: each glyph's subset id as hex, remembered per character rather than
    // formatted again for every glyph drawn; the subset, widths and ToUnicode entries are set as pdfkit sets them.
    const encodeByWords = font.encode.bind(font);
    font.encode = (text, features) => {
      const run = features ? undefined : fast(text);
      if (!run) return encodeByWords(text, features);
      stats.fast++;
      const hex: string[] = new Array<string>(text.length);
      for (let i = 0; i < text.length; i++) hex[i] = fastHex(text, i, i + 1);
      return [hex, run.positions];
    };
  }
  // pdfkit's own cache is no longer read; drop it so it cannot grow.
  delete font.layoutCache;
  font.transcriptLayout = stats;
  return stats;
}

/** A byte inside a PDF literal string (ISO 32000-1, 7.3.4.2): parentheses, backslash and line ends escaped. */
function literalByte(byte: number): string {
  switch (byte) {
    case 0x28:
      return '\\(';
    case 0x29:
      return '\\)';
    case 0x5c:
      return '\\\\';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    default:
      return String.fromCharCode(byte);
  }
}
