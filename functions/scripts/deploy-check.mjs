// `node scripts/deploy-check.mjs [--env <file>] [--project <id>]`: the offline part of `firebase deploy`, as far as
// firebase-tools goes before it needs Google. `--dry-run` cannot run here (it logs in and reads the project), so this
// runs the same steps from firebase-tools' own modules:
//   1. discovery: the functions' manifest (what `__/functions.yaml` serves; firebase-functions writes it to a file with
//      FUNCTIONS_MANIFEST_OUTPUT_PATH), from the built lib/, parsed by firebase-tools into a Build;
//   2. params: the env file (default functions/.env.example) loaded as `.env.<project>` by firebase-tools'
//      loadUserEnvs, then resolveParams non-interactively (a param without a value stops here, as in CI), each value
//      checked against its pattern (PARAM_PATTERNS in src/config.ts, which the CLI checks only when it prompts);
//   3. the Backend the deploy would create (toBackend) and firebase-tools' endpoint validation (ids, timeouts, CPU,
//      memory, concurrency);
//   4. secrets: every secret an endpoint names is one config.ts defines, and every defined secret is used;
//   5. firebase.json, the rules and index files it names, and the functions source it points at load; no stray
//      functions/.npmrc from a deploy that has ended.
// Secret values are not checked: they live in Secret Manager (`firebase functions:secrets:set`). Exit 1 on a problem,
// printing each; prints a one-line JSON summary on success. Needs `npm run build` first (npm test builds).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const functionsDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoDir = resolve(functionsDir, '..');
const require = createRequire(join(functionsDir, 'package.json'));
/** A package's folder (firebase-functions and firebase-tools export none of the internals used here). */
function packageRoot(name) {
  let dir = dirname(require.resolve(name));
  while (
    !existsSync(join(dir, 'package.json')) ||
    JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== name
  )
    dir = dirname(dir);
  return dir;
}
const tools = (path) => require(join(packageRoot('firebase-tools'), 'lib', path));

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const envFile = resolve(option('--env', join(functionsDir, '.env.example')));
const projectId = option('--project', 'craft-comms-prod');
// The emulator's env file holds loopback URLs: there only presence is checked, not the production patterns.
const checkPatterns = !args.includes('--presence-only');

const problems = [];
const running = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
};
const problem = (text) => problems.push(text);

async function main() {
  const lib = join(functionsDir, 'lib', 'index.js');
  if (!existsSync(lib)) throw new Error('lib/index.js is missing: run `npm run build` first');

  // 5. firebase.json and what it names.
  const firebaseJson = JSON.parse(readFileSync(join(repoDir, 'firebase.json'), 'utf8'));
  const [functionsConfig] = [firebaseJson.functions].flat();
  if (resolve(repoDir, functionsConfig.source) !== functionsDir)
    problem(`firebase.json functions.source is not functions/`);
  const runtime = functionsConfig.runtime;
  for (const file of [firebaseJson.firestore?.rules, firebaseJson.storage?.rules]) {
    if (!file || !existsSync(join(repoDir, file))) problem(`firebase.json names a rules file that is missing: ${file}`);
    else if (!/^rules_version\s*=\s*'2';/m.test(readFileSync(join(repoDir, file), 'utf8')))
      problem(`${file}: no rules_version = '2'`);
  }
  // A functions/.npmrc outside a deploy (functions-lockfile.mjs --deploy-npmrc writes it for the upload, naming the
  // deploy's process, and removes it when that ends): npm warns about it on every command, and it rides in uploads.
  const npmrc = process.env.DEPLOY_NPMRC_PATH ?? join(functionsDir, '.npmrc'); // tests: elsewhere
  if (existsSync(npmrc)) {
    const pid = Number(/^# deploy pid (\d+)$/m.exec(readFileSync(npmrc, 'utf8'))?.[1] ?? 0);
    if (!pid || !running(pid))
      problem(
        'functions/.npmrc exists outside a deploy: remove it (node scripts/functions-lockfile.mjs --remove-npmrc)',
      );
  }
  const indexes = JSON.parse(readFileSync(join(repoDir, firebaseJson.firestore.indexes), 'utf8'));
  if (!Array.isArray(indexes.indexes) || !Array.isArray(indexes.fieldOverrides ?? []))
    problem(`${firebaseJson.firestore.indexes}: needs an indexes array (and fieldOverrides, if any, an array)`);

  // 1. Discovery, as the CLI does it (it sets the project for the functions' source while it loads).
  const out = mkdtempSync(join(tmpdir(), 'deploy-check-'));
  try {
    const manifestPath = join(out, 'functions.json');
    execFileSync(
      process.execPath,
      [join(packageRoot('firebase-functions'), 'lib/bin/firebase-functions.js'), functionsDir],
      {
        cwd: functionsDir,
        env: {
          ...process.env,
          FUNCTIONS_MANIFEST_OUTPUT_PATH: manifestPath,
          GCLOUD_PROJECT: projectId,
          FIREBASE_CONFIG: JSON.stringify({ projectId, storageBucket: `${projectId}.firebasestorage.app` }),
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    const { buildFromV1Alpha1 } = tools('deploy/functions/runtimes/discovery/v1alpha1.js');
    const build = buildFromV1Alpha1(manifest, projectId, 'us-central1', runtime);

    // 2. Params from the env file, non-interactively.
    copyFileSync(envFile, join(out, `.env.${projectId}`));
    const { loadUserEnvs } = tools('functions/env.js');
    const userEnvs = loadUserEnvs({ functionsSource: out, projectDir: out, projectId, isEmulator: false });
    const { resolveBackend } = tools('deploy/functions/build.js');
    const { backend } = await resolveBackend({
      build,
      firebaseConfig: { projectId, storageBucket: `${projectId}.firebasestorage.app` },
      userEnvOpt: { functionsSource: out, projectId },
      userEnvs,
      nonInteractive: true,
      isEmulator: true, // only to skip the Secret Manager lookups (network); params resolve as in a deploy
    });
    if (checkPatterns) {
      const { PARAM_PATTERNS } = require(join(functionsDir, 'lib', 'config.js'));
      for (const [name, { pattern, expected }] of Object.entries(PARAM_PATTERNS)) {
        if (!(name in userEnvs)) problem(`${name}: no value in ${envFile}`);
        else if (!pattern.test(userEnvs[name])) problem(`${name}=${userEnvs[name]} in ${envFile}: must be ${expected}`);
      }
    }

    // 3. The endpoints the deploy would create, validated as the CLI does.
    const backendMod = tools('deploy/functions/backend.js');
    const { endpointsAreValid } = tools('deploy/functions/validate.js');
    endpointsAreValid(backend);
    const endpoints = backendMod.allEndpoints(backend);

    // 4. Secrets.
    const declared = new Set(manifest.params.filter((p) => p.type === 'secret').map((p) => p.name));
    const used = new Set();
    for (const ep of endpoints) {
      for (const { key } of ep.secretEnvironmentVariables ?? []) {
        used.add(key);
        if (!declared.has(key)) problem(`${ep.id} names secret ${key}, which config.ts does not define`);
      }
    }
    for (const name of declared) if (!used.has(name)) problem(`secret ${name} is defined but no function declares it`);

    const summary = {
      project: projectId,
      env: envFile,
      endpoints: endpoints.length,
      params: Object.keys(userEnvs).length,
      secrets: [...used].sort(),
      runtime,
    };
    if (problems.length === 0) process.stdout.write(`${JSON.stringify(summary)}\n`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

main()
  .catch((error) => problem(error.message ?? String(error)))
  .finally(() => {
    if (problems.length > 0) {
      for (const text of problems) console.error(`✖ ${text}`);
      process.exit(1);
    }
  });
