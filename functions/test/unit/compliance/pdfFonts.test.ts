import { describe, expect, it } from 'vitest';
import { TranscriptFonts } from '../../../src/app/compliance/pdfFonts.js';
import { adjustCurrentFont, LAYOUT_CACHE_WORDS } from '../../../src/app/compliance/pdfLayout.js';

/** The runs as "font:text" pairs, easy to compare. */
async function runs(text: string, weight: 'regular' | 'bold' = 'regular') {
  return (await new TranscriptFonts().runs(text, weight)).map((run) => `${run.font}:${run.text}`);
}

describe('TranscriptFonts: text split into runs by the font that has each character', () => {
  it('Latin text is one run in the primary font', async () => {
    expect(await runs('Grüße aus München — “Maße” ändern, 5 € …')).toEqual([
      'sans-regular:Grüße aus München — “Maße” ändern, 5 € …',
    ]);
    expect(await runs('Привет, как дела? مرحبا', 'bold')).toEqual(['sans-bold:Привет, как дела? مرحبا']);
    expect(await runs('')).toEqual([]);
  });

  it('switches font per script, keeping digits, spaces and punctuation with the text they are in', async () => {
    expect(await runs('Hello 日本語の漆器を3つ、and नमस्ते। 🧶!')).toEqual([
      'sans-regular:Hello ',
      'jp-regular:日本語の漆器を3つ、',
      'sans-regular:and ',
      'devanagari-regular:नमस्ते। ',
      'emoji-regular:🧶',
      'sans-regular:!',
    ]);
  });

  it('keeps emoji sequences whole and honours the emoji variation selector', async () => {
    expect(await runs('👩‍👩‍👧 👍🏽')).toEqual(['emoji-regular:👩‍👩‍👧', 'sans-regular: ', 'emoji-regular:👍🏽']);
    // ❤ is text by default (the primary font has it); ❤️ (with U+FE0F) asks for the emoji.
    expect(await runs('❤ ❤️')).toEqual(['sans-regular:❤ ', 'emoji-regular:❤️']);
  });

  it('names a character no font has by its code point, and leaves out invisible controls', async () => {
    expect(await runs('Korean 한글 ok')).toEqual(['sans-regular:Korean [U+D55C][U+AE00] ok']);
    expect(await runs('bell\u0007 here')).toEqual(['sans-regular:bell here']);
  });

  it('baseline: the primary font ascent at the given size', async () => {
    const baseline = await new TranscriptFonts().baseline('regular', 10);
    expect(baseline).toBeGreaterThan(8);
    expect(baseline).toBeLessThan(10);
  });
});

describe('pdfLayout: the fast path for plain text and the bounded cache of shaped words', () => {
  async function documentWith(font: 'sans-regular' | 'jp-regular', primary: boolean) {
    const { default: PDFDocument } = await import('pdfkit');
    const fonts = new TranscriptFonts();
    await fonts.runs(font === 'jp-regular' ? '日本' : 'x', 'regular');
    const doc = new PDFDocument({ size: 'A4' });
    doc.registerFont(font, fonts.fontFile(font));
    doc.font(font);
    const stats = adjustCurrentFont(doc, primary);
    const embedded = (
      doc as unknown as {
        _font: {
          layoutCached(t: string): { glyphs: Array<{ id: number }>; advanceWidth: number };
          font: { layout(t: string): { glyphs: Array<{ id: number }>; advanceWidth: number } };
          scale: number;
          encode(t: string): [string[], unknown[]];
        };
      }
    )._font;
    return { doc, stats, embedded };
  }

  it('lays out plain Latin, Greek and Cyrillic without the shaper, with the glyphs the shaper would choose', async () => {
    const { stats, embedded } = await documentWith('sans-regular', true);
    for (const text of ['Grüße aus München, 5 € — “quoted” …', 'Привет, как дела?', 'Ελληνικά']) {
      const fast = embedded.layoutCached(text);
      const shaped = embedded.font.layout(text);
      expect(fast.glyphs.map((g) => g.id)).toEqual(shaped.glyphs.map((g) => g.id));
      // Only kerning pairs differ: within 2% of the shaped width.
      expect(Math.abs(fast.advanceWidth - shaped.advanceWidth * embedded.scale)).toBeLessThan(0.02 * fast.advanceWidth);
      expect(stats.fastWidths(text)).toHaveLength(text.length);
    }
    expect(stats).toMatchObject({ fast: 3, shaped: 0 });
    // The encoded glyphs are the subset's ids, one per character.
    expect(embedded.encode('Hello')[0]).toHaveLength(5);
  });

  it('sends text that needs shaping to the shaper: Arabic joins, combining marks', async () => {
    const { stats, embedded } = await documentWith('sans-regular', true);
    const arabic = embedded.layoutCached('مرحبا');
    // Contextual forms: the shaper picks other glyphs than the character map's isolated ones.
    const isolated = [...'مرحبا'].map((c) => embedded.font.layout(c).glyphs[0]!.id);
    expect(arabic.glyphs.map((g) => g.id)).not.toEqual(isolated);
    embedded.layoutCached('e\u0301');
    expect(stats.fastWidths('مرحبا')).toBeUndefined();
    expect(stats.fastWidths('e\u0301')).toBeUndefined();
    expect(stats).toMatchObject({ fast: 0, shaped: 2 });
  });

  it(`keeps at most ${LAYOUT_CACHE_WORDS} shaped words per font, the most recently used`, async () => {
    const { stats, embedded } = await documentWith('jp-regular', false);
    const word = (i: number) => [...String(i)].map((d) => String.fromCharCode(0x4e00 + Number(d))).join('');
    embedded.layoutCached('漆器');
    for (let i = 0; i < LAYOUT_CACHE_WORDS + 500; i++) {
      embedded.layoutCached(word(i));
      if (i % 1000 === 0) embedded.layoutCached('漆器');
    }
    expect(stats.size()).toBe(LAYOUT_CACHE_WORDS);
    const shaped = stats.shaped;
    embedded.layoutCached('漆器');
    expect(stats.shaped).toBe(shaped); // still cached: used recently
    embedded.layoutCached(word(0));
    expect(stats.shaped).toBe(shaped + 1); // dropped: the oldest
    // A fallback font has no fast path, even for characters it has.
    expect(stats.fastWidths('abc')).toBeUndefined();
  });

  it('refuses to run on a pdfkit whose font internals it does not know', async () => {
    const { default: PDFDocument } = await import('pdfkit');
    const doc = new PDFDocument();
    (doc as unknown as { _font: object })._font = { layout: () => undefined };
    expect(() => adjustCurrentFont(doc, true)).toThrow(/pdfkit font internals changed/);
  });
});

describe('the fast paths pick the font the per-character rules pick', () => {
  /** Texts on the edges of the fast paths: emoji presentation, variation selectors, marks, shared characters. */
  const CORPUS = [
    'Plain hello #12, café — “quoted” … 5 €',
    'Привет, как дела? Ελληνικά',
    '❤ ❤️ © ©️ #️⃣ 1️⃣ ™ → ★',
    'Yarn 🧶 and needles 🪡, café #3',
    'Hello 日本語の漆器を3つ、and नमस्ते। 🧶!',
    '漆器 3 ok',
    'مرحبا 12 שלום',
    'e\u0301 a\u0308 \u0483x',
    'Korean 한글 ok',
    'soft\u00adhyphen and\u200dzwj',
    'bell\u0007 here',
    '👩‍👩‍👧 👍🏽 then text',
    '\u3000全角ＡＢ１２',
    'line\u2028separator',
    '',
  ];
  const POOL = [
    ...'aZ 3.,!?-éØßĳœ'.split(''),
    'ё',
    'Ω',
    '、',
    '日',
    'の',
    '🧶',
    '❤',
    '\ufe0f',
    '\u200d',
    '\u0301',
    'م',
    'न',
    '्',
    '한',
    '#',
    '©',
    '👍',
    '\u{1F3FD}',
    '\u00ad',
    '\u0007',
    '™',
    '€',
    '—',
    '\u3000',
    'Ａ',
    '٣',
    '\u2028',
    '⌚',
  ];
  /** Deterministic texts of 1 to 12 characters from POOL (a fixed seed: a failure reproduces). */
  function randomTexts(count: number): string[] {
    let seed = 20261202;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    return Array.from({ length: count }, () =>
      Array.from({ length: 1 + Math.floor(next() * 12) }, () => POOL[Math.floor(next() * POOL.length)]!).join(''),
    );
  }
  const texts = [...CORPUS, ...randomTexts(400)];

  it('runs: stretches of primary-font characters give the runs of the per-character rules', async () => {
    const fonts = new TranscriptFonts();
    for (const weight of ['regular', 'bold'] as const)
      for (const text of texts)
        expect(await fonts.runs(text, weight), JSON.stringify(text)).toEqual(await fonts.runsByCharacter(text, weight));
  });

  it('pdfLayout: a line the fast path takes whole is the one run of the primary font that runs answers', async () => {
    const { default: PDFDocument } = await import('pdfkit');
    const fonts = new TranscriptFonts();
    let taken = 0;
    for (const weight of ['regular', 'bold'] as const) {
      await fonts.baseline(weight, 10);
      const doc = new PDFDocument({ size: 'A4' });
      const name = fonts.primaryFont(weight);
      doc.registerFont(name, fonts.fontFile(name));
      doc.font(name);
      const layout = adjustCurrentFont(doc, true);
      const widths = new Float64Array(64);
      for (const text of texts) {
        if (!text || !layout.fillFastWidths(text, widths, 0)) continue;
        taken++;
        expect(await fonts.runsByCharacter(text, weight), JSON.stringify(text)).toEqual([{ font: name, text }]);
        expect(Array.from(widths.subarray(0, text.length))).toEqual(layout.fastWidths(text));
      }
      // Never for text that needs another font or the shaper.
      for (const text of ['🧶', '❤️', '日本', 'مرحبا', 'e\u0301', '한', '\u0007', 'a\u200db'])
        expect(layout.fillFastWidths(text, widths, 0), JSON.stringify(text)).toBe(false);
    }
    expect(taken).toBeGreaterThan(20);
  });
});

describe('the transcript writes plain text as literal strings of glyph ids', () => {
  it('every character of the fast path extracts as written, whatever bytes its glyph id has ( ) \\ CR LF', async () => {
    const { pdfTranscript } = await import('../../../src/app/compliance/encoders.js');
    const fonts = new TranscriptFonts();
    await fonts.baseline('regular', 10);
    const { default: PDFDocument } = await import('pdfkit');
    const probe = new PDFDocument();
    probe.registerFont('sans-regular', fonts.fontFile('sans-regular'));
    probe.font('sans-regular');
    const layout = adjustCurrentFont(probe, true);
    const widths = new Float64Array(1);
    const chars: string[] = [];
    for (let unit = 0x21; unit < 0x20ad; unit++) {
      const char = String.fromCharCode(unit);
      // Whitespace and the soft hyphen extract as spaces or not at all: left out of the comparison.
      if (/[\s\u00ad]/.test(char) || !layout.fillFastWidths(char, widths, 0)) continue;
      chars.push(char);
    }
    // Enough distinct glyphs for subset ids past 0x0a, 0x0d, 0x28, 0x29, 0x5c and past one byte.
    expect(chars.length).toBeGreaterThan(600);
    // A literal string holds any byte but unescaped parentheses, backslashes and line ends (a reader turns CR into LF).
    const literal = layout.fastLiteral(chars.join(''), 0, chars.length);
    expect(literal).not.toMatch(/[\r\n]/);
    expect(literal.replace(/\\[\\()nr]/g, '')).not.toMatch(/[()\\]/);
    const lines: string[] = [];
    for (let i = 0; i < chars.length; i += 40) lines.push(chars.slice(i, i + 40).join(''));
    async function* entries() {
      for (const [i, line] of lines.entries()) yield { heading: `Line ${i}`, body: line };
    }
    const header = { title: 'Glyphs', lines: [], createdAt: new Date(0), pageLabel: (n: number) => `Page ${n}` };
    const bytes = Buffer.concat(await (await pdfTranscript(header, entries())).toArray());
    const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
    const doc = await pdfjs.getDocument({ data: new Uint8Array(bytes), verbosity: 0 }).promise;
    const extracted: string[] = [];
    for (let p = 1; p <= doc.numPages; p++)
      for (const item of (await (await doc.getPage(p)).getTextContent()).items)
        if ('str' in item && item.str.trim() && !/^(Line \d+|Page \d+|Glyphs)$/.test(item.str))
          extracted.push(item.str);
    // Compatibility forms (µ and μ, the Greek question mark and ;) share a glyph, which extracts as one of them.
    const nfkc = (texts: string[]) => texts.map((text) => text.normalize('NFKC'));
    expect(nfkc(extracted)).toEqual(nfkc(lines));
  });
});
