import { describe, expect, it } from 'vitest';
import { FirestoreDocumentStore } from '../../../src/adapters/firestore/firestoreDocumentStore.js';
import type { Caller } from '../../../src/domain/caller.js';
import { paths } from '../../../src/domain/paths.js';
import { isolatedFirestore } from '../isolatedProject.js';
import { testWorld } from '../../support/world.js';
import {
  actualUnread,
  assignedSeqs,
  countWrites,
  newestMessageId,
  numberedSinceRead,
  runInterleaved,
  unseenByOthers,
} from '../../support/unreadScenario.js';

/**
 * Issue 12, "Messaging counters", on Firestore (the emulator's pessimistic locks, real transactions and queries): the
 * same scenario as test/unit/messaging/unreadOrdering.test.ts, through the real use cases (sendMessage,
 * markConversationRead, the onMessageCreated handler) against the FirestoreDocumentStore. 100 messages from 10
 * members, 50 reads interleaved (half as the client's batch, half through markConversationRead), every trigger run late
 * and twice, all concurrently: exact unread counts for every member, the newest message in the summary, and the
 * conversation document's writes counted. A project of its own (isolatedProject.ts), so the deployed triggers never
 * fire on these documents.
 */
describe('unread counters and summary on Firestore', () => {
  const store = new FirestoreDocumentStore(() => isolatedFirestore());
  const tag = `${process.pid}${Date.now().toString(36)}`;
  const as = (uid: string): Caller => ({ uid, roles: new Set() });

  it(
    '100 concurrent messages from 10 members, 50 reads interleaved, every trigger late and twice: exact counts and summary',
    { timeout: 300_000 },
    async () => {
      const members = Array.from({ length: 10 }, (_, i) => `u${i}-${tag}`);
      const {
        infra,
        services: { messaging },
      } = await testWorld({ now: '2026-11-21T10:00:00.000Z', store, users: members });
      const { conversationId: cid } = await messaging.conversations.createGroup(as(members[0]!), {
        title: 'Busy',
        memberIds: members.slice(1),
      });
      infra.clock.advance(1000);
      const world = { store, messaging, clock: infra.clock, cid, members };
      const counter = countWrites(store, (p) => p === paths.conversation(cid));

      const started = Date.now();
      const result = await runInterleaved(world, {
        messages: 100,
        reads: 50,
        seed: 12,
        duplicateRuns: true,
        clientReadShare: 0.5,
        maxTriggerDelay: 40,
        stepMs: 7,
      });
      const ms = Date.now() - started;
      counter.stop();

      expect(result.messageIds).toHaveLength(100);
      expect(result.triggerRuns).toBe(200);
      // Issue 14: numbered once each, counts between what the member cannot have seen and what was numbered since
      // their last read (test/support/unreadScenario.ts), and one read each clears them.
      expect(await assignedSeqs(world, result.messageIds)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      const actual = await actualUnread(world);
      const floor = await unseenByOthers(world, result);
      const ceiling = await numberedSinceRead(world, result);
      for (const uid of members) {
        expect(actual.get(uid)!).toBeGreaterThanOrEqual(floor.get(uid)!);
        expect(actual.get(uid)!).toBeLessThanOrEqual(ceiling.get(uid)!);
      }
      // Not a vacuous pass: some members have messages unread, and some reads covered messages.
      expect([...floor.values()].some((n) => n > 0)).toBe(true);
      expect([...floor.values()].some((n) => n < 90)).toBe(true);
      for (const uid of members) await messaging.conversations.markRead(as(uid), { conversationId: cid });
      expect([...(await actualUnread(world)).values()]).toEqual(members.map(() => 0));

      const conversation = (await store.get(paths.conversation(cid))).data!;
      const newest = await newestMessageId(world);
      expect((conversation.lastMessage as { messageId: string }).messageId).toBe(newest);
      expect(conversation.lastMessageAt).toEqual((await store.get(paths.message(cid, newest))).data?.createdAt);
      const summarySteps = new Map<string, number>();
      for (const line of infra.logger.lines.filter(
        (l) => l.message === 'message processed' && l.conversationId === cid,
      )) {
        summarySteps.set(String(line.summary), (summarySteps.get(String(line.summary)) ?? 0) + 1);
      }
      console.info(
        `[unread on Firestore] summary step of the 200 runs: ${JSON.stringify(Object.fromEntries(summarySteps))}; 100 messages, 200 trigger runs, ${result.readsMade.callable} callable + ${result.readsMade.client} client reads in ${ms} ms; ` +
          `conversation document: ${counter.writes()} writes (${(counter.writes() / 100).toFixed(2)} per message), ${counter.lockingAttempts()} transaction attempts reading it`,
      );
    },
  );

  it(
    'messages in order, each trigger on time: the summary follows every message, counts stay exact',
    { timeout: 120_000 },
    async () => {
      const members = Array.from({ length: 3 }, (_, i) => `s${i}-${tag}`);
      const {
        infra,
        services: { messaging },
      } = await testWorld({ now: '2026-11-21T11:00:00.000Z', store, users: members });
      const { conversationId: cid } = await messaging.conversations.createGroup(as(members[0]!), {
        title: 'Calm',
        memberIds: members.slice(1),
      });
      const counter = countWrites(store, (p) => p === paths.conversation(cid));
      for (let i = 0; i < 10; i++) {
        infra.clock.advance(1000);
        const { messageId } = await messaging.messages.send(as(members[i % 3]!), {
          conversationId: cid,
          type: 'text',
          text: `m${i}`,
          clientMessageId: `m${i}`,
        });
        const snap = await store.get(paths.message(cid, messageId));
        await messaging.onMessageCreated.handle(cid, messageId, snap.data!);
        expect(((await store.get(paths.conversation(cid))).data?.lastMessage as { messageId: string }).messageId).toBe(
          messageId,
        );
        if (i === 4) {
          infra.clock.advance(1);
          await messaging.conversations.markRead(as(members[1]!), { conversationId: cid });
        }
      }
      counter.stop();
      // As the client computes it (issue 14): lastMessageSeq − lastReadSeq − own messages past it.
      const unread = [...(await actualUnread({ store, messaging, clock: infra.clock, cid, members })).values()];
      // s0 sent m0,3,6,9 and missed 6; s1 read after m4, then missed m5,m6,m8,m9 (it sent m7) = 4; s2 sent 2,5,8 and missed 7.
      expect(unread).toEqual([6, 4, 7]);
      console.info(
        `[unread on Firestore] 10 messages in order, triggers on time: conversation document writes ${counter.writes()} (1 per message, as before), ${counter.lockingAttempts()} transaction attempts reading it`,
      );
    },
  );
});
