import { resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import unzipper from 'unzipper';

/** Reads exports back the way a recipient would: real parsers, not string matching on what we wrote. */
export function parseCsv(bytes: Buffer): Array<Record<string, string>> {
  return parse(bytes, { bom: true, columns: true, skip_empty_lines: false, relax_column_count: false }) as Array<
    Record<string, string>
  >;
}

/** The text as a reader extracts it, and the names of the embedded fonts (without the subset prefix pdfkit adds). */
export async function pdfText(bytes: Buffer): Promise<{ pages: number; text: string; fonts: string[] }> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const standardFontDataUrl = `${resolve('../node_modules/pdfjs-dist/standard_fonts')}/`;
  const doc = await pdfjs.getDocument({ data: new Uint8Array(bytes), standardFontDataUrl, verbosity: 0 }).promise;
  const parts: string[] = [];
  const fonts = new Set<string>();
  for (let i = 1; i <= doc.numPages; i++) {
    const content = await (await doc.getPage(i)).getTextContent();
    parts.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' '));
  }
  // The font names are in the file itself: /BaseFont /ABCDEF+DejaVuSans.
  for (const match of bytes.toString('latin1').matchAll(/\/BaseFont \/(?:[A-Z]{6}\+)?([A-Za-z0-9-]+)/g))
    fonts.add(match[1]!);
  return { pages: doc.numPages, text: parts.join('\n'), fonts: [...fonts] };
}

export async function unzip(bytes: Buffer): Promise<Map<string, Buffer>> {
  const directory = await unzipper.Open.buffer(bytes);
  const files = new Map<string, Buffer>();
  for (const file of directory.files) files.set(file.path, await file.buffer());
  return files;
}
