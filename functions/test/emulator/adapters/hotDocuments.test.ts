import { isolatedFirestore } from '../isolatedProject.js';
import { describe, expect, it } from 'vitest';
import { FirestoreDocumentStore } from '../../../src/adapters/firestore/firestoreDocumentStore.js';
import { processedMarker } from '../../../src/app/messaging/onMessageCreated.js';
import { RateLimiter } from '../../../src/app/notifications/rateLimits.js';
import type { Caller } from '../../../src/domain/caller.js';
import { unreadOf } from '../../../src/domain/messaging/conversation.js';
import { paths } from '../../../src/domain/paths.js';
import { testWorld } from '../../support/world.js';

/**
 * The product's hot documents under the contention they really see, on Firestore (the emulator's pessimistic locks):
 * a burst of messages in one group (every trigger at once, as Cloud Functions runs them, plus duplicate deliveries)
 * numbering every message on one conversation document (`lastMessageSeq`, the summary in the same transaction) and
 * moving the senders' own positions (`ownSeqs`) on their member documents (issue 14: unread counts from sequence
 * numbers, README "Unread counts"), and concurrent SMS against one user's daily rate-limit counter. The same
 * scenarios run on the memory store in the unit tier (test/unit/messaging, test/unit/notifications).
 */
describe('hot documents on Firestore', () => {
  const store = new FirestoreDocumentStore(() => isolatedFirestore());
  const tag = `${process.pid}${Date.now()}`;
  const as = (uid: string): Caller => ({ uid, roles: new Set() });

  it(
    'a burst of 80 messages in one group: exact unread counts, newest summary, each message once',
    { timeout: 120_000 },
    async () => {
      const [owner, admin, member, other] = ['owner', 'admin', 'member', 'other'].map((u) => `${u}${tag}`) as [
        string,
        string,
        string,
        string,
      ];
      const {
        infra,
        services: { messaging },
      } = await testWorld({ now: '2026-11-21T10:00:00.000Z', store, users: [owner, admin, member, other] });
      const { conversationId: cid } = await messaging.conversations.createGroup(as(owner), {
        title: 'Burst',
        memberIds: [admin, member, other],
      });

      const n = 80;
      const sent = [];
      for (let i = 0; i < n; i++) {
        infra.clock.advance(1000);
        sent.push(
          await messaging.messages.send(as(i % 2 ? member : admin), {
            conversationId: cid,
            type: 'text',
            text: `m${i}`,
            clientMessageId: `c${String(i).padStart(3, '0')}`,
          }),
        );
      }
      const trigger = async (mid: string) => {
        const snap = await store.get(paths.message(cid, mid));
        return messaging.onMessageCreated.handle(cid, mid, snap.data!);
      };
      const started = Date.now();
      const outcomes = await Promise.all([...sent, ...sent.slice(0, 10)].map((s) => trigger(s.messageId)));
      const ms = Date.now() - started;
      expect(outcomes.every((o) => o.status === 'processed')).toBe(true);
      expect(outcomes.filter((o) => o.status === 'processed' && o.counted)).toHaveLength(n);
      // Each message numbered once (duplicates included): 1…n, distinct, whatever order the triggers committed in.
      const seqs = outcomes.slice(0, n).map((o) => (o.status === 'processed' ? o.seq : null));
      expect([...seqs].sort((a, b) => a! - b!)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      expect(outcomes.slice(n).map((o) => (o.status === 'processed' ? o.seq : null))).toEqual(seqs.slice(0, 10));

      const conversation = (await store.get(paths.conversation(cid))).data!;
      expect(conversation.lastMessageSeq).toBe(n);
      // As the client computes it: lastMessageSeq − lastReadSeq − own messages past it. Nobody read since joining.
      const unread = async (uid: string) =>
        unreadOf(conversation, (await store.get(paths.member(cid, uid))).data ?? {});
      expect(await unread(owner)).toBe(n);
      expect(await unread(other)).toBe(n);
      expect(await unread(admin)).toBe(n / 2);
      expect(await unread(member)).toBe(n / 2);
      expect((conversation.lastMessage as { messageId: string }).messageId).toBe(sent.at(-1)!.messageId);
      const markers = await store.getAll(sent.map((s) => processedMarker(cid, s.messageId)));
      expect(markers.map((m) => m.data?.seq)).toEqual(seqs);
      console.info(`[hot documents] ${n} triggers + 10 duplicates on one conversation: ${ms} ms`);
    },
  );

  it(
    '12 concurrent SMS against a daily limit of 10: exactly 10 allowed, counts 1…10',
    { timeout: 60_000 },
    async () => {
      const limiter = new RateLimiter(store, { sms: 10 });
      const uid = `sms${tag}`;
      const now = new Date('2026-11-21T10:00:00.000Z');
      const started = Date.now();
      const results = await Promise.all(
        Array.from({ length: 12 }, () => limiter.tryConsume({ uid, channel: 'sms', timeZone: 'Europe/Berlin', now })),
      );
      const ms = Date.now() - started;
      expect(results.filter((r) => r.allowed)).toHaveLength(10);
      expect(
        results
          .filter((r) => r.allowed)
          .map((r) => r.count)
          .sort((a, b) => a - b),
      ).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      console.info(`[hot documents] 12 concurrent SMS on one counter: ${ms} ms`);
    },
  );
});
