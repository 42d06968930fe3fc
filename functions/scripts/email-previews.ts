// `npm run previews`: every email template × locale as HTML, text and PNG (headless Chromium) under
// out/email-previews/ at the repository root. `npm start` writes them too.
import { resolve } from 'node:path';
import { REPO_ROOT } from '../src/local/emulatorConfig.js';
import { writeEmailPreviews } from '../src/local/emailPreviews.js';

const dir = resolve(REPO_ROOT, 'out', 'email-previews');
writeEmailPreviews(dir, new Date()).then(
  (result) =>
    console.log(
      `${result.html} emails, ${result.png} PNGs in ${dir}${result.skipped ? ` (no PNGs: ${result.skipped})` : ''}`,
    ),
  (error: unknown) => {
    console.error('✖ email previews failed:', error);
    process.exit(1);
  },
);
