import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FONT_FILES, FONTS_DIR } from '../../../src/app/compliance/pdfFonts.js';

/** What scripts/vendor-fonts.mjs recorded: per family, the package it copied from and each file's sha256. */
interface Source {
  dir: string;
  package: string;
  version: string;
  files: Record<string, { from: string; sha256: string }>;
}
const sources = JSON.parse(readFileSync(join(FONTS_DIR, 'sources.json'), 'utf8')) as Source[];

/** Every file under functions/fonts/, as a path relative to it. */
function shipped(dir = FONTS_DIR, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? shipped(join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`],
  );
}

describe('functions/fonts: the PDF faces ship as committed files, only the ones used, with their licences', () => {
  it('holds exactly the faces pdfFonts.ts can load: none missing, no unused face deployed', () => {
    const faces = shipped().filter((path) => /\.(ttf|otf)$/i.test(path));
    expect(faces.sort()).toEqual([...FONT_FILES].sort());
    for (const file of FONT_FILES) expect(existsSync(join(FONTS_DIR, file)), file).toBe(true);
  });

  it('every face has its family licence next to it', () => {
    for (const file of FONT_FILES) {
      const dir = file.slice(0, file.lastIndexOf('/'));
      const licence = ['LICENSE', 'OFL.txt'].map((name) => join(FONTS_DIR, dir, name)).find((path) => existsSync(path));
      expect(licence, `licence for ${file}`).toBeDefined();
      expect(readFileSync(licence!, 'utf8')).toMatch(/SIL Open Font License, Version 1\.1|Bitstream Vera/);
    }
  });

  it('every file is byte for byte the one copied from the package sources.json names', () => {
    const recorded = sources.flatMap((source) =>
      Object.entries(source.files).map(([name, file]) => ({ path: `${source.dir}/${name}`, ...file })),
    );
    expect(recorded.map((file) => file.path).sort()).toEqual(
      shipped()
        .filter((path) => path !== 'sources.json')
        .sort(),
    );
    for (const file of recorded) {
      const sha256 = createHash('sha256')
        .update(readFileSync(join(FONTS_DIR, file.path)))
        .digest('hex');
      expect(sha256, file.path).toBe(file.sha256);
    }
  });
});
