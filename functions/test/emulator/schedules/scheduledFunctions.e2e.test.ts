import { getFirestore } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import { FirestoreDocumentStore } from '../../../src/adapters/firestore/firestoreDocumentStore.js';
import { adminApp } from '../../../src/composition/cloud.js';
import { paths } from '../../../src/domain/paths.js';
import { deliveryId } from '../../../src/domain/delivery.js';
import { messageIdFor } from '../../../src/domain/messaging/conversation.js';
import { digestPaths } from '../../../src/app/notifications/digests.js';
import { functionsEmulatorOrigin, scheduledFunctions } from '../../../src/local/sandbox/schedules.js';
import { eventually, outbox, runSchedule, searchRecords, useTriggerChains } from '../../support/fakes/emulatorChain.js';

/**
 * Scheduled functions in the emulator suite, which never fires them on its own: run the way Cloud Scheduler runs them
 * (an HTTP POST with its job headers, what `npm run schedule -- <name>` does), against documents the chains wrote.
 */
const store = new FirestoreDocumentStore(() => getFirestore(adminApp()));
const run = `${process.pid}${Date.now().toString(36)}`;
const CHAIN_MS = 150_000;
const YEAR = 365 * 24 * 60 * 60_000;

describe('scheduled functions (functions emulator, sandbox providers)', () => {
  useTriggerChains();

  it('the emulator knows every schedule the deploy surface exports', async () => {
    const surface = (await import('../../../src/index.js')) as Record<
      string,
      { __endpoint?: { scheduleTrigger?: unknown } }
    >;
    const declared = Object.entries(surface)
      .filter(([, fn]) => fn?.__endpoint?.scheduleTrigger)
      .map(([name]) => name)
      .sort();
    expect(declared).toEqual(
      expect.arrayContaining(['releaseNotificationDigests', 'retentionDaily', 'syncAccountStates']),
    );
    const all = await scheduledFunctions(await functionsEmulatorOrigin());
    expect(all.map((f) => f.name).sort()).toEqual(declared);
  });

  it(
    'releaseNotificationDigests: a burst held for its digest leaves as one grouped push once its window has closed',
    async () => {
      // Chat pushes (issue 14) and time-critical alerts such as bids (issue 18) collapse on the device instead of
      // waiting; comments on a story still burst into a digest.
      const storyId = `sched-digest-${run}`;
      const [ana, ben] = [`ana-${run}`, `ben-${run}`];
      const now = new Date();
      for (const uid of [ana, ben]) {
        await store.set(paths.user(uid), { displayName: uid, timeZone: 'UTC', locale: 'en' });
        await store.set(paths.preferences(uid), { quietHours: { enabled: false } });
      }
      const token = `sandbox-${storyId}-ana-token`;
      await store.set(paths.device(ana, 'tablet'), {
        deviceId: 'tablet',
        token,
        platform: 'ios',
        appVersion: '1.0.0',
        locale: 'en',
        lastSeenAt: now,
        createdAt: now,
      });

      // One comment first (its push leaves at once and opens the burst window), then three more into the window.
      const send = (i: number) =>
        store.set(paths.event(`comment-${run}-${i}`), {
          type: 'social.story_comment',
          idempotencyKey: `comment-${run}-${i}`,
          occurredAt: new Date(),
          payload: {
            storyId,
            storyTitle: 'Glazing day',
            authorId: ana,
            commenterId: ben,
            commenterName: 'Ben',
            comment: `Lovely glaze ${i}`,
          },
        });
      await send(0);
      await eventually(
        'the first push',
        () => outbox('push', { to: token }),
        (c) => c.length === 1,
        CHAIN_MS,
      );
      await Promise.all([1, 2, 3].map(send));
      const [digest] = await eventually(
        "ana's digest holding three comments",
        () => store.query(digestPaths.digests(), { where: [['uid', '==', ana]] }),
        (d) =>
          d.length === 1 &&
          Object.values(d[0]!.data!.items as Record<string, { count: number }>).some((item) => item.count === 3),
        CHAIN_MS,
      );
      expect(digest!.data).toMatchObject({ status: 'pending' });
      await runSchedule('releaseNotificationDigests');
      expect((await store.get(digest!.path)).data?.status).toBe('pending'); // not due yet: the burst window is open

      // The window closes (the emulator's clock cannot be moved, so the digest's release time is).
      await store.update(digest!.path, { releaseAt: new Date(Date.now() - 60_000) });
      await runSchedule('releaseNotificationDigests');
      const released = await eventually(
        'the digest released',
        () => store.get(digest!.path),
        (s) => s.data?.status === 'released',
      );
      const digestId = digest!.path.split('/').at(-1)!;
      const digestDelivery = deliveryId(`digest_${digestId}`, ana, 'push');
      expect(released.data?.jobs).toEqual([expect.objectContaining({ deliveryId: digestDelivery, channel: 'push' })]);

      const [push] = await eventually(
        'the digest push in the sandbox FCM',
        () => outbox('push', { deliveryId: digestDelivery }),
        (c) => c.length === 1,
        CHAIN_MS,
      );
      expect(push!.to).toBe(token);
      expect((push!.request as { message: { data: Record<string, string> } }).message.data).toMatchObject({
        digestId,
      });
      const record = await eventually(
        'the digest delivery sent',
        () => store.get(paths.delivery(digestDelivery)),
        (s) => s.data?.status === 'sent',
      );
      expect(record.data?.batchedDeliveryIds).toHaveLength(3);
      for (const held of record.data!.batchedDeliveryIds as string[]) {
        expect((await store.get(paths.delivery(held))).data).toMatchObject({
          status: 'batched',
          digestDeliveryId: digestDelivery,
        });
      }
      // A second run releases nothing again.
      await runSchedule('releaseNotificationDigests');
      expect(await outbox('push', { to: token })).toHaveLength(2);
    },
    CHAIN_MS * 2,
  );

  it(
    'retentionDaily: deletes notifications and deliveries older than a year and messages older than seven, also from search',
    async () => {
      const uid = `keeper-${run}`;
      const cid = `sched-retention-${run}`;
      const old = new Date(Date.now() - 2 * YEAR);
      const ancient = new Date(Date.now() - 8 * YEAR);
      await store.set(paths.user(uid), { displayName: 'Keeper', timeZone: 'UTC', locale: 'en' });
      await store.set(paths.notification(uid, 'old'), {
        type: 'order.shipped',
        title: 'old',
        body: 'old',
        read: true,
        createdAt: old,
      });
      await store.set(paths.notification(uid, 'recent'), {
        type: 'order.shipped',
        title: 'recent',
        body: 'recent',
        read: true,
        createdAt: new Date(),
      });
      await store.set(paths.delivery(`old_${uid}_push`), { uid, channel: 'push', status: 'sent', createdAt: old });
      await store.set(paths.delivery(`recent_${uid}_push`), {
        uid,
        channel: 'push',
        status: 'sent',
        createdAt: new Date(),
      });
      await store.set(paths.conversation(cid), {
        type: 'group',
        title: 'Archive',
        photo: null,
        memberIds: [uid],
        lastMessage: null,
        lastMessageAt: null,
        settings: { announcementOnly: false, e2ee: false },
        pinnedMessageIds: [],
        createdAt: ancient,
        createdBy: uid,
      });
      await store.set(paths.member(cid, uid), {
        uid,
        role: 'owner',
        displayName: 'Keeper',
        photoUrl: null,
        joinedAt: ancient,
        lastReadAt: ancient,
        unreadCount: 0,
        mutedUntil: null,
        activeUntil: null,
      });
      const ancientMid = messageIdFor(uid, 'ancient');
      const recentMid = messageIdFor(uid, 'recent');
      await store.create(paths.message(cid, ancientMid), {
        senderId: uid,
        type: 'text',
        text: 'from 2018',
        clientMessageId: 'ancient',
        createdAt: ancient,
      });
      await store.create(paths.message(cid, recentMid), {
        senderId: uid,
        type: 'text',
        text: 'from today',
        clientMessageId: 'recent',
        createdAt: new Date(),
      });
      await eventually(
        'both messages in search',
        async () => (await searchRecords()).filter((r) => r.conversationId === cid),
        (r) => r.length === 2,
        CHAIN_MS,
      );

      await runSchedule('retentionDaily');
      expect((await store.get(paths.notification(uid, 'old'))).exists).toBe(false);
      expect((await store.get(paths.notification(uid, 'recent'))).exists).toBe(true);
      expect((await store.get(paths.delivery(`old_${uid}_push`))).exists).toBe(false);
      expect((await store.get(paths.delivery(`recent_${uid}_push`))).exists).toBe(true);
      expect((await store.get(paths.message(cid, ancientMid))).exists).toBe(false);
      expect((await store.get(paths.message(cid, recentMid))).exists).toBe(true);
      // The deleted message left the index too (the delete also fires searchIndexMessage; either way it is gone).
      const records = await eventually(
        'the ancient record gone',
        async () => (await searchRecords()).filter((r) => r.conversationId === cid),
        (r) => r.length === 1,
      );
      expect(records.map((r) => r.objectID)).toEqual([`${cid}/${recentMid}`]);
    },
    CHAIN_MS * 2,
  );
});
