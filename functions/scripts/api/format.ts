import { join } from 'node:path';
import * as prettier from 'prettier';
import { REPO_ROOT } from './model.js';

/** The generated TypeScript, laid out by Prettier with the repository's settings (the lint checks it). */
export async function formatted(files: Record<string, string>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [path, content] of Object.entries(files)) {
    if (!path.endsWith('.ts')) {
      out[path] = content;
      continue;
    }
    const filepath = join(REPO_ROOT, path);
    const options = (await prettier.resolveConfig(join(REPO_ROOT, 'functions/src/index.ts'))) ?? {};
    out[path] = await prettier.format(content, { ...options, filepath });
  }
  return out;
}
