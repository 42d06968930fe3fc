// `node scripts/functions-lockfile.mjs [--check]`: writes functions/package-lock.json from the repository's lockfile.
//
// Why: the repository is an npm workspace, so the one lockfile `npm ci` and the tests use is the root's. A deploy
// uploads functions/ alone, and Cloud Build installs it from functions/package.json: without a lockfile there it
// resolves every range again (a simulation got algoliasearch 5.65.0 instead of the tested 5.64.0). This script derives
// functions/package-lock.json from the root lockfile by walking, from functions/, exactly the resolution Node makes in
// the tested tree (functions/node_modules/X first, then node_modules/X), so every package Cloud Build installs has
// the version, tarball and integrity hash that were tested. It then re-resolves every dependency edge in the new tree
// and fails if any edge lands on another version than in the tested tree.
// `--check` (npm test, and firebase.json's predeploy) fails if the committed file differs from what this would
// write: run `npm run lockfile` after changing dependencies.
// `--deploy-npmrc` / `--remove-npmrc` (firebase.json predeploy / postdeploy): Cloud Build must install as the tests
// did, with legacy-peer-deps (the root .npmrc; without it npm ci resolves missing peers from the registry), so the
// upload carries a functions/.npmrc saying so. It exists only during a deploy: npm warns about a workspace's own
// .npmrc on every local command.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const functionsDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoDir = resolve(functionsDir, '..');
const WS = 'functions';
const root = JSON.parse(readFileSync(join(repoDir, 'package-lock.json'), 'utf8'));
const pkg = JSON.parse(readFileSync(join(functionsDir, 'package.json'), 'utf8'));
const packages = root.packages;

/** Node's lookup from `from` (a lockfile location) for `name`: the nearest node_modules/name going up. */
function resolveIn(tree, from, name) {
  let dir = from;
  for (;;) {
    const candidate = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
    if (tree[candidate]) return candidate;
    if (!dir) return undefined;
    // node_modules/a/node_modules/b → node_modules/a; functions/node_modules/x → functions; node_modules/a → root.
    const i = dir.lastIndexOf('/node_modules/');
    dir = i >= 0 ? dir.slice(0, i) : '';
  }
}

/**
 * The edges npm installs. Peers are not among them: the repository installs with legacy-peer-deps (.npmrc, and
 * functions/.npmrc for Cloud Build's install), as the tested tree shows (firebase-functions-test's peer jest is absent).
 */
const edgesOf = (entry, { dev }) => ({
  ...entry.dependencies,
  ...entry.optionalDependencies,
  ...(dev ? entry.devDependencies : {}),
});

/** Every location reachable from functions/ in the tested tree, with whether only devDependencies reach it. */
function walk() {
  const reached = new Map(); // location → { dev: boolean }
  const missing = [];
  const queue = [];
  const start = packages[WS];
  for (const [deps, dev] of [
    [{ ...start.dependencies, ...start.optionalDependencies }, false],
    [start.devDependencies ?? {}, true],
  ])
    for (const name of Object.keys(deps)) queue.push({ from: WS, name, dev });
  while (queue.length > 0) {
    const { from, name, dev } = queue.shift();
    const at = resolveIn(packages, from, name);
    if (!at) {
      // An optional dependency for another platform is absent from the tested tree, and from the deployed one.
      if (!packages[from]?.optionalDependencies?.[name]) missing.push(`${from} → ${name}`);
      continue;
    }
    const seen = reached.get(at);
    if (seen && (seen.dev === false || dev)) continue;
    reached.set(at, { dev: dev && (seen?.dev ?? true) });
    for (const dep of Object.keys(edgesOf(packages[at], { dev: false }))) queue.push({ from: at, name: dep, dev });
  }
  return { reached, missing };
}

/**
 * Where each tested package goes in the deployed tree (new location → tested location): functions/node_modules/X moves
 * up to node_modules/X; a root node_modules/X it would shadow goes below each package that resolved to it.
 */
function place(reached) {
  const newToOld = new Map();
  const shadowed = [...reached.keys()].filter((at) => !at.startsWith(`${WS}/`) && reached.has(`${WS}/${at}`));
  const under = (at, top) => at === top || at.startsWith(`${top}/`);
  for (const at of reached.keys()) {
    if (shadowed.some((top) => under(at, top))) continue;
    newToOld.set(at.startsWith(`${WS}/node_modules/`) ? at.slice(WS.length + 1) : at, at);
  }
  for (const top of shadowed) {
    const name = top.slice('node_modules/'.length);
    for (const [to, at] of [...newToOld]) {
      if (!(name in edgesOf(packages[at], { dev: false })) || resolveIn(packages, at, name) !== top) continue;
      for (const sub of reached.keys()) if (under(sub, top)) newToOld.set(`${to}/${sub}`, sub);
    }
  }
  return newToOld;
}

function build() {
  const { reached, missing } = walk();
  const problems = missing.map((edge) => `unresolved in the tested tree: ${edge}`);
  const newToOld = place(reached);
  const lock = {
    name: pkg.name,
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': {
        name: pkg.name,
        ...(pkg.dependencies ? { dependencies: pkg.dependencies } : {}),
        ...(pkg.devDependencies ? { devDependencies: pkg.devDependencies } : {}),
        ...(pkg.engines ? { engines: pkg.engines } : {}),
      },
    },
  };
  for (const to of [...newToOld.keys()].sort()) {
    const from = newToOld.get(to);
    const { dev: _dev, ...entry } = packages[from];
    lock.packages[to] = reached.get(from).dev ? { ...entry, dev: true } : entry;
  }
  // Every edge resolves, in the new tree, to the version it resolved to in the tested one.
  for (const [to, entry] of Object.entries(lock.packages)) {
    const from = to === '' ? WS : newToOld.get(to);
    for (const name of Object.keys(edgesOf(entry, { dev: to === '' }))) {
      const tested = resolveIn(packages, from, name);
      const deployed = resolveIn(lock.packages, to === '' ? '' : to, name);
      if (!tested) continue; // an optional dependency absent on this platform in both
      if (!deployed || lock.packages[deployed].version !== packages[tested].version)
        problems.push(
          `${to || '(functions)'} → ${name}: tested ${packages[tested].version}, would deploy ${deployed ? lock.packages[deployed].version : 'nothing'}`,
        );
    }
  }
  return { lock, problems };
}

const npmrc = join(functionsDir, '.npmrc');
if (process.argv.includes('--remove-npmrc')) {
  rmSync(npmrc, { force: true });
  process.exit(0);
}
const { lock, problems } = build();
if (problems.length > 0) {
  for (const text of problems) console.error(`✖ ${text}`);
  process.exit(1);
}
const text = `${JSON.stringify(lock, null, 2)}\n`;
const target = join(functionsDir, 'package-lock.json');
if (process.argv.includes('--check')) {
  if (!existsSync(target) || readFileSync(target, 'utf8') !== text) {
    console.error('✖ functions/package-lock.json is not the tested resolution: run `npm run lockfile` and commit it');
    process.exit(1);
  }
  console.log(
    `functions/package-lock.json matches the tested tree (${Object.keys(lock.packages).length - 1} packages)`,
  );
  if (process.argv.includes('--deploy-npmrc')) writeFileSync(npmrc, 'legacy-peer-deps=true\n');
} else {
  writeFileSync(target, text);
  console.log(`wrote functions/package-lock.json (${Object.keys(lock.packages).length - 1} packages)`);
}
