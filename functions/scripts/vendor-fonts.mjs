// `node scripts/vendor-fonts.mjs`: copies the font faces the PDF transcript uses (src/app/compliance/pdfFonts.ts)
// from their npm packages into functions/fonts/, with each family's licence next to its files, and records where
// every file came from in fonts/sources.json (package, version, tarball integrity, sha256 of the file).
//
// Why: the four font packages hold ~70 MB of faces (nine weights of Noto Sans JP alone are 49 MB), and as
// dependencies Cloud Build installs all of them into every deployed function, while the transcript reads two weights
// of four families (14.6 MB). Committing just those files ships only what is read, and a dev install no longer
// downloads the rest either. The fonts' licences allow it: DejaVu (Bitstream Vera / Arev licence, DejaVu changes in
// the public domain) and Noto (SIL Open Font License 1.1) both permit redistributing the unmodified fonts as long as
// the licence travels with them.
//
// Run it only to change a face or a version: edit SOURCES (version and the tarball's integrity, which `npm view
// <pkg>@<version> dist.integrity` prints), run it, run the PDF tests, commit fonts/. It fetches the tarballs with
// `npm pack` (the npm cache or registry) and refuses one whose integrity differs from SOURCES.
// test/unit/compliance/pdfFontFiles.test.ts checks that the committed files are the recorded ones and exactly the
// faces pdfFonts.ts loads.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const functionsDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const fontsDir = join(functionsDir, 'fonts');

/** Per family: the package and tarball, the files taken (package path → fonts/ path) and the licence file. */
const SOURCES = [
  {
    dir: 'dejavu',
    pkg: 'dejavu-fonts-ttf',
    version: '2.37.3',
    integrity: 'sha512-f1hd7jJbeQa1VWcw+K2KrTXS50zTMaHpVC4XIKJpNcDeYR5ajMtj/iLlQDYNvLOKamUB3ARVVCf79lNwNVztSQ==',
    license: 'Bitstream Vera Fonts licence and Arev Fonts licence; DejaVu changes in the public domain',
    files: {
      'ttf/DejaVuSans.ttf': 'DejaVuSans.ttf',
      'ttf/DejaVuSans-Bold.ttf': 'DejaVuSans-Bold.ttf',
      LICENSE: 'LICENSE',
    },
  },
  {
    dir: 'noto-sans-jp',
    pkg: '@expo-google-fonts/noto-sans-jp',
    version: '0.4.3',
    integrity: 'sha512-Fl+Z6vtD24HFAYsvzB0S9Nery1ly16B9PesdY0wBd+wEHAvkNglnkTUspU0HqGOubkmoa8zusJrKv6vDx1o70A==',
    license: 'OFL-1.1',
    files: {
      '400Regular/NotoSansJP_400Regular.ttf': 'NotoSansJP_400Regular.ttf',
      '700Bold/NotoSansJP_700Bold.ttf': 'NotoSansJP_700Bold.ttf',
      LICENSE_FONT: 'OFL.txt',
    },
  },
  {
    dir: 'noto-sans-devanagari',
    pkg: '@expo-google-fonts/noto-sans-devanagari',
    version: '0.4.1',
    integrity: 'sha512-26boYPNKGP1r4R5MxsMAY/zCQOwiXLOJzX8sh1a2oEWyQurQsyniaCv4992c+9jjwshEEt2NNVv5GcnyzaL7QQ==',
    license: 'OFL-1.1',
    files: {
      '400Regular/NotoSansDevanagari_400Regular.ttf': 'NotoSansDevanagari_400Regular.ttf',
      '700Bold/NotoSansDevanagari_700Bold.ttf': 'NotoSansDevanagari_700Bold.ttf',
      LICENSE_FONT: 'OFL.txt',
    },
  },
  {
    dir: 'noto-emoji',
    pkg: '@expo-google-fonts/noto-emoji',
    version: '0.4.7',
    integrity: 'sha512-Gs7URwtKmCzzdGUTYbG8MIohyaQPgGxIaQG5hvyEAaQiEGJpQy6gyP3NDICE0EJkOJFoe1JFD3Hf1L4a3qe4KA==',
    license: 'OFL-1.1',
    files: {
      '400Regular/NotoEmoji_400Regular.ttf': 'NotoEmoji_400Regular.ttf',
      '700Bold/NotoEmoji_700Bold.ttf': 'NotoEmoji_700Bold.ttf',
      LICENSE_FONT: 'OFL.txt',
    },
  },
];

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

const work = mkdtempSync(join(tmpdir(), 'vendor-fonts-'));
try {
  const record = [];
  for (const source of SOURCES) {
    const spec = `${source.pkg}@${source.version}`;
    const [packed] = JSON.parse(
      // From the temporary directory: in the repository npm would apply (and warn about) the workspace setup.
      execFileSync('npm', ['pack', spec, '--json'], { cwd: work, encoding: 'utf8' }),
    );
    const tarball = join(work, packed.filename);
    const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
    if (integrity !== source.integrity)
      throw new Error(`${spec}: tarball integrity ${integrity}, expected ${source.integrity}`);
    const unpacked = join(work, source.dir);
    mkdirSync(unpacked);
    execFileSync('tar', ['-xzf', tarball, '-C', unpacked]);
    const target = join(fontsDir, source.dir);
    rmSync(target, { recursive: true, force: true });
    mkdirSync(target, { recursive: true });
    const files = {};
    for (const [from, to] of Object.entries(source.files)) {
      copyFileSync(join(unpacked, 'package', from), join(target, to));
      files[to] = { from, sha256: sha256(readFileSync(join(target, to))) };
    }
    record.push({
      dir: source.dir,
      package: source.pkg,
      version: source.version,
      integrity,
      license: source.license,
      files,
    });
    console.log(`${spec} → fonts/${source.dir}/ (${Object.keys(files).join(', ')})`);
  }
  writeFileSync(join(fontsDir, 'sources.json'), `${JSON.stringify(record, null, 2)}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
