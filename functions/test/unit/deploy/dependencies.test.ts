import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const rootLock = JSON.parse(readFileSync(resolve('../package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string }>;
};
const installed = (name: string) =>
  Object.entries(rootLock.packages)
    .filter(([path]) => path.endsWith(`node_modules/${name}`))
    .map(([path, entry]) => `${path}@${entry.version}`);

describe('what deploys is what was tested', () => {
  it('functions/package-lock.json is the tested resolution (scripts/functions-lockfile.mjs --check)', () => {
    const run = spawnSync(process.execPath, ['scripts/functions-lockfile.mjs', '--check'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as typeof rootLock;
    // The package the simulation re-resolved: the deployed lockfile pins the tested version.
    expect(lock.packages['node_modules/algoliasearch']!.version).toBe(
      rootLock.packages['node_modules/algoliasearch']!.version,
    );
  });
});

describe('one Firestore SDK', () => {
  // Sentinels (FieldValue) and Timestamp must come from the copy firebase-admin's snapshots use: a second copy makes
  // `instanceof Timestamp` false and FieldValue.increment a plain object written as a map.
  it('@google-cloud/firestore is installed once, and the functions and firebase-admin load the same file', () => {
    expect(installed('@google-cloud/firestore')).toHaveLength(1);
    const fromFunctions = createRequire(resolve('package.json')).resolve('@google-cloud/firestore');
    const admin = dirname(createRequire(resolve('package.json')).resolve('firebase-admin/firestore'));
    expect(createRequire(resolve(admin, 'index.js')).resolve('@google-cloud/firestore')).toBe(fromFunctions);
  });
});
