/**
 * The fan-out of bench/fanout.ts on the Firestore emulator, beside its floor: the same documents written with the
 * Firestore SDK's BulkWriter and nothing else. It starts its own Firestore emulator (the Google Cloud CLI's, found as
 * the emulator tier finds it: scripts/emulatorSupport.mjs) on the port of EMULATOR_PORT_OFFSET (10 unless set), runs
 * one community event to N followers through the same Pub/Sub handlers (memory bus, Firestore store) in one project,
 * then copies every document the fan-out left (notifications, counters, groups, receipts, deliveries, digests) into
 * a second project with BulkWriter, and prints both times, their ratio, and what the fan-out paid in I/O: round trips,
 * documents read and written per recipient, transactions per chunk.
 *
 * Both are timed after an untimed warm-up round of each (one chunk's fan-out to another creator's followers, and its
 * baseline into a third project), since the emulator's JVM is otherwise warmed by whichever side runs first.
 * `--cold` times each side on a JVM of its own that only the seed warmed: the fan-out on the first emulator, then the
 * same seed and the baseline on a fresh one (so neither pays, or is spared, the other's JIT).
 *
 *   npx tsx bench/fanoutEmulator.ts [followers=2000] [chunk=500] [--cold]
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { loadavg } from 'node:os';
import { Firestore } from '@google-cloud/firestore';
import type { DocumentData } from '@google-cloud/firestore';
import { AuditLog } from '../src/app/audit.js';
import { audiencePaths } from '../src/app/notifications/audience.js';
import { notificationServices } from '../src/app/notifications/index.js';
import { DEFAULT_SETTINGS } from '../src/config.js';
import { ManualClock } from '../src/adapters/clocks.js';
import { FirestoreDocumentStore } from '../src/adapters/firestore/firestoreDocumentStore.js';
import { MemoryLogger } from '../src/adapters/memory/memoryLogger.js';
import { MemoryPublisher } from '../src/adapters/memory/memoryPublisher.js';
import { TOPICS } from '../src/domain/channels.js';
import { followersWorkshop } from '../test/unit/notifications/fixture.js';
import { paths } from '../src/domain/paths.js';
import type { DocData, WriteOp } from '../src/ports.js';
import { CountingStore } from './countingStore.js';
// @ts-expect-error: a plain .mjs script without types
import { emulatorRuntime, suiteConfig } from '../scripts/emulatorSupport.mjs';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const followers = Number(args[0] ?? 2_000);
const chunk = Number(args[1] ?? 500);
/** `--cold`: no warm-up round; each side runs on its own fresh emulator, warmed by the same seed only. */
const cold = process.argv.includes('--cold');
const offset = Number(process.env.EMULATOR_PORT_OFFSET ?? 10);

interface Runtime {
  env?: NodeJS.ProcessEnv;
  reason?: string;
}

interface Emulator {
  host: string;
  pid: number | undefined;
  /** Resolves once the JVM has exited (and freed its port). */
  stop: () => Promise<void>;
}

async function startEmulator(): Promise<Emulator> {
  const runtime = emulatorRuntime() as Runtime;
  if (runtime.reason) throw new Error(`no Firestore emulator: ${runtime.reason}`);
  const { host, port } = (suiteConfig(offset) as { ports: { firestore: { host: string; port: number } } }).ports
    .firestore;
  const child = spawn(
    'java',
    ['-jar', runtime.env!.FIRESTORE_EMULATOR_BINARY_PATH!, `--host=${host}`, `--port=${port}`],
    { env: runtime.env, stdio: 'ignore' },
  );
  const deadline = Date.now() + 60_000;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, host, () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) break;
    if (child.exitCode !== null) throw new Error(`the Firestore emulator exited (${child.exitCode})`);
    if (Date.now() > deadline) throw new Error('the Firestore emulator did not start within 60 s');
    await new Promise((r) => setTimeout(r, 250));
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    host: `${host}:${port}`,
    pid: child.pid,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill();
      return exited;
    },
  };
}

/** Delivery jobs are collected, not consumed (as in bench/fanout.ts); the fan-out's own topics go through the bus. */
class BenchPublisher extends MemoryPublisher {
  jobMessages = 0;
  override async publish(topic: string, data: unknown, attributes: Record<string, string> = {}): Promise<string> {
    if (topic === TOPICS.fanout || topic === TOPICS.domainEvents) return super.publish(topic, data, attributes);
    return `job-${++this.jobMessages}`;
  }
}

/** Records every path the fan-out writes (batches and transactions), so the baseline writes the same documents. */
class RecordingStore extends CountingStore {
  readonly written = new Set<string>();
  /** When each kind of call first started and last ended (ms from `origin`): where the fan-out's wall time goes. */
  readonly spans: Record<string, { first: number; last: number; calls: number }> = {};
  origin = performance.now();

  private async span<T>(kind: string, run: () => Promise<T>, since = performance.now()): Promise<T> {
    const started = since - this.origin;
    try {
      return await run();
    } finally {
      const s = (this.spans[kind] ??= { first: started, last: 0, calls: 0 });
      s.first = Math.min(s.first, started);
      s.last = Math.max(s.last, performance.now() - this.origin);
      s.calls++;
    }
  }
  override async getAll(paths: readonly string[]) {
    return this.span('getAll', () => super.getAll(paths));
  }
  override async commit(ops: readonly WriteOp[]) {
    for (const op of ops) this.written.add(op.path);
    return this.span('commit', () => super.commit(ops));
  }
  // Single writes too: the event's status and each run's publication marker.
  override async create(path: string, data: DocData) {
    this.written.add(path);
    return super.create(path, data);
  }
  override async set(path: string, data: DocData, options?: { merge?: boolean }) {
    this.written.add(path);
    return super.set(path, data, options);
  }
  override async update(path: string, data: DocData) {
    this.written.add(path);
    return super.update(path, data);
  }
  override async transaction<T>(fn: Parameters<CountingStore['transaction']>[0]): Promise<T> {
    return this.span('transaction', () => this.recordedTransaction<T>(fn));
  }
  private async recordedTransaction<T>(fn: Parameters<CountingStore['transaction']>[0]): Promise<T> {
    // The commit's span: from the function's return to the transaction's (the last attempt's).
    let returned = 0;
    const result = (await super.transaction(async (tx) => {
      const out = await fn({
        ...tx,
        get: (p) => tx.get(p),
        getAll: (p) => this.span('transaction getAll', () => tx.getAll(p)),
        query: (c, s) => tx.query(c, s),
        create: (p, d) => (this.written.add(p), tx.create(p, d)),
        set: (p, d, o) => (this.written.add(p), tx.set(p, d, o)),
        update: (p, d) => (this.written.add(p), tx.update(p, d)),
        delete: (p) => (this.written.add(p), tx.delete(p)),
      });
      returned = performance.now();
      return out;
    })) as T;
    await this.span('transaction commit', async () => undefined, returned);
    return result;
  }
}

async function seed(db: Firestore, creatorId: string, uids: readonly string[]) {
  const writer = db.bulkWriter();
  for (const [i, uid] of uids.entries()) {
    void writer.set(db.doc(paths.user(uid)), {
      displayName: uid,
      timeZone: 'UTC',
      locale: i % 2 ? 'en' : 'de',
      emailVerified: true,
      email: `${uid}@x.example`,
    });
    void writer.set(db.doc(audiencePaths.follower(creatorId, uid)), { uid });
  }
  void writer.set(db.doc(paths.user(creatorId)), { displayName: creatorId, timeZone: 'UTC', locale: 'en' });
  await writer.close();
}

/** CPU seconds the emulator's JVM has used so far (utime + stime from /proc, at Linux's 100 ticks/s), or NaN without /proc. */
function emulatorCpu(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

async function main() {
  let emulator = await startEmulator();
  process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
  try {
    const tag = Date.now().toString(36);
    const fanoutDb = new Firestore({ projectId: `demo-bench-fanout-${tag}` });
    let baselineDb = new Firestore({ projectId: `demo-bench-baseline-${tag}` });
    const warmupDb = new Firestore({ projectId: `demo-bench-warmup-${tag}` });
    const uids = Array.from({ length: followers }, (_, i) => `f${String(i).padStart(7, '0')}`);
    await seed(fanoutDb, 'kai', uids);
    // The warm-up's audience: one chunk of other users, following another creator.
    const warmUids = Array.from({ length: chunk }, (_, i) => `w${String(i).padStart(7, '0')}`);
    if (!cold) await seed(fanoutDb, 'ada', warmUids);

    const store = new RecordingStore(new FirestoreDocumentStore(() => fanoutDb));
    const publisher = new BenchPublisher();
    const clock = new ManualClock('2026-06-10T14:00:00Z');
    const n = notificationServices(
      { store, publisher, clock, logger: new MemoryLogger() },
      { ...DEFAULT_SETTINGS.notifications, fanoutChunkSize: chunk },
      { audit: new AuditLog(store, clock) },
    );
    publisher.subscribe(TOPICS.domainEvents, (m) => n.pipeline.submit(m.data, 'pubsub', m.id).then(() => undefined));
    let chunks = 0;
    // Chunk messages run concurrently, as Pub/Sub delivers them to parallel invocations.
    const running: Promise<void>[] = [];
    publisher.subscribe(TOPICS.fanout, async (m) => {
      if ((m.data as { kind: string }).kind === 'chunk') {
        chunks++;
        running.push(n.pipeline.onFanout(m.data, m.id));
      } else await n.pipeline.onFanout(m.data, m.id);
    });

    /** One community event to the creator's followers, through the pipeline; returns its wall seconds. */
    const fanOut = async (creatorId: string, key: string): Promise<number> => {
      store.reset();
      store.written.clear();
      chunks = 0;
      running.length = 0;
      for (const k of Object.keys(store.ms)) delete store.ms[k];
      for (const k of Object.keys(store.spans)) delete store.spans[k];
      const started = performance.now();
      store.origin = started;
      await publisher.publish(TOPICS.domainEvents, { ...followersWorkshop(creatorId), idempotencyKey: key });
      await publisher.drain();
      await Promise.all(running);
      return (performance.now() - started) / 1000;
    };

    /** The documents the last fan-out left, read back from the fan-out's project. */
    const documentsLeft = async (): Promise<Array<{ path: string; data: DocumentData }>> => {
      const written = [...store.written];
      const docs: Array<{ path: string; data: DocumentData }> = [];
      for (let i = 0; i < written.length; i += 500) {
        const snaps = await fanoutDb.getAll(...written.slice(i, i + 500).map((p) => fanoutDb.doc(p)));
        for (const s of snaps) if (s.exists) docs.push({ path: s.ref.path, data: s.data()! });
      }
      return docs;
    };

    /** The floor: `docs` written with BulkWriter into `target`; returns wall seconds. */
    const baseline = async (
      target: Firestore,
      docs: Array<{ path: string; data: DocumentData }>,
    ): Promise<{ seconds: number; documents: number; emulatorCpu: number; benchCpu: number }> => {
      const cpu = emulatorCpu(emulator.pid);
      const own = process.cpuUsage();
      const started = performance.now();
      // Throttling off: BulkWriter's default ramp (500 ops/s, +50% every 5 minutes) would make the floor a rate
      // limit (16,006 documents ≈ 32 s) rather than the cost of the writes; the fan-out's batches are not throttled.
      const writer = target.bulkWriter({ throttling: false });
      for (const d of docs) void writer.set(target.doc(d.path), d.data);
      await writer.close();
      const seconds = (performance.now() - started) / 1000;
      const used = process.cpuUsage(own);
      return {
        seconds,
        documents: docs.length,
        emulatorCpu: emulatorCpu(emulator.pid) - cpu,
        benchCpu: (used.user + used.system) / 1e6,
      };
    };

    // Warm-up, untimed: the emulator is a JVM, and whichever side runs first pays for its JIT (measured: the same
    // 12,000 writes took 17 s cold and 2 s warm). Without it the fan-out, which ran first, paid for the reads,
    // transactions and transforms it exercises first, and the baseline ran on a warm write path.
    let warmup: { fanout: number; baseline: number } | undefined;
    if (!cold) {
      const fanoutWarm = await fanOut('ada', `bench-warm-${tag}`);
      warmup = { fanout: fanoutWarm, baseline: (await baseline(warmupDb, await documentsLeft())).seconds };
    }
    const notifiedBefore = (await fanoutDb.collectionGroup('notifications').count().get()).data().count;

    const load = () => loadavg()[0]!.toFixed(1);
    const loadBefore = load();
    const cpu0 = emulatorCpu(emulator.pid);
    const own0 = process.cpuUsage();
    const fanoutSeconds = await fanOut('kai', `bench-${tag}`);
    const own1 = process.cpuUsage(own0);
    const cpu1 = emulatorCpu(emulator.pid);
    const io = { ...store.counts };
    const notified = (await fanoutDb.collectionGroup('notifications').count().get()).data().count - notifiedBefore;
    const left = await documentsLeft();
    if (cold) {
      // The baseline's own cold JVM: a fresh emulator, warmed by the same seed as the fan-out's was.
      await Promise.all([fanoutDb.terminate(), baselineDb.terminate(), warmupDb.terminate()]);
      await emulator.stop();
      emulator = await startEmulator();
      baselineDb = new Firestore({ projectId: `demo-bench-baseline-${tag}` });
      await seed(baselineDb, 'kai', uids);
    }
    const loadBetween = load();
    const floor = await baseline(baselineDb, left);
    const baselineSeconds = floor.seconds;

    const per = (x: number) => Number((x / followers).toFixed(2));
    const secs = (x: number) => Number(x.toFixed(2));
    console.log(
      JSON.stringify(
        {
          followers,
          chunkSize: chunk,
          chunks,
          notified,
          documents: floor.documents,
          seconds: Number(fanoutSeconds.toFixed(2)),
          baselineSeconds: Number(baselineSeconds.toFixed(2)),
          ratio: Number((fanoutSeconds / baselineSeconds).toFixed(2)),
          // CPU seconds of the emulator (its JVM) and of this process in each: less swayed by other load on the
          // machine than wall time.
          cpuSeconds: {
            fanout: { emulator: secs(cpu1 - cpu0), bench: secs((own1.user + own1.system) / 1e6) },
            baseline: { emulator: secs(floor.emulatorCpu), bench: secs(floor.benchCpu) },
          },
          load1: { beforeFanout: loadBefore, beforeBaseline: loadBetween, after: load() },
          warmup: warmup
            ? { fanoutSeconds: Number(warmup.fanout.toFixed(2)), baselineSeconds: Number(warmup.baseline.toFixed(2)) }
            : 'skipped (--cold: each side on its own fresh emulator)',
          node: process.version,
          io: {
            roundTrips: io.roundTrips,
            roundTripsPerChunk: Number((io.roundTrips / Math.max(1, chunks)).toFixed(1)),
            transactions: io.transactions,
            transactionsPerChunk: Number((io.transactions / Math.max(1, chunks)).toFixed(2)),
            batches: io.batches,
            docsReadPerRecipient: per(io.docsRead),
            docsWrittenPerRecipient: per(io.docsWritten),
            jobMessages: publisher.jobMessages,
          },
          // Wall ms inside each kind of store call, summed over concurrent calls.
          storeMs: Object.fromEntries(Object.entries(store.ms).map(([k, v]) => [k, Math.round(v)])),
          // First start and last end of each kind of call, ms from the event's publication: the fan-out's phases.
          spans: Object.fromEntries(
            Object.entries(store.spans).map(([k, v]) => [
              k,
              `${Math.round(v.first)}-${Math.round(v.last)} ms, ${v.calls} calls`,
            ]),
          ),
        },
        null,
        2,
      ),
    );
    if (notified !== followers) {
      console.error(`expected ${followers} notifications, got ${notified}`);
      process.exitCode = 1;
    }
    await (cold
      ? baselineDb.terminate()
      : Promise.all([fanoutDb.terminate(), baselineDb.terminate(), warmupDb.terminate()]));
  } finally {
    await emulator.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
