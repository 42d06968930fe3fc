/**
 * `npx tsx bench/exportMemory.ts [messages=100000] [json|csv|pdf|zip …] [--bare]`: exports one conversation of N
 * messages as JSON, CSV and PDF (and the GDPR ZIP of a user who sent half of them) and reports, for each, wall and
 * CPU seconds, peak RSS and heap. The deploy surface (src/index.ts) is loaded first, as in a deployed instance,
 * unless `--bare` is given. Wall time on a busy machine is inflated; CPU seconds are the steadier figure.
 *
 * A PDF is queued by the callable and rendered by a background function (Exports.renderQueued): its row gives the
 * callable's answer time (what the user waits for) and the render time beside it. The last line printed is one JSON
 * object with every format's figures, which `npm run bench -- exports` (bench/run.ts) reads.
 *
 * The store generates messages on demand for each page query (a real store would stream them from Firestore), and
 * the storage sink counts bytes without keeping them: what is measured is the exporter itself. Bounded memory means
 * the peak stays flat as N grows; run with 10000 and 100000 to see it.
 */
import { Worker } from 'node:worker_threads';
import { Exports } from '../src/app/compliance/exports.js';
import { AuditLog } from '../src/app/audit.js';
import { ManualClock } from '../src/adapters/clocks.js';
import { MemoryLogger } from '../src/adapters/memory/memoryLogger.js';
import { MemoryObjectStorage } from '../src/adapters/memory/memoryObjectStorage.js';
import { MemoryDocumentStore } from '../src/adapters/memory/memoryDocumentStore.js';
import { paths } from '../src/domain/paths.js';
import type { DocData, DocSnapshot, DocumentStore, QuerySpec, Transaction } from '../src/ports.js';
import type { Caller } from '../src/domain/caller.js';

const args = process.argv.slice(2);
const N = Number(args.find((a) => /^\d+$/.test(a)) ?? 100_000);
const FORMATS = ['json', 'csv', 'pdf', 'zip'] as const;
const chosen = FORMATS.filter((f) => args.includes(f));
const formats = chosen.length > 0 ? chosen : FORMATS;
const bare = args.includes('--bare');
const BASE = Date.UTC(2024, 0, 1);
const TEXTS = [
  'Plain hello',
  'Commas, quotes "like this", and a\nnewline',
  'Yarn 🧶 and needles 🪡, café',
  'The indigo batch is ready for pickup on Friday; invoice attached.',
];

function message(i: number): DocData {
  return {
    senderId: i % 2 ? 'bob' : 'alice',
    type: i % 10 === 0 ? 'file' : 'text',
    text: `${TEXTS[i % TEXTS.length]} #${i}`,
    clientMessageId: `client-${i}`,
    createdAt: new Date(BASE + i * 1000),
    ...(i % 10 === 0
      ? {
          attachments: [
            {
              kind: 'file',
              path: `conversations/big/alice/f${i}.pdf`,
              contentType: 'application/pdf',
              size: 1000,
              name: `pattern-${i}.pdf`,
            },
          ],
        }
      : {}),
  };
}

const snap = (path: string, data: DocData | undefined): DocSnapshot => ({
  id: path.split('/').at(-1)!,
  path,
  exists: data !== undefined,
  data,
});

/**
 * Serves the conversation, its N messages (by createdAt range and limit) and two profiles; everything else (the
 * export jobs, the audit log) is kept in an in-memory store, so a queued job can be claimed and rendered.
 */
class GeneratedStore implements Partial<DocumentStore> {
  private readonly rest = new MemoryDocumentStore();
  async get(path: string) {
    if (path === 'conversations/big')
      return snap(path, { title: 'Big commission thread', type: 'direct', memberIds: ['alice', 'bob'] });
    // The reader's locale and zone: dates are formatted for them (Intl), as a real export does.
    if (path === 'users/alice')
      return snap(path, { displayName: 'Alice Weaver', locale: 'en-US', timeZone: 'America/New_York' });
    if (path === 'users/bob') return snap(path, { displayName: 'Bob Potter' });
    return this.rest.get(path);
  }
  async getAll(paths: readonly string[]) {
    return Promise.all(paths.map((p) => this.get(p)));
  }
  private page(spec: QuerySpec, pathOf: (i: number) => string, keep: (i: number) => boolean) {
    const lower = spec.where?.find(([f, op]) => f === 'createdAt' && op === '>=')?.[2] as Date | undefined;
    let i = lower ? Math.ceil((lower.getTime() - BASE) / 1000) : 0;
    const out: DocSnapshot[] = [];
    while (i < N && out.length < (spec.limit ?? Infinity)) {
      if (keep(i)) out.push(snap(pathOf(i), message(i)));
      i++;
    }
    return out;
  }
  async query(collection: string, spec: QuerySpec = {}) {
    if (collection === 'conversations/big/messages')
      return this.page(
        spec,
        (i) => `conversations/big/messages/m${i}`,
        () => true,
      );
    if (collection === 'conversations') return [snap('conversations/big', (await this.get('conversations/big')).data)];
    return [];
  }
  async queryGroup(collection: string, spec: QuerySpec = {}) {
    const sender = spec.where?.find(([f]) => f === 'senderId')?.[2];
    if (collection === 'messages')
      return this.page(
        spec,
        (i) => `conversations/big/messages/m${i}`,
        (i) => message(i).senderId === sender,
      );
    return [];
  }
  async listIds() {
    return [];
  }
  async create(path: string, data: DocData) {
    return this.rest.create(path, data);
  }
  async update(path: string, data: DocData) {
    return this.rest.update(path, data);
  }
  async set(path: string, data: DocData, options?: { merge?: boolean }) {
    return this.rest.set(path, data, options);
  }
  async transaction<T>(fn: (tx: Transaction) => Promise<T>) {
    return this.rest.transaction(fn);
  }
}

function mb(bytes: number) {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * Peak RSS is sampled every 5 ms by a worker thread (RSS is the process's, whichever thread reads it), so an encoder
 * that keeps the main thread busy for long stretches cannot hide its peak, and the export pays nothing per chunk.
 * The heap can only be read on the main thread: a 20 ms timer there.
 */
const rssPeak = new BigInt64Array(new SharedArrayBuffer(8));
const rssWorker = new Worker(
  `const { workerData } = require('node:worker_threads');
   const peak = new BigInt64Array(workerData);
   setInterval(() => { const rss = BigInt(process.memoryUsage.rss()); if (rss > Atomics.load(peak, 0)) Atomics.store(peak, 0, rss); }, 5);`,
  { eval: true, workerData: rssPeak.buffer },
);
rssWorker.unref();

async function measure(label: string, run: () => Promise<{ bytes: number; extra?: Record<string, string> }>) {
  global.gc?.();
  const before = process.memoryUsage();
  Atomics.store(rssPeak, 0, BigInt(before.rss));
  let peakHeap = before.heapUsed;
  const sample = () => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  };
  const timer = setInterval(sample, 20);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const result = await run();
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  clearInterval(timer);
  sample();
  const peakRss = Math.max(Number(Atomics.load(rssPeak, 0)), process.memoryUsage.rss());
  const row = {
    export: label,
    output: mb(result.bytes),
    seconds: seconds.toFixed(2),
    'cpu s': ((cpu.user + cpu.system) / 1e6).toFixed(2),
    'rss before': mb(before.rss),
    'peak rss': mb(peakRss),
    'peak heap': mb(peakHeap),
    'heap growth': mb(peakHeap - before.heapUsed),
    ...result.extra,
  };
  console.log(JSON.stringify(row));
  return {
    ...row,
    heapGrowth: peakHeap - before.heapUsed,
    bytes: result.bytes,
    figures: { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRssMb: peakRss / 1024 / 1024 },
  };
}

async function main() {
  const store = new GeneratedStore() as unknown as DocumentStore;
  const clock = new ManualClock('2024-06-01T00:00:00Z');
  const sink = new MemoryObjectStorage({ keepBytes: false });
  const exports = new Exports(store, sink, new AuditLog(store, clock), clock, new MemoryLogger());
  const alice: Caller = { uid: 'alice', roles: new Set() };
  // Memory is judged with every function's code loaded, as in a deployed instance (nothing initialises at import).
  if (!bare) await import('../src/index.js');
  console.log(
    `exporting a conversation of ${N.toLocaleString('en')} messages (node ${process.version}, ${bare ? 'bare' : 'deploy surface loaded'})`,
  );
  const rows = [];
  const answers: Record<string, number> = {};
  for (const format of formats) {
    if (format === 'zip') rows.push(await measure('gdpr zip', () => exports.exportMyData(alice)));
    else if (format === 'pdf') rows.push(await measure('pdf', () => queuedPdf(store, exports, alice, answers)));
    else
      rows.push(
        await measure(format, async () => {
          const answer = await exports.exportConversation(alice, { conversationId: 'big', format });
          if (answer.status !== 'done') throw new Error(`${format} export not done`);
          return answer;
        }),
      );
  }
  console.table(rows.map(({ heapGrowth: _h, bytes: _b, figures: _f, ...row }) => row));
  // A sanity bound: an exporter that buffered everything would grow the heap by at least the output size.
  for (const row of rows) {
    if (row.heapGrowth > Math.max(150 * 1024 * 1024, row.bytes)) {
      console.error(`✖ ${row.export}: heap grew by ${mb(row.heapGrowth)} for ${mb(row.bytes)} of output: not bounded`);
      process.exitCode = 1;
    }
  }
  // For bench/run.ts: the last JSON object printed.
  const figures = Object.fromEntries(
    rows.map((row, i) => [
      formats[i]!,
      { ...row.figures, ...(formats[i] === 'pdf' ? { answerSeconds: answers.pdf } : {}) },
    ]),
  );
  console.log(JSON.stringify({ node: process.version, messages: N, bare, formats: figures }));
}

/**
 * The PDF as production runs it: the callable records the job and answers (timed on its own: what the user waits
 * for), then the background function renders it (what the row's seconds are, with the answer).
 */
async function queuedPdf(store: DocumentStore, exports: Exports, caller: Caller, answers: Record<string, number>) {
  const asked = performance.now();
  const answer = await exports.exportConversation(caller, { conversationId: 'big', format: 'pdf' });
  answers.pdf = (performance.now() - asked) / 1000;
  if (answer.status !== 'queued') throw new Error('the PDF export was not queued');
  const rendered = performance.now();
  const outcome = await exports.renderQueued(answer.exportId);
  if (outcome.status !== 'done') throw new Error(`render ${outcome.status}: ${outcome.reason ?? ''}`);
  const job = await store.get(paths.exportJob(answer.exportId));
  return {
    bytes: Number(job.data?.bytes),
    extra: {
      'answer s': answers.pdf.toFixed(3),
      'render s': ((performance.now() - rendered) / 1000).toFixed(2),
    },
  };
}

void main();
