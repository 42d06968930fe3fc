import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/**
 * Layering (README, Architecture): dependencies point inward. domain (pure rules) ← app (use cases, against ports)
 * ← adapters (implement ports) ← composition root (src/composition/, with src/config.ts) ← functions (wrappers).
 * no-restricted-imports sees static imports and `export … from`; dynamic `import()` is caught by no-restricted-syntax
 * with the same targets, and a dynamic import whose specifier is not a string literal is refused in those layers,
 * since nothing could check it. test/unit/layering.test.ts proves each rule fails on an upward import.
 */
const SDKS = [
  'firebase',
  'firebase/**',
  'firebase-*',
  'firebase-*/**',
  '@google-cloud/*',
  '@google-cloud/*/**',
  'algoliasearch',
  'algoliasearch/**',
  'twilio',
  'twilio/**',
  '@sendgrid/*',
  '@sendgrid/*/**',
];
const SDK_RE = String.raw`^(firebase(-[a-z]+)?|@google-cloud\x2F[^\x2F]+|algoliasearch|twilio|@sendgrid\x2F[^\x2F]+)(\x2F|$)`;
/**
 * File-format libraries the project depends on: encoding is app (export) work, not a rule of the product. (The fonts
 * are files in fonts/, not packages; the ZIP is written by src/app/compliance/zip.ts on node:zlib.)
 */
const FORMAT_LIBS = [
  'pdfkit',
  'pdfkit/**',
  'csv-stringify',
  'csv-stringify/**',
  'csv-parse',
  'csv-parse/**',
  'fontkit',
  'fontkit/**',
];
const FORMAT_RE = String.raw`^(pdfkit|csv-stringify|csv-parse|fontkit)(\x2F|$)`;
/** The outer layers, by path: the wrappers, the composition root, configuration, the local run and sandbox. */
const OUTER = ['**/functions/**', '**/composition/**', '**/composition.js', '**/config.js', '**/local/**'];
const OUTER_RE = String.raw`(^|\x2F)(functions|composition|local)\x2F|(^|\x2F)(composition|config)\.js$`;
const ADAPTERS = ['**/adapters/**'];
const ADAPTERS_RE = String.raw`(^|\x2F)adapters\x2F`;
const APP = ['**/app/**'];
const APP_RE = String.raw`(^|\x2F)app\x2F`;

/** no-restricted-imports and its dynamic-import twin for one layer. */
function layer(files, { patterns, dynamic, message }) {
  return {
    files,
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-imports': ['error', { patterns }],
      'no-restricted-syntax': [
        'error',
        ...dynamic.map((re) => ({ selector: `ImportExpression[source.value=/${re}/]`, message })),
        {
          selector: 'ImportExpression:not([source.type="Literal"])',
          message: 'import() with a computed specifier cannot be checked for layering; use a string literal',
        },
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ['lib/**', '.build-*/**', 'node_modules/**', 'out/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { languageOptions: { globals: { ...globals.node } } },
  {
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // Prettier (printWidth 120, `npm run format`) lays out code; this caps what it does not wrap (comments, long
      // signatures it cannot break). Strings, template literals, regular expressions and URLs are exempt.
      'max-len': [
        'error',
        { code: 140, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true },
      ],
    },
  },
  // The domain is pure: no SDK, no file-format library, nothing outside src/domain. Only data shapes may come from
  // ports.ts (search records), as type imports.
  layer(['src/domain/**/*.ts'], {
    message: 'src/domain imports nothing outside src/domain (no SDKs, no file-format libraries)',
    patterns: [
      { group: SDKS, message: 'the domain is pure: no SDKs' },
      { group: FORMAT_LIBS, message: 'the domain is pure: file formats belong to the use cases that export' },
      { group: [...OUTER, ...ADAPTERS, ...APP], message: 'src/domain imports nothing outside src/domain' },
      {
        group: ['**/ports.js'],
        allowTypeImports: true,
        message: 'the domain may take data shapes (types) from ports.ts, nothing else',
      },
    ],
    dynamic: [SDK_RE, FORMAT_RE, OUTER_RE, ADAPTERS_RE, APP_RE, String.raw`(^|\x2F)ports\.js$`],
  }),
  // Use cases know the domain and the ports; adapters, wrappers, the composition root and config are plugged in.
  layer(['src/app/**/*.ts'], {
    message: 'src/app imports the domain and ports only (no SDKs, adapters, wrappers, composition root or config)',
    patterns: [
      { group: SDKS, message: 'use cases talk to ports, not SDKs' },
      {
        group: [...OUTER, ...ADAPTERS],
        message: 'dependencies point inward: src/app imports the domain and ports only; settings come in as arguments',
      },
    ],
    dynamic: [SDK_RE, OUTER_RE, ADAPTERS_RE],
  }),
  // Adapters implement ports; they never reach for use cases, wrappers, the composition root or params.
  layer(['src/adapters/**/*.ts'], {
    message: 'src/adapters implement ports: they import no use case, wrapper, composition root or config',
    patterns: [
      {
        group: [...OUTER, ...APP],
        message:
          'adapters implement ports: no use cases, wrappers, composition root or config (settings come in as arguments)',
      },
    ],
    dynamic: [OUTER_RE, APP_RE],
  }),
  // What both test tiers share lives in test/support and depends on no tier's own files.
  layer(['test/support/**/*.ts'], {
    message: 'test/support is shared by every tier: it imports nothing from test/unit or test/emulator',
    patterns: [{ group: ['**/unit/**', '**/emulator/**'], message: 'move what both tiers need into test/support' }],
    dynamic: [String.raw`(^|\x2F)(unit|emulator)\x2F`],
  }),
);
