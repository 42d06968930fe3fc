/**
 * A new message in a 256-member group (issue 14): onMessageCreated end to end over the in-memory adapters, and its
 * push to the 255 other members measured until the push provider has them (the memory PushSender, the port FCM's
 * adapter implements: what is timed is everything this code does before FCM's network call). Every member has one
 * device, default preferences, and it is 14:00 UTC (no quiet hours), so every recipient is pushed directly.
 * Also counts, per message, the round trips to the store (each get, getAll, query, write, batch commit, and inside a
 * transaction each read plus its commit) and the documents read and written.
 *
 *   npx tsx bench/messageCreated.ts [messages=200] [members=256]
 */
import { buildServices } from '../src/composition/services.js';
import { memoryInfra } from '../src/composition/memory.js';
import { memberDoc } from '../src/app/messaging/records.js';
import { newMember } from '../src/domain/messaging/conversation.js';
import { paths } from '../src/domain/paths.js';
import type { DocData, DocumentStore, Transaction, WriteOp } from '../src/ports.js';

const messages = Number(process.argv[2] ?? 200);
const size = Number(process.argv[3] ?? 256);
const WARMUP = 20;

const infra = memoryInfra({ now: '2026-06-10T14:00:00Z' });
const services = buildServices(infra);
const store = infra.store;
const cid = 'grp_bench';
const uids = Array.from({ length: size }, (_, i) => `u${String(i).padStart(4, '0')}`);

/** Round trips and documents, counted at the port. */
const io = { roundTrips: 0, read: 0, written: 0 };
function count(s: DocumentStore): void {
  const o = {
    get: s.get.bind(s),
    getAll: s.getAll.bind(s),
    query: s.query.bind(s),
    queryGroup: s.queryGroup.bind(s),
    create: s.create.bind(s),
    set: s.set.bind(s),
    update: s.update.bind(s),
    delete: s.delete.bind(s),
    commit: s.commit.bind(s),
    transaction: s.transaction.bind(s),
  };
  const read = <T extends { exists: boolean }[] | { exists: boolean }>(r: T) => {
    io.roundTrips++;
    io.read += Array.isArray(r) ? Math.max(1, r.length) : 1;
    return r;
  };
  const wrote = (n: number) => {
    io.roundTrips++;
    io.written += n;
  };
  Object.assign(s, {
    get: async (p: string) => read(await o.get(p)),
    getAll: async (ps: readonly string[]) => read(await o.getAll(ps)),
    query: async (c: string, q?: object) => read(await o.query(c, q)),
    queryGroup: async (c: string, q?: object) => read(await o.queryGroup(c, q)),
    create: async (p: string, d: DocData) => ((await o.create(p, d)) ? (wrote(1), true) : (wrote(0), false)),
    set: async (p: string, d: DocData, m?: { merge?: boolean }) => (await o.set(p, d, m), wrote(1)),
    update: async (p: string, d: DocData) => (await o.update(p, d), wrote(1)),
    delete: async (p: string) => (await o.delete(p), wrote(1)),
    commit: async (ops: readonly WriteOp[]) => (await o.commit(ops), wrote(ops.length)),
    transaction: async <T>(fn: (tx: Transaction) => Promise<T>): Promise<T> => {
      let attempt = { roundTrips: 0, read: 0, written: 0 };
      const result = await o.transaction((tx) => {
        attempt = { roundTrips: 1, read: 0, written: 0 }; // the commit
        const reads = <R>(r: R, n: number) => ((attempt.roundTrips++, (attempt.read += Math.max(1, n))), r);
        return fn({
          get: async (p) => reads(await tx.get(p), 1),
          getAll: async (ps) => reads(await tx.getAll(ps), ps.length),
          query: async (c, q) => {
            const r = await tx.query(c, q);
            return reads(r, r.length);
          },
          create: (p, d) => (attempt.written++, tx.create(p, d)),
          set: (p, d, m) => (attempt.written++, tx.set(p, d, m)),
          update: (p, d) => (attempt.written++, tx.update(p, d)),
          delete: (p) => (attempt.written++, tx.delete(p)),
        });
      });
      io.roundTrips += attempt.roundTrips;
      io.read += attempt.read;
      io.written += attempt.written;
      return result;
    },
  });
}

async function seed(): Promise<void> {
  const now = infra.clock.now();
  const ops: WriteOp[] = [];
  ops.push({
    kind: 'set',
    path: paths.conversation(cid),
    data: {
      type: 'group',
      title: 'Bench guild',
      photo: null,
      memberIds: uids,
      lastMessage: null,
      lastMessageAt: null,
      lastMessageSeq: 0,
      settings: { announcementOnly: false, e2ee: false },
      pinnedMessageIds: [],
      createdAt: now,
      createdBy: uids[0],
    },
  });
  uids.forEach((uid, i) => {
    const profile = { displayName: `Member ${i}`, photoUrl: null };
    ops.push({
      kind: 'set',
      path: paths.user(uid),
      data: { displayName: profile.displayName, timeZone: 'UTC', locale: i % 2 ? 'de' : 'en' },
    });
    ops.push({
      kind: 'set',
      path: paths.member(cid, uid),
      data: memberDoc(newMember(uid, i === 0 ? 'owner' : 'member', now, profile, 0)),
    });
    ops.push({
      kind: 'set',
      path: paths.device(uid, 'phone'),
      data: { deviceId: 'phone', token: `token-${uid}-${'x'.repeat(140)}`, platform: i % 3 ? 'android' : 'ios' },
    });
  });
  for (let i = 0; i < ops.length; i += 500) await store.commit(ops.slice(i, i + 500));
}

const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

async function main() {
  await seed();
  const push = infra.delivery.push;
  const send = push.send.bind(push);
  let pushedAt = 0;
  let pushed = 0;
  push.send = async (batch) => {
    const results = await send(batch);
    pushedAt = performance.now();
    pushed = batch.length;
    return results;
  };
  count(store);
  const handled: number[] = [];
  const pushes: number[] = [];
  const cpu0 = process.cpuUsage();
  const perMessage = { roundTrips: 0, read: 0, written: 0 };
  for (let i = 0; i < WARMUP + messages; i++) {
    infra.clock.advance(1000);
    const sender = uids[(i * 7) % size]!;
    const mid = `${sender}_m${i}`;
    const data = {
      senderId: sender,
      type: 'text',
      text: `Message ${i}: the kiln is free at 4`,
      clientMessageId: `m${i}`,
    };
    await store.create(paths.message(cid, mid), { ...data, createdAt: infra.clock.now() });
    const before = { ...io };
    pushed = 0;
    const started = performance.now();
    const outcome = await services.messaging.onMessageCreated.handle(cid, mid, {
      ...data,
      createdAt: infra.clock.now(),
    });
    const done = performance.now();
    if (outcome.status !== 'processed' || outcome.pushedTo.length !== size - 1 || pushed !== size - 1)
      throw new Error(`message ${i}: ${JSON.stringify(outcome).slice(0, 200)} pushed ${pushed}`);
    if (i < WARMUP) continue;
    handled.push(done - started);
    pushes.push(pushedAt - started);
    perMessage.roundTrips += io.roundTrips - before.roundTrips;
    perMessage.read += io.read - before.read;
    perMessage.written += io.written - before.written;
  }
  const cpu = process.cpuUsage(cpu0);
  const conversation = (await store.get(paths.conversation(cid))).data;
  const result = {
    messages,
    members: size,
    handleP50Ms: Number(percentile(handled, 50).toFixed(2)),
    handleP99Ms: Number(percentile(handled, 99).toFixed(2)),
    pushP50Ms: Number(percentile(pushes, 50).toFixed(2)),
    pushP99Ms: Number(percentile(pushes, 99).toFixed(2)),
    pushedPerMessage: size - 1,
    lastMessageSeq: conversation?.lastMessageSeq,
    perMessage: {
      roundTrips: perMessage.roundTrips / messages,
      docsRead: perMessage.read / messages,
      docsWritten: perMessage.written / messages,
    },
    cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(3)),
  };
  console.log(JSON.stringify(result, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
