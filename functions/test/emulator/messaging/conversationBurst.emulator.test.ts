import { describe, expect, it } from 'vitest';
import { FirestoreDocumentStore } from '../../../src/adapters/firestore/firestoreDocumentStore.js';
import type { Caller } from '../../../src/domain/caller.js';
import { paths } from '../../../src/domain/paths.js';
import { isolatedFirestore } from '../isolatedProject.js';
import { testWorld } from '../../support/world.js';
import { actualUnread, assignedSeqs, countWrites } from '../../support/unreadScenario.js';

/**
 * The conversation document's write rate (issue 14): every message writes it once (its number and, when newest, the
 * summary), and Firestore sustains about one write per second on one document. A burst of 25 messages in one group
 * within a second, every trigger at once as Cloud Functions runs them, on the emulator's pessimistic locks: all are
 * numbered 1…25 exactly once, the summary is the newest, and the latency of each trigger is reported.
 */
describe('a burst on one conversation document', () => {
  const store = new FirestoreDocumentStore(() => isolatedFirestore());
  const tag = `${process.pid}${Date.now().toString(36)}`;
  const as = (uid: string): Caller => ({ uid, roles: new Set() });

  it(
    '25 messages in one second in one group: every one numbered once, newest summary',
    { timeout: 300_000 },
    async () => {
      const members = Array.from({ length: 8 }, (_, i) => `b${i}-${tag}`);
      const {
        infra,
        services: { messaging },
      } = await testWorld({ now: '2026-11-21T10:00:00.000Z', store, users: members });
      const { conversationId: cid } = await messaging.conversations.createGroup(as(members[0]!), {
        title: 'Burst',
        memberIds: members.slice(1),
      });
      const n = 25;
      // Sent within one (manual-clock) second, 40 ms apart, from every member in turn.
      const sent: string[] = [];
      for (let i = 0; i < n; i++) {
        infra.clock.advance(40);
        const { messageId } = await messaging.messages.send(as(members[i % members.length]!), {
          conversationId: cid,
          type: 'text',
          text: `burst ${i}`,
          clientMessageId: `b${String(i).padStart(2, '0')}`,
        });
        sent.push(messageId);
      }
      const counter = countWrites(store, (p) => p === paths.conversation(cid));
      const started = Date.now();
      const latencies = await Promise.all(
        sent.map(async (mid) => {
          const t0 = Date.now();
          const snap = await store.get(paths.message(cid, mid));
          const outcome = await messaging.onMessageCreated.handle(cid, mid, snap.data!);
          expect(outcome.status).toBe('processed');
          return Date.now() - t0;
        }),
      );
      const wall = Date.now() - started;
      counter.stop();

      expect(await assignedSeqs({ store, messaging, clock: infra.clock, cid, members }, sent)).toEqual(
        Array.from({ length: n }, (_, i) => i + 1),
      );
      const conversation = (await store.get(paths.conversation(cid))).data!;
      expect(conversation.lastMessageSeq).toBe(n);
      expect((conversation.lastMessage as { messageId: string }).messageId).toBe(sent.at(-1));
      const unread = await actualUnread({ store, messaging, clock: infra.clock, cid, members });
      // Everyone sent 3 or 4 of the 25 and has read nothing since joining.
      for (const [i, uid] of members.entries())
        expect(unread.get(uid)).toBe(n - sent.filter((_, k) => k % members.length === i).length);

      const sorted = [...latencies].sort((a, b) => a - b);
      const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
      console.info(
        `[conversation burst] ${n} triggers at once on one conversation: all committed in ${wall} ms; trigger latency p50 ${pct(50)} ms, p90 ${pct(90)} ms, max ${sorted.at(-1)} ms; ` +
          `conversation document: ${counter.writes()} writes, ${counter.lockingAttempts()} transaction attempts reading it (${(counter.lockingAttempts() / n).toFixed(1)} per message)`,
      );
    },
  );
});
