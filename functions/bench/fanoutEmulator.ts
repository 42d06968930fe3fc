/**
 * The fan-out of bench/fanout.ts on the Firestore emulator, beside its floor: the same documents written with the
 * Firestore SDK's BulkWriter and nothing else. It starts its own Firestore emulator (the Google Cloud CLI's, found as
 * the emulator tier finds it: scripts/emulatorSupport.mjs) on the port of EMULATOR_PORT_OFFSET (10 unless set), runs
 * one community event to N followers through the same Pub/Sub handlers (memory bus, Firestore store) in one project,
 * then copies every document the fan-out left (notifications, counters, groups, receipts, deliveries, digests) into
 * a second project with BulkWriter, and prints both times, their ratio, and what the fan-out paid in I/O: round trips,
 * documents read and written per recipient, transactions per chunk.
 *
 *   npx tsx bench/fanoutEmulator.ts [followers=2000] [chunk=500]
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
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
import { paths } from '../src/domain/paths.js';
import type { DocData, WriteOp } from '../src/ports.js';
import { CountingStore } from './countingStore.js';
// @ts-expect-error: a plain .mjs script without types
import { emulatorRuntime, suiteConfig } from '../scripts/emulatorSupport.mjs';

const followers = Number(process.argv[2] ?? 2_000);
const chunk = Number(process.argv[3] ?? 500);
const offset = Number(process.env.EMULATOR_PORT_OFFSET ?? 10);

interface Runtime {
  env?: NodeJS.ProcessEnv;
  reason?: string;
}

async function startEmulator(): Promise<{ host: string; stop: () => void }> {
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
  return { host: `${host}:${port}`, stop: () => child.kill() };
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
  override async commit(ops: readonly WriteOp[]) {
    for (const op of ops) this.written.add(op.path);
    return super.commit(ops);
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
    return super.transaction((tx) =>
      fn({
        ...tx,
        get: (p) => tx.get(p),
        getAll: (p) => tx.getAll(p),
        query: (c, s) => tx.query(c, s),
        create: (p, d) => (this.written.add(p), tx.create(p, d)),
        set: (p, d, o) => (this.written.add(p), tx.set(p, d, o)),
        update: (p, d) => (this.written.add(p), tx.update(p, d)),
        delete: (p) => (this.written.add(p), tx.delete(p)),
      }),
    ) as Promise<T>;
  }
}

async function seed(db: Firestore, uids: readonly string[]) {
  const writer = db.bulkWriter();
  for (const [i, uid] of uids.entries()) {
    void writer.set(db.doc(paths.user(uid)), {
      displayName: uid,
      timeZone: 'UTC',
      locale: i % 2 ? 'en' : 'de',
      emailVerified: true,
      email: `${uid}@x.example`,
    });
    void writer.set(db.doc(audiencePaths.follower('kai', uid)), { uid });
  }
  void writer.set(db.doc(paths.user('kai')), { displayName: 'kai', timeZone: 'UTC', locale: 'en' });
  await writer.close();
}

async function main() {
  const emulator = await startEmulator();
  process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
  try {
    const tag = Date.now().toString(36);
    const fanoutDb = new Firestore({ projectId: `demo-bench-fanout-${tag}` });
    const baselineDb = new Firestore({ projectId: `demo-bench-baseline-${tag}` });
    const uids = Array.from({ length: followers }, (_, i) => `f${String(i).padStart(7, '0')}`);
    await seed(fanoutDb, uids);

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

    store.reset();
    for (const k of Object.keys(store.ms)) delete store.ms[k];
    const started = performance.now();
    await publisher.publish(TOPICS.domainEvents, {
      type: 'community.event',
      idempotencyKey: `bench-${tag}`,
      occurredAt: '2026-06-10T13:59:00Z',
      payload: {
        eventRef: 'w1',
        eventTitle: 'Raku night',
        kind: 'workshop',
        startsAt: '2026-06-20T18:00:00Z',
        location: 'Studio 4',
        hostId: 'kai',
      },
      audience: { kind: 'followers', creatorId: 'kai' },
    });
    await publisher.drain();
    await Promise.all(running);
    const fanoutSeconds = (performance.now() - started) / 1000;
    const io = { ...store.counts };

    // The floor: the same final documents, written with BulkWriter into a fresh project.
    const written = [...store.written];
    const docs: Array<{ path: string; data: DocumentData }> = [];
    for (let i = 0; i < written.length; i += 500) {
      const snaps = await fanoutDb.getAll(...written.slice(i, i + 500).map((p) => fanoutDb.doc(p)));
      for (const s of snaps) if (s.exists) docs.push({ path: s.ref.path, data: s.data()! });
    }
    const baselineStarted = performance.now();
    // Throttling off: BulkWriter's default ramp (500 ops/s, +50% every 5 minutes) would make the floor a rate limit
    // (16,006 documents ≈ 32 s) rather than the cost of the writes; the fan-out's batches are not throttled either.
    const writer = baselineDb.bulkWriter({ throttling: false });
    for (const d of docs) void writer.set(baselineDb.doc(d.path), d.data);
    await writer.close();
    const baselineSeconds = (performance.now() - baselineStarted) / 1000;

    const notified = (await fanoutDb.collectionGroup('notifications').count().get()).data().count;
    const per = (x: number) => Number((x / followers).toFixed(2));
    console.log(
      JSON.stringify(
        {
          followers,
          chunkSize: chunk,
          chunks,
          notified,
          documents: docs.length,
          seconds: Number(fanoutSeconds.toFixed(2)),
          baselineSeconds: Number(baselineSeconds.toFixed(2)),
          ratio: Number((fanoutSeconds / baselineSeconds).toFixed(2)),
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
        },
        null,
        2,
      ),
    );
    if (notified !== followers) {
      console.error(`expected ${followers} notifications, got ${notified}`);
      process.exitCode = 1;
    }
    await Promise.all([fanoutDb.terminate(), baselineDb.terminate()]);
  } finally {
    emulator.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
