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
// .npmrc on every local command. firebase-tools runs no postdeploy after `--dry-run`, a failed step or Ctrl-C, and
// packages the source after the predeploy steps (so they cannot remove it themselves): `--deploy-npmrc` therefore
// records the deploy's process (the firebase CLI: the nearest ancestor outside the hook's environment) in the file
// and leaves a detached watcher that removes the file when that process ends, however it ends. Where the watcher
// cannot run, `--check` (npm test, every predeploy) removes a file whose deploy is over; .gitignore keeps it out of
// commits; scripts/deploy-check.mjs fails on a functions/.npmrc that no running deploy wrote.
import { execFileSync, spawn } from 'node:child_process';
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

// DEPLOY_NPMRC_PATH: tests point the deploy-time file elsewhere, so they never touch the working tree's.
const npmrc = process.env.DEPLOY_NPMRC_PATH ?? join(functionsDir, '.npmrc');
const MARK = '# Written by functions/scripts/functions-lockfile.mjs for one deploy';

/** The process that owns a deploy-time .npmrc we wrote (`undefined`: none recorded, or not ours). */
function npmrcOwner(text) {
  if (!text.startsWith(MARK)) return undefined;
  const match = /^# deploy pid (\d+)$/m.exec(text);
  return match ? Number(match[1]) : 0;
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
};

/** Parent pid and whether the process runs in a deploy hook's environment (firebase-tools sets RESOURCE_DIR). */
function processInfo(pid) {
  if (existsSync(`/proc/${pid}/stat`)) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const hook = readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .some((v) => v.startsWith('RESOURCE_DIR='));
    return { ppid, hook };
  }
  // macOS and other Unixes: `ps eww` prints the environment after the command line.
  const ps = (args) => execFileSync('ps', args, { encoding: 'utf8' }).trim();
  return {
    ppid: Number(ps(['-o', 'ppid=', '-p', String(pid)])),
    hook: / RESOURCE_DIR=/.test(ps(['eww', '-o', 'command=', '-p', String(pid)])),
  };
}

/**
 * The deploy this hook belongs to: walking up from the hook (firebase CLI → shell → cross-env-shell → shell → this
 * script), the first ancestor without the hook's environment. `undefined` outside firebase-tools (no RESOURCE_DIR
 * here: no deploy to outlive) or when the process table cannot be read.
 */
function deployProcess() {
  try {
    if (!process.env.RESOURCE_DIR) return undefined;
    let pid = process.ppid;
    for (let depth = 0; depth < 16 && pid > 1; depth++) {
      const { ppid, hook } = processInfo(pid);
      if (!hook) return pid;
      pid = ppid;
    }
  } catch {
    // No process table to read: no watcher; the next --check or deploy check finds the file.
  }
  return undefined;
}

/** Removes the deploy-time .npmrc if it is still the one `owner` wrote (a later deploy's file stays). */
function removeOwnNpmrc(owner) {
  if (!existsSync(npmrc)) return;
  const current = npmrcOwner(readFileSync(npmrc, 'utf8'));
  if (owner === undefined || current === owner) rmSync(npmrc, { force: true });
}

if (process.argv.includes('--remove-npmrc')) {
  rmSync(npmrc, { force: true });
  process.exit(0);
}
const watchIndex = process.argv.indexOf('--remove-npmrc-when-gone');
if (watchIndex >= 0) {
  // The detached watcher: polls the deploy's process, removes the file when it is gone (at most a day).
  const owner = Number(process.argv[watchIndex + 1]);
  const until = Date.now() + 24 * 3600_000;
  const timer = setInterval(
    () => {
      if (alive(owner) && Date.now() < until) return;
      clearInterval(timer);
      removeOwnNpmrc(owner);
    },
    Number(process.env.DEPLOY_NPMRC_POLL_MS ?? 1000),
  );
} else {
  main();
}

function main() {
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
    if (process.argv.includes('--deploy-npmrc')) writeDeployNpmrc();
    else removeStaleNpmrc();
  } else {
    writeFileSync(target, text);
    console.log(`wrote functions/package-lock.json (${Object.keys(lock.packages).length - 1} packages)`);
  }
}

function writeDeployNpmrc() {
  const owner = deployProcess();
  const lines = [MARK, '# (the upload only: Cloud Build installs with legacy-peer-deps as the tests did);'];
  lines.push(owner ? `# deploy pid ${owner}` : '# deploy pid unknown: remove with --remove-npmrc after the deploy');
  writeFileSync(npmrc, `${lines.join('\n')}\nlegacy-peer-deps=true\n`);
  if (!owner) return;
  const watcher = spawn(process.execPath, [fileURLToPath(import.meta.url), '--remove-npmrc-when-gone', String(owner)], {
    detached: true,
    stdio: 'ignore',
  });
  watcher.unref();
}

/** A deploy-time .npmrc whose deploy is over (a dry run, a failure, a machine without a watcher) goes. */
function removeStaleNpmrc() {
  if (!existsSync(npmrc)) return;
  const owner = npmrcOwner(readFileSync(npmrc, 'utf8'));
  if (owner === undefined || (owner > 0 && alive(owner))) return;
  rmSync(npmrc, { force: true });
  console.log(`removed ${npmrc}, left by a deploy that has ended`);
}
