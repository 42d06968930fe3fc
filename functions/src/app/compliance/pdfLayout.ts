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
 *   letters without combining marks, digits, punctuation, see `SIMPLE`) is laid out from the font's character map and
 *   advance widths, one glyph per character, looked up once per character. Kerning pairs are not applied to those
 *   words (a fraction of a point here and there), the text extracts exactly as written. Everything else (Arabic,
 *   Devanagari, Japanese, emoji, combining marks) still goes through the shaper.
 * - Bounded cache: shaped words are kept in a least-recently-used cache of `LAYOUT_CACHE_WORDS` per font instead of
 *   pdfkit's unbounded one, so a 100,000-message transcript neither shapes its common words again and again nor keeps
 *   hundreds of thousands of distinct ones (times, numbers, names).
 */

/** Characters laid out without the shaper: Latin, Greek and Cyrillic letters, digits, punctuation, symbols. */
const SIMPLE = /^[\x20-\x7e\u00a0-\u024f\u0370-\u03ff\u0400-\u052f\u2010-\u2027\u2030-\u205e\u20ac]*$/;
/** Precomposed letters only: a combining mark or a character the shaper would reorder or join leaves the fast path. */
const NEEDS_SHAPING = /[\u0300-\u036f\u0483-\u0489]/;

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
    !font.font ||
    typeof font.scale !== 'number'
  ) {
    throw new Error('pdfkit font internals changed: the transcript layout cannot adjust them (see pdfLayout.ts)');
  }
  if (font.transcriptLayout) return font.transcriptLayout;
  const shape = font.layoutRun.bind(font);
  const cache = new Map<string, Run>();
  const perChar = new Map<number, { glyph: Glyph; position: Position; hex?: string }>();
  const entryFor = (cp: number) => {
    let entry = perChar.get(cp);
    if (!entry) {
      if (!font.font.hasGlyphForCodePoint(cp)) return undefined;
      const glyph = font.font.glyphForCodePoint(cp);
      const width = glyph.advanceWidth * font.scale;
      // Shared by every word with this character: pdfkit reads positions and copies before changing one.
      entry = { glyph, position: { xAdvance: width, yAdvance: 0, xOffset: 0, yOffset: 0, advanceWidth: width } };
      perChar.set(cp, entry);
    }
    return entry;
  };
  const fastWidths = (text: string): number[] | undefined => {
    if (!primary || !SIMPLE.test(text) || NEEDS_SHAPING.test(text)) return undefined;
    const widths: number[] = [];
    for (let i = 0; i < text.length; i++) {
      const entry = entryFor(text.charCodeAt(i));
      if (!entry) return undefined;
      widths.push(entry.position.xAdvance);
    }
    return widths;
  };
  const stats: TranscriptLayoutStats = { fast: 0, shaped: 0, cached: 0, size: () => cache.size, fastWidths };

  const fast = (text: string): Run | undefined => {
    if (!SIMPLE.test(text) || NEEDS_SHAPING.test(text)) return undefined;
    const glyphs: Glyph[] = [];
    const positions: Position[] = [];
    let advanceWidth = 0;
    for (let i = 0; i < text.length; i++) {
      const entry = entryFor(text.charCodeAt(i));
      if (!entry) return undefined;
      glyphs.push(entry.glyph);
      positions.push(entry.position);
      advanceWidth += entry.position.xAdvance;
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
      for (let i = 0; i < text.length; i++) {
        const entry = perChar.get(text.charCodeAt(i))!;
        if (entry.hex === undefined) {
          const gid = font.subset.includeGlyph(entry.glyph.id);
          entry.hex = `0000${gid.toString(16)}`.slice(-4);
          font.widths[gid] ??= entry.glyph.advanceWidth * font.scale;
          font.unicode[gid] ??= entry.glyph.codePoints;
        }
        hex[i] = entry.hex;
      }
      return [hex, run.positions];
    };
  }
  // pdfkit's own cache is no longer read; drop it so it cannot grow.
  delete font.layoutCache;
  font.transcriptLayout = stats;
  return stats;
}
