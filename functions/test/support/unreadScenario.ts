import type { DocData, DocumentStore, Transaction } from '../../src/ports.js';
import type { MessagingServices } from '../../src/app/messaging/index.js';
import type { Caller } from '../../src/domain/caller.js';
import { paths } from '../../src/domain/paths.js';
import { unreadOf } from '../../src/domain/messaging/conversation.js';

/**
 * The messaging-counter scenario of issue 12, shared by the unit tier (memory store) and the emulator tier
 * (FirestoreDocumentStore): messages from every member of one group, reads interleaved with them, and every
 * onMessageCreated trigger run late by a random amount (and twice), so triggers run before, between and after the
 * reads that cover their message.
 *
 * Unread counts come from sequence numbers (issue 14): `lastMessageSeq − lastReadSeq`. A read position is a prefix of
 * the numbering, so when triggers run out of creation order a member can have seen a message (written before their
 * read) that was numbered after it: the count then over-counts it until their next read. What the scenario checks:
 * every message numbered exactly once (1…N, duplicate runs included); no count ever hides a message its member has
 * not seen (at least the messages by others written after their last read); no count exceeds what was numbered
 * after their last read; and one read after everything settles brings every count to 0.
 */

export interface ScenarioWorld {
  /** The store the use cases write through (wrap it with countWrites to measure a document). */
  store: DocumentStore;
  messaging: MessagingServices;
  clock: { now(): Date; advance(ms: number): void };
  cid: string;
  /** Every member; all joined before the first message of the scenario. */
  members: readonly string[];
}

export interface ScenarioOptions {
  messages: number;
  reads: number;
  seed: number;
  /** Every trigger runs twice (as a redelivery would); the second run must change nothing. */
  duplicateRuns: boolean;
  /** Share of reads made as the client makes them (a batch under the rules) rather than through markConversationRead. */
  clientReadShare: number;
  /** How late a trigger may run, in event-loop turns (memory) — on Firestore each turn is a round trip's chance. */
  maxTriggerDelay: number;
  stepMs: number;
}

export interface ScenarioResult {
  messageIds: string[];
  /** Each member's final read position, as the reads that were made set it (joinedAt for members who never read). */
  readPositions: Map<string, Date | null>;
  /** The sequence number each member's latest read covered (0 for members who never read). */
  readSeqs: Map<string, number>;
  triggerRuns: number;
  readsMade: { callable: number; client: number };
}

const as = (uid: string): Caller => ({ uid, roles: new Set() });

/** mulberry32: a failing interleaving reproduces from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A read as a client makes it under firestore.rules: one batch that moves the member's read position (`lastReadAt` =
 * request.time on both documents, `lastReadSeq` = the conversation's `lastMessageSeq` the client shows) and resets the
 * legacy count. request.time is the time the batch is applied, so every message in the `lastMessageSeq` the client
 * shows was created before it. `at` stands in for request.time: pass the clock, and it is read inside the transaction,
 * after the conversation (as request.time would be); a fixed Date is only right when nothing is sent between the
 * moment it was taken and the read (the unit tests' single steps). A Date taken when the read was scheduled let a
 * slow read (the emulator's lock waits) cover messages created after its own `lastReadAt`: those count as read while
 * they are unseen by `unseenByOthers` (the floor), which failed once as `expected 53 to be ≥ 54`.
 * A read applied after a newer one carries a newer time, so it never lands behind it; the helper keeps that property
 * for fixed Dates by leaving a read alone when a newer position is already stored (it covers what is stored then).
 * Reads the conversation in the same transaction, as a client whose snapshot is current when its batch commits (the
 * rules refuse a `lastReadSeq` past the stored `lastMessageSeq` or behind the stored one).
 */
export async function clientReadAt(
  store: DocumentStore,
  cid: string,
  uid: string,
  at: Date | { now(): Date },
): Promise<{ at: Date; seq: number }> {
  return store.transaction(async (tx) => {
    const [position, member, conversation] = await tx.getAll([
      paths.readPosition(cid, uid),
      paths.member(cid, uid),
      paths.conversation(cid),
    ]);
    const time = at instanceof Date ? at : at.now();
    const stored = position?.data?.lastReadAt;
    if (stored instanceof Date && stored.getTime() >= time.getTime())
      return { at: time, seq: Number(member?.data?.lastReadSeq ?? 0) };
    const seq = Math.max(Number(member?.data?.lastReadSeq ?? 0), Number(conversation?.data?.lastMessageSeq ?? 0));
    tx.set(paths.readPosition(cid, uid), { lastReadAt: time });
    tx.update(paths.member(cid, uid), { lastReadAt: time, lastReadSeq: seq, unreadCount: 0 });
    return { at: time, seq };
  });
}

/** clientReadAt at a fixed time; returns the seq it covered. */
export async function clientRead(store: DocumentStore, cid: string, uid: string, at: Date): Promise<number> {
  return (await clientReadAt(store, cid, uid, at)).seq;
}

export async function runInterleaved(world: ScenarioWorld, options: ScenarioOptions): Promise<ScenarioResult> {
  const random = prng(options.seed);
  // Trigger delays draw from their own stream, so the schedule (who sends, who reads, when) is the same on every store.
  const lateness = prng(options.seed * 7919 + 1);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  // The schedule: sends and reads in time order, reads at random places among the sends.
  const ops: Array<{ kind: 'send'; i: number } | { kind: 'read' }> = Array.from(
    { length: options.messages },
    (_, i) => ({ kind: 'send' as const, i }),
  );
  for (let r = 0; r < options.reads; r++) ops.splice(1 + Math.floor(random() * ops.length), 0, { kind: 'read' });

  const readPositions = new Map<string, Date | null>();
  const readSeqs = new Map<string, number>();
  const messageIds: string[] = [];
  const work: Promise<unknown>[] = [];
  const readsMade = { callable: 0, client: 0 };
  let triggerRuns = 0;

  const runTrigger = async (mid: string) => {
    const delay = Math.floor(lateness() * options.maxTriggerDelay);
    for (let k = 0; k < delay; k++) await turn();
    const snapshot = await world.store.get(paths.message(world.cid, mid));
    triggerRuns++;
    await world.messaging.onMessageCreated.handle(world.cid, mid, snapshot.data as DocData);
  };
  const noteRead = (uid: string, at: Date, seq: number) => {
    const previous = readPositions.get(uid);
    if (!previous || previous.getTime() < at.getTime()) readPositions.set(uid, at);
    readSeqs.set(uid, Math.max(readSeqs.get(uid) ?? 0, seq));
  };

  for (const op of ops) {
    world.clock.advance(options.stepMs);
    if (op.kind === 'send') {
      const sender = world.members[op.i % world.members.length]!;
      work.push(
        (async () => {
          const { messageId } = await world.messaging.messages.send(as(sender), {
            conversationId: world.cid,
            type: 'text',
            text: `message ${op.i}`,
            clientMessageId: `u${String(op.i).padStart(3, '0')}`,
          });
          messageIds.push(messageId);
          await Promise.all(Array.from({ length: options.duplicateRuns ? 2 : 1 }, () => runTrigger(messageId)));
        })(),
      );
    } else {
      const reader = pick(world.members);
      if (random() < options.clientReadShare) {
        readsMade.client++;
        // The time is taken when the batch is applied, not when the read was scheduled (clientReadAt). The loop waits
        // for it before moving the clock on: otherwise, on a store slower than the loop (the emulator), every read
        // lands after the last step and covers everything, and the scenario tests nothing. Sends and their late
        // triggers still run alongside it.
        const read = await clientReadAt(world.store, world.cid, reader, world.clock);
        noteRead(reader, read.at, read.seq);
      } else {
        readsMade.callable++;
        // markRead also takes its time inside its transaction: waited for like a client read.
        const read = await world.messaging.conversations.markRead(as(reader), { conversationId: world.cid });
        noteRead(reader, new Date(read.lastReadAt), read.lastReadSeq);
      }
    }
    // Let the world move a little between two user actions, so sends, reads and triggers overlap.
    const gap = Math.floor(random() * 3);
    for (let k = 0; k < gap; k++) await turn();
  }
  await Promise.all(work);
  return { messageIds, readPositions, readSeqs, triggerRuns, readsMade };
}

/**
 * The least every member's count may be: the messages by others created after the member's last read, which they
 * cannot have seen. (The increment model counted exactly these; see the header for what sequence numbers add.)
 */
export async function unseenByOthers(world: ScenarioWorld, result: ScenarioResult): Promise<Map<string, number>> {
  const messages = (await world.store.getAll(result.messageIds.map((mid) => paths.message(world.cid, mid)))).map(
    (s) => s.data!,
  );
  const expected = new Map<string, number>();
  for (const uid of world.members) {
    const readAt = result.readPositions.get(uid) ?? null;
    expected.set(
      uid,
      messages.filter(
        (m) => m.senderId !== uid && (readAt === null || (m.createdAt as Date).getTime() > readAt.getTime()),
      ).length,
    );
  }
  return expected;
}

/** The most every member's count may be: what was numbered after the member's last read. */
export async function numberedSinceRead(world: ScenarioWorld, result: ScenarioResult): Promise<Map<string, number>> {
  const last = Number((await world.store.get(paths.conversation(world.cid))).data?.lastMessageSeq ?? 0);
  return new Map(world.members.map((uid) => [uid, last - (result.readSeqs.get(uid) ?? 0)]));
}

/** Each member's count as the client computes it from the conversation and their member document. */
export async function actualUnread(world: ScenarioWorld): Promise<Map<string, number>> {
  const [conversation, ...docs] = await world.store.getAll([
    paths.conversation(world.cid),
    ...world.members.map((uid) => paths.member(world.cid, uid)),
  ]);
  return new Map(world.members.map((uid, i) => [uid, unreadOf(conversation?.data ?? {}, docs[i]?.data ?? {})]));
}

/** The sequence numbers the processed markers of these messages hold, sorted. */
export async function assignedSeqs(world: ScenarioWorld, messageIds: readonly string[]): Promise<number[]> {
  const markers = await world.store.getAll(
    messageIds.map((mid) => `${paths.conversation(world.cid)}/processed/${mid}`),
  );
  return markers.map((m) => Number(m.data?.seq)).sort((a, b) => a - b);
}

/** The newest message of the conversation (system messages included), by createdAt then id, as the summary must hold. */
export async function newestMessageId(world: ScenarioWorld): Promise<string> {
  const all = await world.store.query(paths.messages(world.cid));
  const sorted = all.sort(
    (a, b) =>
      (a.data!.createdAt as Date).getTime() - (b.data!.createdAt as Date).getTime() ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  return sorted.at(-1)!.id;
}

/**
 * Counts the writes that land on the documents `matches` selects, on `store` itself (the use cases already hold it):
 * direct writes, batches, and the writes of each transaction's committed attempt (an aborted attempt's never landed).
 */
export function countWrites(
  store: DocumentStore,
  matches: (path: string) => boolean,
): { writes: () => number; lockingAttempts: () => number; stop: () => void } {
  let writes = 0;
  // Transaction attempts that read a matching document: on Firestore each holds a lock on it (the contention).
  let lockingAttempts = 0;
  const original = {
    create: store.create.bind(store),
    set: store.set.bind(store),
    update: store.update.bind(store),
    delete: store.delete.bind(store),
    commit: store.commit.bind(store),
    transaction: store.transaction.bind(store),
  };
  const wrapTx = (tx: Transaction, attempt: { writes: number }): Transaction => {
    const note = (p: string) => {
      if (matches(p)) attempt.writes++;
    };
    let locked = false;
    const lock = (ps: readonly string[]) => {
      if (!locked && ps.some(matches)) {
        locked = true;
        lockingAttempts++;
      }
    };
    return {
      get: (p) => (lock([p]), tx.get(p)),
      getAll: (ps) => (lock(ps), tx.getAll(ps)),
      query: (c, q) => tx.query(c, q),
      create: (p, d) => (note(p), tx.create(p, d)),
      set: (p, d, o) => (note(p), tx.set(p, d, o)),
      update: (p, d) => (note(p), tx.update(p, d)),
      delete: (p) => (note(p), tx.delete(p)),
    };
  };
  const patched: Partial<DocumentStore> = {
    create: async (p, d) => {
      const created = await original.create(p, d);
      if (created && matches(p)) writes++;
      return created;
    },
    set: async (p, d, o) => {
      await original.set(p, d, o);
      if (matches(p)) writes++;
    },
    update: async (p, d) => {
      await original.update(p, d);
      if (matches(p)) writes++;
    },
    delete: async (p) => {
      await original.delete(p);
      if (matches(p)) writes++;
    },
    commit: async (ops) => {
      await original.commit(ops);
      writes += ops.filter((op) => matches(op.path)).length;
    },
    transaction: async <T>(fn: (tx: Transaction) => Promise<T>): Promise<T> => {
      const attempt = { writes: 0 };
      const result = await original.transaction((tx) => {
        attempt.writes = 0;
        return fn(wrapTx(tx, attempt));
      });
      writes += attempt.writes;
      return result;
    },
  };
  Object.assign(store, patched);
  return {
    writes: () => writes,
    lockingAttempts: () => lockingAttempts,
    stop: () => {
      Object.assign(store, original);
    },
  };
}
