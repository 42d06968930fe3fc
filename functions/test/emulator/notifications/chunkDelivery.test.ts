import type { DocumentReference, Firestore } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/adapters/clocks.js';
import { FirestoreDocumentStore } from '../../../src/adapters/firestore/firestoreDocumentStore.js';
import { MemoryPublisher } from '../../../src/adapters/memory/memoryPublisher.js';
import { deliverChunk, unpublishedReceipts } from '../../../src/app/notifications/chunkDelivery.js';
import { preferencesFromSnapshot } from '../../../src/app/notifications/preferencesRepo.js';
import { RateLimiter, rateCounterPath } from '../../../src/app/notifications/rateLimits.js';
import { deliverToRecipient } from '../../../src/app/notifications/recipientDelivery.js';
import { jobsInMessage } from '../../../src/domain/delivery/batch.js';
import { planEvent } from '../../../src/domain/notifications/plans.js';
import { parseEvent } from '../../../src/domain/notifications/events.js';
import { paths } from '../../../src/domain/paths.js';
import { userProfileSchema } from '../../../src/domain/users.js';
import { isolatedFirestore } from '../isolatedProject.js';
import { followersWorkshop } from '../../unit/notifications/fixture.js';

/**
 * A fan-out chunk on the real Firestore emulator (batches with create-only receipts, one rate-limit transaction)
 * leaves exactly the documents the per-recipient path (`deliverToRecipient`, one transaction each) leaves for the
 * same recipients, event and clock, and a replay of the chunk adds nothing.
 */
const NOW = '2026-06-10T14:00:00Z';
const EVENT_ID = 'evt_chunk_emulator';
const event = parseEvent({ ...followersWorkshop('kai'), idempotencyKey: 'chunk-emulator' });
const notification = planEvent(event, { criticalCommissionUsd: 2000 }).audience!.notification;
const UIDS = Array.from({ length: 24 }, (_, i) => `f${String(i).padStart(2, '0')}`);

async function seed(db: Firestore) {
  const batch = db.batch();
  for (const [i, uid] of UIDS.entries()) {
    batch.set(db.doc(paths.user(uid)), {
      displayName: uid,
      // Every fourth in Tokyo (23:00: quiet hours, held for the digest), every third in German.
      timeZone: i % 4 === 3 ? 'Asia/Tokyo' : 'UTC',
      locale: i % 3 === 0 ? 'de' : 'en',
      email: `${uid}@studio.example`,
      emailVerified: i % 5 !== 0,
    });
  }
  // One follower already at today's email limit; one with email switched off for community events.
  batch.set(db.doc(rateCounterPath('f01', '2026-06-10')), { email: { count: 50 } });
  batch.set(db.doc(paths.preferences('f02')), { categories: { community: { channels: { email: false } } } });
  await batch.commit();
}

function deps(db: Firestore) {
  const store = new FirestoreDocumentStore(() => db);
  return {
    store,
    publisher: new MemoryPublisher(),
    clock: new ManualClock(NOW),
    rateLimiter: new RateLimiter(store, { sms: 10, email: 50, inApp: 500 }),
    webAppUrl: 'https://craft.example',
  };
}

/**
 * Every document of the project below these collections, by path, with `holders` (the chunk's keyed reservations, in
 * each channel's map of a rate counter) left out.
 */
async function dump(db: Firestore): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const walk = async (refs: DocumentReference[]) => {
    for (const ref of refs) {
      const snap = await ref.get();
      if (snap.exists) {
        out[ref.path] = JSON.parse(
          JSON.stringify(snap.data()!, (key, value: unknown) => (key === 'holders' ? undefined : value)),
        );
      }
      for (const sub of await ref.listCollections()) await walk(await sub.listDocuments());
    }
  };
  for (const top of ['users', 'deliveries', 'events', 'digests']) await walk(await db.collection(top).listDocuments());
  return out;
}

/**
 * How the two paths say a receipt's jobs went out differs: the per-recipient path updates each receipt
 * (`published`, `publishedAt`), the chunk names its run on each receipt (`batch`) and writes one marker per run
 * (`events/{id}/publications/{run}`). Compared apart (unpublishedReceipts); everything else must be the same.
 */
function withoutPublication(docs: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [path, data] of Object.entries(docs)) {
    if (path.includes('/publications/')) continue;
    if (!path.includes('/recipients/')) {
      out[path] = data;
      continue;
    }
    const { published: _p, publishedAt: _at, batch: _b, ...rest } = data as Record<string, unknown>;
    out[path] = rest;
  }
  return out;
}

describe('fan-out chunk on Firestore (emulator)', () => {
  it(
    'writes the same documents as the per-recipient path, and a replay adds nothing',
    { timeout: 300_000 },
    async () => {
      const tag = `${process.pid}${Date.now().toString(36)}`;
      const before = isolatedFirestore(`demo-chunk-old-${tag}`);
      const after = isolatedFirestore(`demo-chunk-new-${tag}`);
      await Promise.all([seed(before), seed(after)]);

      // Before: one transaction per recipient.
      const old = deps(before);
      const [profiles, prefs] = await Promise.all([
        old.store.getAll(UIDS.map((uid) => paths.user(uid))),
        old.store.getAll(UIDS.map((uid) => paths.preferences(uid))),
      ]);
      for (const [i, uid] of UIDS.entries()) {
        await deliverToRecipient(
          old,
          EVENT_ID,
          'attempt-1',
          { uid, profile: userProfileSchema.parse(profiles[i]!.data), prefs: preferencesFromSnapshot(prefs[i]!) },
          notification,
        );
      }

      // After: the chunk.
      const chunk = deps(after);
      const outcome = await deliverChunk(chunk, EVENT_ID, 'attempt-1', UIDS, notification);
      expect(outcome).toMatchObject({ delivered: UIDS.length, duplicate: 0, transactions: 1 });

      const expected = withoutPublication(await dump(before));
      const full = await dump(after);
      const actual = withoutPublication(full);
      expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
      expect(actual).toEqual(expected);
      // One rate counter document per recipient and day, a map per channel: f04's email and in-app were reserved in
      // one transaction by the per-recipient path (two reserveIn on one document, both counted) and in the chunk's
      // one getAll; f01 was at its email limit.
      const day = rateCounterPath('f04', '2026-06-10');
      for (const docs of [expected, actual]) {
        expect(docs[day]).toMatchObject({ email: { count: 1, limit: 50 }, inApp: { count: 1, limit: 500 } });
        expect(docs[rateCounterPath('f01', '2026-06-10')]).toMatchObject({ email: { count: 50 }, inApp: { count: 1 } });
      }
      expect(Object.keys(full).filter((p) => p.includes('/counters/rate_'))).toEqual(
        UIDS.map((uid) => rateCounterPath(uid, '2026-06-10')).filter((p) => p in full),
      );
      expect((await after.doc(day).get()).data()).toMatchObject({
        email: { holders: { [EVENT_ID]: true } },
        inApp: { holders: { [EVENT_ID]: true } },
      });
      // Every receipt of both paths published; the chunk said so with one marker, not an update per receipt.
      for (const d of [old, chunk]) {
        const receipts = await d.store.query(`events/${EVENT_ID}/recipients`);
        expect(receipts).toHaveLength(UIDS.length);
        expect(await unpublishedReceipts(d.store, EVENT_ID, receipts)).toEqual([]);
      }
      expect(Object.keys(full).filter((p) => p.includes('/publications/'))).toHaveLength(1);
      expect(Object.keys(actual).filter((p) => p.startsWith('digests/')).length).toBeGreaterThan(0);
      expect(chunk.publisher.published.length).toBeGreaterThan(0);

      // A replay (another attempt) finds every receipt and writes nothing.
      const published = chunk.publisher.published.length;
      const replay = await deliverChunk(chunk, EVENT_ID, 'attempt-2', UIDS, notification);
      expect(replay).toMatchObject({ delivered: 0, duplicate: UIDS.length, transactions: 0 });
      expect(await dump(after)).toEqual(full);
      expect(chunk.publisher.published.length).toBe(published);

      // A run that died after committing f06 (German, push and email), before publishing: taken over by another
      // attempt, its jobs are rebuilt from what the receipt kept through Firestore, the same as those first published.
      const jobsOf = (messages: typeof chunk.publisher.published) =>
        messages.flatMap((m) => jobsInMessage(m.data)).filter((j) => j.uid === 'f06');
      const firstJobs = jobsOf(chunk.publisher.published);
      expect(firstJobs.map((j) => [j.channel, j.locale])).toEqual([
        ['push', 'de'],
        ['email', 'de'],
      ]);
      await after.doc(`events/${EVENT_ID}/recipients/f06`).update({
        batch: 'a-run-that-died',
        claimedAt: new Date('2026-06-10T13:00:00Z'),
      });
      const takeover = await deliverChunk(chunk, EVENT_ID, 'attempt-3', UIDS, notification);
      expect(takeover).toMatchObject({ republished: 1, duplicate: UIDS.length - 1 });
      expect(jobsOf(chunk.publisher.published.slice(published))).toEqual(firstJobs);
    },
  );
});
