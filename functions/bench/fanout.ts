/**
 * Fan-out throughput over the in-memory adapters: one community event to N followers, through the same Pub/Sub
 * handlers the Cloud Functions use (page → chunk messages on notification-fanout). Measures the pipeline's own cost
 * (routing, templates, transactions, job building), not Firestore's latency. CPU seconds (this process, GC threads
 * included) are steadier than wall seconds on a busy machine. `npm run bench` runs it in fresh processes.
 *
 * It also counts what production would pay in I/O (bench/countingStore.ts): round trips, documents read and written
 * per recipient, transactions per chunk. Job messages (the delivery topics, which nothing here consumes) are serialised
 * as the Pub/Sub client would and let go, not parsed back (channel delivery is not part of the fan-out); their bytes
 * are reported beside (email jobs carry a template reference, rendered at send time: ~14 MB for 10,000
 * followers, 217 MB when they carried their HTML).
 *
 *   npx tsx bench/fanout.ts [followers=10000] [chunk=500]
 */
import { AuditLog } from '../src/app/audit.js';
import { audiencePaths } from '../src/app/notifications/audience.js';
import { notificationServices } from '../src/app/notifications/index.js';
import { DEFAULT_SETTINGS } from '../src/config.js';
import { ManualClock } from '../src/adapters/clocks.js';
import { MemoryDocumentStore } from '../src/adapters/memory/memoryDocumentStore.js';
import { MemoryLogger } from '../src/adapters/memory/memoryLogger.js';
import { MemoryPublisher } from '../src/adapters/memory/memoryPublisher.js';
import { CountingStore } from './countingStore.js';
import { TOPICS } from '../src/domain/channels.js';
import { followersWorkshop } from '../test/unit/notifications/fixture.js';
import { paths } from '../src/domain/paths.js';

const followers = Number(process.argv[2] ?? 10_000);
const chunk = Number(process.argv[3] ?? 500);

/**
 * The memory publisher for the fan-out's own topics. Delivery job messages go nowhere (nothing here consumes them):
 * each is serialised as the Pub/Sub client does (`publishMessage({ json })` is `JSON.stringify` into a Buffer) and
 * counted, then let go, as production lets go of a published message. Keeping them all until the end (~8 MB of jobs
 * for 10,000 followers) was a cost of the benchmark, not of the fan-out.
 */
class BenchPublisher extends MemoryPublisher {
  jobMessages = 0;
  jobs = 0;
  jobBytes = 0;
  override async publish(topic: string, data: unknown, attributes: Record<string, string> = {}): Promise<string> {
    if (topic === TOPICS.fanout || topic === TOPICS.domainEvents) return super.publish(topic, data, attributes);
    this.jobBytes += Buffer.from(JSON.stringify(data)).length;
    const batch = (data as { jobs?: unknown[] }).jobs;
    this.jobs += Array.isArray(batch) ? batch.length : 1;
    return `job-${++this.jobMessages}`;
  }
}

const store = new CountingStore(new MemoryDocumentStore());
const publisher = new BenchPublisher();
const clock = new ManualClock('2026-06-10T14:00:00Z');
const n = notificationServices(
  { store, publisher, clock, logger: new MemoryLogger() },
  { ...DEFAULT_SETTINGS.notifications, fanoutChunkSize: chunk },
  { audit: new AuditLog(store, clock) },
);
publisher.subscribe(TOPICS.domainEvents, (m) => n.pipeline.submit(m.data, 'pubsub', m.id).then(() => undefined));
const chunkTimes: number[] = [];
publisher.subscribe(TOPICS.fanout, async (m) => {
  const started = performance.now();
  await n.pipeline.onFanout(m.data, m.id);
  if ((m.data as { kind: string }).kind === 'chunk') chunkTimes.push(performance.now() - started);
});

/**
 * BENCH_CPU_PROFILE=<file>: a CPU profile of the measured region only (not the seeding or module loading), for
 * Chrome DevTools or any .cpuprofile reader.
 */
async function startProfiler() {
  const { Session } = await import('node:inspector/promises');
  const { writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop(file: string) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

async function main() {
  const uids = Array.from({ length: followers }, (_, i) => `f${String(i).padStart(7, '0')}`);
  for (let i = 0; i < uids.length; i += 500) {
    const slice = uids.slice(i, i + 500);
    await store.commit(
      slice.map((uid) => ({
        kind: 'set' as const,
        path: paths.user(uid),
        data: {
          displayName: uid,
          timeZone: 'UTC',
          locale: i % 1000 ? 'en' : 'de',
          emailVerified: true,
          email: `${uid}@x.example`,
        },
      })),
    );
    await store.commit(
      slice.map((uid) => ({ kind: 'set' as const, path: audiencePaths.follower('kai', uid), data: { uid } })),
    );
  }

  store.reset();
  const profiler = process.env.BENCH_CPU_PROFILE ? await startProfiler() : undefined;
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  await publisher.publish(TOPICS.domainEvents, followersWorkshop('kai'));
  await publisher.drain();
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  if (profiler) await profiler.stop(process.env.BENCH_CPU_PROFILE!);

  const io = { ...store.counts };
  const notified = (await store.queryGroup('notifications')).length;
  const per = (x: number) => Number((x / followers).toFixed(2));
  chunkTimes.sort((a, b) => a - b);
  console.log(
    JSON.stringify(
      {
        followers,
        chunkSize: chunk,
        chunks: chunkTimes.length,
        notified,
        jobs: publisher.jobs,
        jobMessages: publisher.jobMessages,
        jobMegabytes: Number((publisher.jobBytes / 1e6).toFixed(1)),
        seconds: Number(seconds.toFixed(2)),
        cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
        node: process.version,
        recipientsPerSecond: Math.round(notified / seconds),
        io: {
          roundTrips: io.roundTrips,
          transactions: io.transactions,
          transactionsPerChunk: Number((io.transactions / Math.max(1, chunkTimes.length)).toFixed(2)),
          batches: io.batches,
          docsReadPerRecipient: per(io.docsRead),
          docsWrittenPerRecipient: per(io.docsWritten),
        },
        chunkMs: {
          p50: Math.round(chunkTimes[Math.floor(chunkTimes.length / 2)] ?? 0),
          max: Math.round(chunkTimes.at(-1) ?? 0),
        },
      },
      null,
      2,
    ),
  );
  if (notified !== followers) {
    console.error(`expected ${followers} notifications, got ${notified}`);
    process.exit(1);
  }
}

void main();
