import { beforeAll, describe, expect, it } from 'vitest';
import { unreadOf } from '../../../src/domain/messaging/conversation.js';
import { readSeed } from '../../../src/local/seedData.js';
import type { Seed } from '../../../src/local/seedData.js';
import type { SeedWrite } from '../../../src/local/seedDocuments.js';
import { seedDocuments, seedMessageId } from '../../../src/local/seedDocuments.js';
import { paths } from '../../../src/domain/paths.js';
import { processedMarker } from '../../../src/app/messaging/onMessageCreated.js';

/**
 * Seeded conversations on the sequence-number model (issue 14): `lastMessageSeq`, each member's `lastReadSeq`, and the
 * processed markers' `seq` agree with the seeded messages, so the client's count (unreadOf) needs no legacy fallback
 * and equals what the seed means: what others sent after the member's own last message.
 */
let seed: Seed;
let byPath: Map<string, SeedWrite['data']>;

beforeAll(async () => {
  seed = await readSeed();
  byPath = new Map(seedDocuments(seed, { now: new Date('2026-11-21T12:00:00Z') }).map((w) => [w.path, w.data]));
});

describe('seed data on sequence numbers', () => {
  it('numbers every seeded message 1…N in creation order and counts unread from seq alone', () => {
    let counted = 0;
    for (const c of seed.conversations) {
      const sorted = [...c.messages].sort((a, b) => a.at.getTime() - b.at.getTime());
      const numbered = sorted.filter((m) => m.type !== 'system');
      const conversation = byPath.get(paths.conversation(c.conversationId))!;
      expect(conversation.lastMessageSeq ?? 0, c.conversationId).toBe(numbered.length);
      expect(
        numbered.map((m) => byPath.get(processedMarker(c.conversationId, seedMessageId(m.senderId, m.id)))?.seq),
      ).toEqual(numbered.map((_, i) => i + 1));
      for (const uid of c.memberIds) {
        const member = byPath.get(paths.member(c.conversationId, uid))!;
        expect(typeof member.lastReadSeq, `${c.conversationId}/${uid}`).toBe('number');
        const own = sorted.findLast((m) => m.senderId === uid);
        const expected = sorted.filter(
          (m) => m.senderId !== uid && m.type !== 'system' && (!own || m.at.getTime() > own.at.getTime()),
        ).length;
        // Without the legacy field, the count is the same: nothing rides on the fallback.
        const { unreadCount: _legacy, ...seqOnly } = member;
        expect(unreadOf(conversation, seqOnly), `${c.conversationId}/${uid}`).toBe(expected);
        expect(unreadOf(conversation, member)).toBe(expected);
        counted += expected;
      }
    }
    // Not vacuous: the seed has unread messages (Indigo Collective: Arjun has Olu's file and Sofia's reply).
    expect(counted).toBeGreaterThan(0);
    expect(
      unreadOf(
        byPath.get('conversations/grp_indigo_collective')!,
        byPath.get('conversations/grp_indigo_collective/members/u_arjun')!,
      ),
    ).toBe(2);
  });
});
