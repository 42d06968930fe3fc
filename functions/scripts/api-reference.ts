// `npm run docs`: writes docs/API.md, docs/api.json and client/src/generated.ts from the code (scripts/api/).
// `--check`: writes nothing, exits 1 naming the files that are out of date (test/unit/api/reference.test.ts does the same).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT, buildModel } from './api/model.js';
import { renderAll } from './api/render.js';
import { formatted } from './api/format.js';

async function main() {
  const check = process.argv.includes('--check');
  const files = await formatted(renderAll(await buildModel()));
  const stale: string[] = [];
  for (const [path, content] of Object.entries(files)) {
    const full = join(REPO_ROOT, path);
    let current: string | undefined;
    try {
      current = readFileSync(full, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === content) continue;
    stale.push(path);
    if (!check) {
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, content);
    }
  }
  if (check && stale.length) {
    console.error(`out of date: ${stale.join(', ')}: run \`npm run docs\``);
    process.exit(1);
  }
  console.log(stale.length ? `${check ? 'stale' : 'wrote'}: ${stale.join(', ')}` : 'up to date');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
