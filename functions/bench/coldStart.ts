/**
 * Cold start: how long a fresh Node process takes, and what it loads, to import the deploy surface (lib/index.js, what
 * Cloud Functions and the Firebase CLI load), against bare `node`. Each figure is one fresh process per run:
 * - bare: `node` running an empty script;
 * - surface: the whole surface imported and every function built (the CLI's discovery reads each `__endpoint`);
 * - one function: the surface as one deployed function's instance sees it (FUNCTION_TARGET and K_SERVICE set to
 *   `--target`, default sendMessage): imported, and that function built (functions are built when first touched,
 *   src/functions/lazyFunction.ts, so this loads its kind's provider); then what its first invocation loads (the
 *   composition root and use cases, the same dynamic import `services()` makes; the schema and zod with it).
 * Prints one JSON object: milliseconds over bare node (min / median), modules loaded and RSS for each.
 * `npm run bench -- coldStart` (bench/run.ts) runs it on Node 22; it builds lib/ first when lib/index.js is missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// CommonJS (package.json sets no "type", and tsx loads it as such), where tsc refuses import.meta: __dirname, as in src/.
const functionsDir = join(__dirname, '..');
const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1]! : fallback;
};
/** `--lib <dir>`: another build of the surface (e.g. `tsc --outDir`), so a change is measured without touching lib/. */
const lib = join(functionsDir, option('lib', 'lib'), 'index.js');
const runs = Number(option('runs', '5'));
const target = option('target', 'sendMessage');

if (!existsSync(lib))
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: functionsDir, stdio: 'inherit' });

/** The child: loads what `mode` says, then prints modules loaded and RSS. CommonJS, like the deployed code. */
const PROBE = `
const mode = process.argv[2];
const count = () => Object.keys(require.cache).length;
async function main() {
  if (mode !== 'bare') {
    process.env.GCLOUD_PROJECT ??= 'demo-craft-comms';
    const surface = require(process.argv[3]);
    // Functions are built when first touched (src/functions/lazyFunction.ts): discovery reads every export's
    // __endpoint, a deployed instance builds the one it serves before its first request.
    const names = mode === 'surface' ? Object.keys(surface) : [process.env.FUNCTION_TARGET];
    for (const name of names) if (!surface[name] || !surface[name].__endpoint) throw new Error('no function ' + name);
    if (mode === 'invoke') {
      const runtime = require(require('node:path').join(require('node:path').dirname(process.argv[3]), 'functions', 'runtime.js'));
      await runtime.services();
      await import(require('node:path').join(require('node:path').dirname(process.argv[3]), 'domain', 'validation.js'));
    }
  }
  const cpu = process.cpuUsage();
  process.stdout.write(JSON.stringify({ modules: count(), rssMb: process.memoryUsage().rss / 1e6, cpuMs: (cpu.user + cpu.system) / 1000 }));
}
main().catch((e) => { console.error(e); process.exit(1); });
`;
const dir = mkdtempSync(join(tmpdir(), 'coldstart-'));
const probe = join(dir, 'probe.cjs');
writeFileSync(probe, PROBE);

/** functions/.env.example (every param with a production-shaped value), as the CLI would put it in the environment. */
function exampleParams(): Record<string, string> {
  const file = join(functionsDir, '.env.example');
  if (!existsSync(file)) return {};
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .map((line) => /^([A-Z0-9_]+)=(.*)$/.exec(line.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1]!, m[2]!.replace(/^"(.*)"$/, '$1')]),
  );
}

interface Sample {
  ms: number;
  modules: number;
  rssMb: number;
  /** The child's own CPU time (user + system): steadier than wall time on a busy machine. */
  cpuMs: number;
}

function sample(mode: 'bare' | 'surface' | 'target' | 'invoke'): Sample {
  const env = { ...process.env };
  delete env.FUNCTION_TARGET;
  delete env.K_SERVICE;
  if (mode === 'target' || mode === 'invoke') Object.assign(env, { FUNCTION_TARGET: target, K_SERVICE: target });
  // A deployed function reads its params when it builds the use cases: the example values stand in for them.
  if (mode === 'invoke') Object.assign(env, exampleParams());
  const start = process.hrtime.bigint();
  const run = spawnSync(process.execPath, [probe, mode, lib], {
    cwd: functionsDir,
    env,
    encoding: 'utf8',
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (run.status !== 0) throw new Error(`${mode} probe exited ${run.status}: ${run.stderr}`);
  return { ms, ...(JSON.parse(run.stdout) as { modules: number; rssMb: number; cpuMs: number }) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const modes = ['bare', 'surface', 'target', 'invoke'] as const;
const samples: Record<(typeof modes)[number], Sample[]> = { bare: [], surface: [], target: [], invoke: [] };
try {
  // Interleaved, so a busy moment on the machine spreads over every mode instead of one.
  for (let i = 0; i < runs; i++) for (const mode of modes) samples[mode].push(sample(mode));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const bare = median(samples.bare.map((s) => s.ms));
const bareCpu = median(samples.bare.map((s) => s.cpuMs));
const summary = (mode: (typeof modes)[number]) => {
  const over = samples[mode].map((s) => s.ms - bare);
  const cpuOver = samples[mode].map((s) => s.cpuMs - bareCpu);
  return {
    msOverBare: { min: Math.round(Math.min(...over)), median: Math.round(median(over)) },
    cpuMsOverBare: { min: Math.round(Math.min(...cpuOver)), median: Math.round(median(cpuOver)) },
    modules: median(samples[mode].map((s) => s.modules)),
    rssMb: Math.round(median(samples[mode].map((s) => s.rssMb))),
  };
};
const result = {
  node: process.version,
  runs,
  target,
  bareMs: Math.round(bare),
  bareCpuMs: Math.round(bareCpu),
  surface: summary('surface'),
  oneFunction: summary('target'),
  firstInvocation: summary('invoke'),
  // bench/run.ts reads `seconds`: the one-function import over bare node (median), the figure the target is about.
  seconds: median(samples.target.map((s) => s.ms - bare)) / 1000,
  cpuSeconds: median(samples.target.map((s) => s.cpuMs - bareCpu)) / 1000,
};
console.log(JSON.stringify(result, null, 2));
