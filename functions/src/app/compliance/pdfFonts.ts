import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Font } from 'fontkit';

/**
 * Fonts for the PDF transcript. A standard PDF font covers Western European text only, and pdfkit does not fall
 * back per glyph, so the transcript embeds TrueType fonts and splits every text into runs, each
 * set in the first font that has its glyphs:
 *
 * - DejaVu Sans: Latin, Greek, Cyrillic, Arabic, Hebrew, Armenian, Georgian, symbols. Always the first choice.
 * - Noto Sans JP: kana and kanji (and the Han characters Chinese shares with Japanese); Noto Sans Devanagari: Hindi,
 *   Marathi, Nepali; Noto Emoji: monochrome emoji. Each is read from disk only when a run needs it, so a transcript
 *   in English never loads them, and pdfkit embeds only the glyphs used (subsetting).
 *
 * A character no font has (Hangul, Thai, Chinese characters Japanese does not use) is written as `[U+XXXX]`, so
 * the reader sees that something is there and can look it up; the JSON and CSV exports keep every character.
 *
 * The faces are files committed in functions/fonts/ (two weights of four families, 14.6 MB, each family with its
 * licence), copied from their npm packages by scripts/vendor-fonts.mjs: as dependencies the packages put ~70 MB of
 * unused weights into every deployed function.
 */

export type Weight = 'regular' | 'bold';

interface Face {
  key: string;
  /** Paths under functions/fonts/. */
  files: Record<Weight, string>;
  /** Characters this fallback is there for; others never load it. The primary face has none: it is tried first for everything. */
  serves?: RegExp;
}

const FACES: readonly Face[] = [
  { key: 'sans', files: { regular: 'dejavu/DejaVuSans.ttf', bold: 'dejavu/DejaVuSans-Bold.ttf' } },
  {
    key: 'jp',
    files: { regular: 'noto-sans-jp/NotoSansJP_400Regular.ttf', bold: 'noto-sans-jp/NotoSansJP_700Bold.ttf' },
    // Han, kana, CJK punctuation and symbols, full-width forms.
    serves:
      /[\p{Script_Extensions=Han}\p{Script_Extensions=Hiragana}\p{Script_Extensions=Katakana}\u3000-\u303f\u3200-\u33ff\uff00-\uffef]/u,
  },
  {
    key: 'devanagari',
    files: {
      regular: 'noto-sans-devanagari/NotoSansDevanagari_400Regular.ttf',
      bold: 'noto-sans-devanagari/NotoSansDevanagari_700Bold.ttf',
    },
    serves: /\p{Script_Extensions=Devanagari}/u,
  },
  {
    key: 'emoji',
    files: { regular: 'noto-emoji/NotoEmoji_400Regular.ttf', bold: 'noto-emoji/NotoEmoji_700Bold.ttf' },
    // Pictographs, skin tones and flag letters; digits, # and * (also "emoji") stay with the text font.
    serves: /[\p{Extended_Pictographic}\u{1F3FB}-\u{1F3FF}\u{1F1E6}-\u{1F1FF}]/u,
  },
];

/** functions/fonts/, from src/app/compliance (tests, tsx) and from lib/app/compliance (deployed) alike. */
export const FONTS_DIR = join(__dirname, '..', '..', '..', 'fonts');

/** Every font file the transcript can load, relative to FONTS_DIR: what functions/fonts/ must hold, and all it ships. */
export const FONT_FILES: readonly string[] = FACES.flatMap((face) => [face.files.regular, face.files.bold]);

const PRIMARY = FACES[0]!;
const EMOJI = FACES.find((face) => face.key === 'emoji')!;

/** A piece of text set in one font: `font` is the name to give pdfkit (registered with `fontFile`). */
export interface Run {
  font: string;
  text: string;
}

/** Joins the character before it (marks, zero-width joiners, variation selectors, skin tones, tags, keycap). */
const CLUSTER_CONTINUATION = /[\p{M}\p{Cf}\u{1F3FB}-\u{1F3FF}]/u;
/**
 * Characters every script uses (digits, punctuation, spaces): they stay in the run they are in when its font has
 * them, so "3つ、" is set in one font. Not in an emoji run: the emoji font's space and digits are emoji-wide.
 */
const SHARED = /[\p{Script=Common}\p{Script=Inherited}]/u;
/** Emoji drawn as emoji by default, or when a variation selector 16 (U+FE0F) asks for it. */
const EMOJI_PRESENTATION = /\p{Emoji_Presentation}/u;
const EMOJI_CHARACTER = /\p{Emoji}/u;
/** The first character drawn as an emoji by default (U+231A WATCH): no character below it has Emoji_Presentation. */
const FIRST_EMOJI_PRESENTATION = 0x231a;
const INVISIBLE = /[\p{Cf}\p{Cc}\ufe00-\ufe0f]/u;
/** Basic Latin, Latin-1 and Latin Extended-A, General Punctuation, the euro: DejaVu Sans has every one of them. */
const PRIMARY_IN_FULL = /^[\x20-\x7e\u00a0-\u017f\u2010-\u2027\u2030-\u205e\u20ac]*$/;

/** Font files read and parsed once per instance, shared by every export it runs. */
const loaded = new Map<string, Promise<{ bytes: Buffer; font: Font }>>();

/**
 * The fonts of one PDF document. `runs(text, weight)` loads the fonts the text needs, then splits it; the caller
 * registers each run's font with pdfkit (`fontFile`) before using it.
 */
export class TranscriptFonts {
  private readonly fonts = new Map<string, Font>();
  private readonly files = new Map<string, Buffer>();
  /** Per weight, per UTF-16 unit below U+231A: whether the primary font has it (0: not looked up, 1: yes, 2: no). */
  private readonly plain: Partial<Record<Weight, Uint8Array>> = {};

  /** The bytes of a font `runs` returned, for `doc.registerFont(name, bytes)`. */
  fontFile(name: string): Buffer {
    const bytes = this.files.get(name);
    if (!bytes) throw new Error(`font ${name} was not loaded`);
    return bytes;
  }

  /**
   * Where the baseline sits below the top of a line, in points: the primary font's ascent. Every run is set on it,
   * so a Japanese name (whose font has a taller ascent) and the Latin text after it share one baseline.
   */
  async baseline(weight: Weight, size: number): Promise<number> {
    await this.load(PRIMARY, weight);
    const font = this.fonts.get(fontName(PRIMARY, weight))!;
    return (font.ascent / font.unitsPerEm) * size;
  }

  /** The font of text without any characters (an empty line). */
  primaryFont(weight: Weight): string {
    return fontName(PRIMARY, weight);
  }

  async runs(text: string, weight: Weight): Promise<Run[]> {
    await this.load(PRIMARY, weight);
    // Most messages are Latin text the primary font has in full: one run, no per-character work.
    if (PRIMARY_IN_FULL.test(text)) return text ? [{ font: fontName(PRIMARY, weight), text }] : [];
    for (const face of FACES) {
      if (face.serves && !this.fonts.has(fontName(face, weight)) && face.serves.test(text))
        await this.load(face, weight);
    }
    return this.split(text, weight, true);
  }

  /**
   * The runs the per-character rules alone make, without `runs`' shortcuts (the whole text in the primary font,
   * stretches of its characters taken as one slice): what `runs` must answer, which the tests compare.
   */
  async runsByCharacter(text: string, weight: Weight): Promise<Run[]> {
    await this.runs(text, weight); // loads the fonts the text needs
    return this.split(text, weight, false);
  }

  private split(text: string, weight: Weight, stretches: boolean): Run[] {
    const runs: Run[] = [];
    const primary = this.fonts.get(fontName(PRIMARY, weight))!;
    const plain = (this.plain[weight] ??= new Uint8Array(FIRST_EMOJI_PRESENTATION));
    let current: { face: Face; text: string } | undefined;
    const push = (face: Face, piece: string) => {
      if (current?.face === face) current.text += piece;
      else {
        if (current) runs.push({ font: fontName(current.face, weight), text: current.text });
        current = { face, text: piece };
      }
    };
    for (let i = 0; i < text.length;) {
      // A stretch of characters the primary font has, none of them asking for an emoji, in (or starting) a run of
      // the primary font, is taken as one slice: what the per-character rules below decide for each of them (the
      // primary font is every character's first choice, and keeps the shared ones it has), without their lookups.
      if (stretches && (current === undefined || current.face === PRIMARY)) {
        let end = i;
        while (end < text.length) {
          const unit = text.charCodeAt(end);
          if (unit >= FIRST_EMOJI_PRESENTATION || text.charCodeAt(end + 1) === 0xfe0f) break;
          let has = plain[unit]!;
          if (has === 0) plain[unit] = has = primary.hasGlyphForCodePoint(unit) ? 1 : 2;
          if (has !== 1) break;
          end++;
        }
        if (end > i) {
          push(PRIMARY, text.slice(i, end));
          i = end;
          continue;
        }
      }
      const cp = text.codePointAt(i)!;
      const char = String.fromCodePoint(cp);
      const next = i + char.length;
      i = next;
      const wantsEmoji =
        EMOJI_PRESENTATION.test(char) || (text.charCodeAt(next) === 0xfe0f && EMOJI_CHARACTER.test(char));
      const stays = CLUSTER_CONTINUATION.test(char) || (SHARED.test(char) && !wantsEmoji && current?.face !== EMOJI);
      if (current && stays && this.has(current.face, weight, cp)) {
        current.text += char;
        continue;
      }
      const face = this.faceFor(char, cp, wantsEmoji, weight);
      if (face) push(face, char);
      // An invisible joiner, selector or control character no font in reach can draw is left out, not drawn as a box.
      else if (INVISIBLE.test(char)) continue;
      else push(PRIMARY, `[U+${cp.toString(16).toUpperCase().padStart(4, '0')}]`);
    }
    if (current) runs.push({ font: fontName(current.face, weight), text: current.text });
    return runs;
  }

  private faceFor(char: string, cp: number, wantsEmoji: boolean, weight: Weight): Face | undefined {
    if (wantsEmoji && this.has(EMOJI, weight, cp)) return EMOJI;
    return FACES.find((face) => (!face.serves || face.serves.test(char)) && this.has(face, weight, cp));
  }

  private has(face: Face, weight: Weight, cp: number): boolean {
    return this.fonts.get(fontName(face, weight))?.hasGlyphForCodePoint(cp) ?? false;
  }

  private async load(face: Face, weight: Weight): Promise<void> {
    const name = fontName(face, weight);
    if (this.fonts.has(name)) return;
    const key = face.files[weight];
    if (!loaded.has(key)) {
      const loading = (async () => {
        const fontkit = await import('fontkit');
        const bytes = await readFile(join(FONTS_DIR, face.files[weight]));
        return { bytes, font: fontkit.create(bytes) as Font };
      })();
      loaded.set(key, loading);
      loading.catch(() => loaded.delete(key));
    }
    const { bytes, font } = await loaded.get(key)!;
    this.fonts.set(name, font);
    this.files.set(name, bytes);
  }
}

function fontName(face: Face, weight: Weight): string {
  return `${face.key}-${weight}`;
}
