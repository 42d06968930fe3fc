import { describe, expect, it } from 'vitest';
import { TranscriptFonts } from '../../../src/app/compliance/pdfFonts.js';

/** The runs as "font:text" pairs, easy to compare. */
async function runs(text: string, weight: 'regular' | 'bold' = 'regular') {
  return (await new TranscriptFonts().runs(text, weight)).map((run) => `${run.font}:${run.text}`);
}

describe('TranscriptFonts: text split into runs by the font that has each character', () => {
  it('Latin text is one run in the primary font', async () => {
    expect(await runs('Grüße aus München — “Maße” ändern, 5 € …')).toEqual(['sans-regular:Grüße aus München — “Maße” ändern, 5 € …']);
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
