import { getFirestore } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import { FirestoreDocumentStore } from '../../../src/adapters/firestore/firestoreDocumentStore.js';
import { adminApp } from '../../../src/composition/cloud.js';
import { eventIdFor } from '../../../src/app/notifications/eventPipeline.js';
import { recipientPaths } from '../../../src/app/notifications/recipientDelivery.js';
import { announcementPath } from '../../../src/domain/announcements/announcements.js';
import { deliveryId } from '../../../src/domain/delivery.js';
import { paths } from '../../../src/domain/paths.js';
import { socialPaths } from '../../../src/domain/social/follows.js';
import { releaseKey, schedulePath } from '../../../src/domain/scheduling/schedules.js';
import { callAs, eventually, outbox, runSchedule, useTriggerChains } from '../../support/fakes/emulatorChain.js';

/**
 * System announcements through the Auth, Firestore, Functions and Pub/Sub emulators with the sandbox FCM: an admin
 * calls the deployed sendAnnouncement; the callable releases it (scheduler), onNotificationEventCreated plans it, the
 * notification-fanout consumer claims it and publishes its chunks, and each chunk is delivered under preferences. To a
 * profile role (creators: the collector is not told, the creator who opted out is handled but told nothing) and to a
 * creator's followers (only them); one scheduled for later is cancelled and never goes, one already sent cannot be;
 * to a staff role (users/{uid}.staffRoles) walked in pages of two documents.
 * The role segment reaches every creator in the emulator's database (other files' users too): assertions name only
 * this file's users.
 */
const store = new FirestoreDocumentStore(() => getFirestore(adminApp()));
const run = `${process.pid}${Date.now().toString(36)}`;
// Longer than the other chain files: a role announcement crosses five functions (callable, trigger, two fan-out steps,
// push), each a cold start on a loaded machine (up to ~20 s each measured here).
const CHAIN_MS = 240_000;
const HOUR = 60 * 60_000;

const ADMIN = `ann-root-${run}`;
const CLAIMS = { admin: true };

async function person(
  uid: string,
  kind: 'creator' | 'collector',
  prefs: Record<string, unknown> = {},
  profile: Record<string, unknown> = {},
) {
  await store.set(paths.user(uid), {
    ...profile,
    displayName: uid,
    kind,
    email: `${uid}@example.com`,
    emailVerified: true,
    timeZone: 'UTC',
    locale: 'en',
  });
  // Quiet hours off: the test must not depend on the hour it runs at.
  await store.set(paths.preferences(uid), { quietHours: { enabled: false }, ...prefs });
  await store.set(paths.device(uid, 'phone'), {
    deviceId: 'phone',
    token: `sandbox-token-${uid}`,
    platform: 'ios',
    appVersion: '3.4.1',
    locale: 'en',
    lastSeenAt: new Date(),
    createdAt: new Date(),
  });
}

const announcementNotes = async (uid: string, title: string) =>
  (await store.query(paths.notifications(uid))).map((s) => s.data!).filter((n) => n.title === title);

/** Waits until the fan-out handled `uid` for `eventId` (its receipt), told or not. */
const handled = (eventId: string, uid: string) =>
  eventually(
    `${uid} handled by the fan-out`,
    async () => (await store.get(recipientPaths.receipt(eventId, uid))).exists,
    (done) => done,
    CHAIN_MS,
  );

describe('announcements in the emulators', () => {
  useTriggerChains();

  it(
    'to a role: creators told in the app and by push, the opted-out creator and the collector not; cannot be cancelled once sent',
    async () => {
      const maker = `ann-maker-${run}`;
      const quiet = `ann-quiet-${run}`;
      const buyer = `ann-buyer-${run}`;
      await person(ADMIN, 'collector');
      await person(maker, 'creator');
      await person(quiet, 'creator', { types: { 'system.announcement': { frequency: 'off' } } });
      await person(buyer, 'collector');
      const title = `Winter fair ${run}`;
      // Non-admins are refused; bad input names the field.
      await expect(
        callAs(buyer, 'sendAnnouncement', {
          requestId: 'x',
          segment: { kind: 'all' },
          title,
          body: 'b',
          link: 'https://craft.example/fair',
        }),
      ).rejects.toThrow(/admin/);
      await expect(
        callAs(
          ADMIN,
          'sendAnnouncement',
          { requestId: 'x', segment: { kind: 'all' }, title, body: 'b', link: 'http://craft.example/fair' },
          CLAIMS,
        ),
      ).rejects.toThrow(/data\.link/);

      const sent = await callAs<{ id: string; status: string; created: boolean }>(
        ADMIN,
        'sendAnnouncement',
        {
          requestId: `role-${run}`,
          segment: { kind: 'role', role: 'creator' },
          title,
          body: 'Free shipping this weekend.',
          link: 'https://craft.example/fair',
        },
        CLAIMS,
      );
      expect(sent).toMatchObject({ status: 'scheduled', created: true });
      const eventId = eventIdFor(releaseKey(sent.id, 1));

      const [push] = await eventually(
        "the creator's push in the sandbox FCM",
        () => outbox('push', { deliveryId: deliveryId(eventId, maker, 'push') }),
        (c) => c.length >= 1,
        CHAIN_MS,
      );
      expect(JSON.stringify(push)).toContain(title);
      const notes = await eventually(
        "the creator's in-app announcement",
        () => announcementNotes(maker, title),
        (list) => list.length >= 1,
        CHAIN_MS,
      );
      expect(notes).toEqual([
        expect.objectContaining({ type: 'system.announcement', body: 'Free shipping this weekend.' }),
      ]);

      // The opted-out creator was in the segment and handled, and told nothing anywhere.
      await handled(eventId, quiet);
      expect(await announcementNotes(quiet, title)).toEqual([]);
      expect(await outbox('push', { deliveryId: deliveryId(eventId, quiet, 'push') })).toEqual([]);
      // The collector is not in the segment at all.
      expect((await store.get(recipientPaths.receipt(eventId, buyer))).exists).toBe(false);
      expect(await announcementNotes(buyer, title)).toEqual([]);

      const doc = (await store.get(announcementPath(sent.id))).data!;
      expect(doc).toMatchObject({ status: 'sent', eventId });
      expect(doc.recipients).toBeGreaterThanOrEqual(2);
      const audit = (await store.query('auditLog', { where: [['target.id', '==', sent.id]] })).map((s) => s.data!);
      expect(audit.map((a) => a.action).sort()).toEqual(['announcement.scheduled', 'announcement.sent']);
      expect(audit.find((a) => a.action === 'announcement.sent')).toMatchObject({
        actorUid: ADMIN,
        details: expect.objectContaining({ segment: 'role:creator', recipients: doc.recipients }),
      });

      await expect(callAs(ADMIN, 'cancelAnnouncement', { id: sent.id }, CLAIMS)).rejects.toThrow(
        /already sent to \d+ users; it can no longer be cancelled/,
      );
      // Exactly one push for the creator, however many times the chain ran.
      expect(await outbox('push', { deliveryId: deliveryId(eventId, maker, 'push') })).toHaveLength(1);
    },
    CHAIN_MS * 3,
  );

  it(
    "to a creator's followers only; one scheduled for later is cancelled and never goes",
    async () => {
      const creator = `ann-creator-${run}`;
      const fans = [`ann-fan1-${run}`, `ann-fan2-${run}`];
      const stranger = `ann-stranger-${run}`;
      await person(ADMIN, 'collector');
      await person(creator, 'creator');
      for (const uid of [...fans, stranger]) await person(uid, 'collector');
      for (const uid of fans)
        await store.set(socialPaths.follower(creator, uid), { uid, creatorId: creator, createdAt: new Date() });
      const title = `New glazes ${run}`;
      const sent = await callAs<{ id: string }>(
        ADMIN,
        'sendAnnouncement',
        {
          requestId: `followers-${run}`,
          segment: { kind: 'followers', creatorId: creator },
          title,
          body: 'The spring glazes are in.',
          link: 'https://craft.example/glazes',
        },
        CLAIMS,
      );
      const eventId = eventIdFor(releaseKey(sent.id, 1));
      for (const uid of fans)
        await eventually(
          `${uid}'s announcement`,
          () => announcementNotes(uid, title),
          (list) => list.length === 1,
          CHAIN_MS,
        );
      expect(await announcementNotes(stranger, title)).toEqual([]);
      expect(await announcementNotes(creator, title)).toEqual([]);
      expect((await store.get(recipientPaths.receipt(eventId, stranger))).exists).toBe(false);
      expect((await store.get(announcementPath(sent.id))).data).toMatchObject({ status: 'sent', recipients: 2 });

      // Scheduled an hour ahead, then cancelled: its item is cancelled (and expires); the scheduler never sends it.
      const laterTitle = `Later ${run}`;
      const later = await callAs<{ id: string; status: string }>(
        ADMIN,
        'sendAnnouncement',
        {
          requestId: `later-${run}`,
          segment: { kind: 'followers', creatorId: creator },
          title: laterTitle,
          body: 'Not this time.',
          link: 'https://craft.example/later',
          sendAt: new Date(Date.now() + HOUR).toISOString(),
        },
        CLAIMS,
      );
      expect(later.status).toBe('scheduled');
      expect(await callAs(ADMIN, 'cancelAnnouncement', { id: later.id }, CLAIMS)).toMatchObject({
        status: 'cancelled',
        changed: true,
      });
      expect(await callAs(ADMIN, 'cancelAnnouncement', { id: later.id }, CLAIMS)).toMatchObject({ changed: false });
      const item = (await store.get(schedulePath(later.id))).data!;
      expect(item).toMatchObject({ kind: 'announcement', status: 'cancelled' });
      expect(item.expiresAt).toBeInstanceOf(Date);
      // Its time comes (the emulator cannot move its clock: the item's time moves instead); the release skips it.
      await store.update(schedulePath(later.id), { dueAt: new Date(Date.now() - 1000) });
      await runSchedule('releaseScheduledNotifications');
      expect((await store.get(schedulePath(later.id))).data).toMatchObject({ status: 'cancelled' });
      expect((await store.get(paths.event(eventIdFor(releaseKey(later.id, 1))))).exists).toBe(false);
      for (const uid of fans) expect(await announcementNotes(uid, laterTitle)).toEqual([]);
      expect((await store.get(announcementPath(later.id))).data).toMatchObject({ status: 'cancelled' });
    },
    CHAIN_MS * 3,
  );

  it(
    'to the staff holding a role (the mirrored staffRoles), in pages of 2: each exactly once, a muted one not told',
    async () => {
      // The compliance staff of this run (other files' compliance staff are in the segment too: asserted by name).
      const staff = [1, 2, 3, 4, 5].map((i) => `ann-staff${i}-${run}`);
      const muted = `ann-staffmuted-${run}`;
      const admin = `ann-staffadmin-${run}`;
      await person(ADMIN, 'collector');
      for (const uid of staff) await person(uid, 'collector', {}, { staffRoles: ['compliance'] });
      await person(
        muted,
        'collector',
        { types: { 'system.announcement': { frequency: 'off' } } },
        {
          staffRoles: ['compliance', 'admin'],
        },
      );
      await person(admin, 'collector', {}, { staffRoles: ['admin'] });
      const title = `Compliance rota ${run}`;
      // Sent for later, so that its page size can be made small before it goes (the stored pageSize of an
      // announcement is fixed when it is sent: 1,000 by default), then released by the scheduled function.
      const sent = await callAs<{ id: string; segment: unknown }>(
        ADMIN,
        'sendAnnouncement',
        {
          requestId: `staff-${run}`,
          segment: { kind: 'staff', role: 'compliance' },
          title,
          body: 'The rota for December is up.',
          link: 'https://craft.example/rota',
          sendAt: new Date(Date.now() + HOUR).toISOString(),
        },
        CLAIMS,
      );
      expect(sent.segment).toEqual({ kind: 'staff', role: 'compliance' });
      expect((await store.get(announcementPath(sent.id))).data).toMatchObject({ pageSize: 1000 });
      await store.update(announcementPath(sent.id), { pageSize: 2 });
      await store.update(schedulePath(sent.id), { dueAt: new Date(Date.now() - 1000) });
      await runSchedule('releaseScheduledNotifications');
      const eventId = eventIdFor(releaseKey(sent.id, 1));

      for (const uid of staff)
        await eventually(
          `${uid}'s announcement`,
          () => announcementNotes(uid, title),
          (list) => list.length >= 1,
          CHAIN_MS,
        );
      await handled(eventId, muted);
      const doc = await eventually(
        'the announcement sent',
        async () => (await store.get(announcementPath(sent.id))).data!,
        (d) => d.status === 'sent',
        CHAIN_MS,
      );
      // Six of this run's users at least, two per page: three pages or more, one document read per member.
      expect(doc.recipients).toBeGreaterThanOrEqual(6);
      expect(doc.pages).toBeGreaterThanOrEqual(Math.ceil(((doc.recipients as number) + 1) / 2));
      for (const uid of staff) {
        expect(await announcementNotes(uid, title)).toHaveLength(1);
        // Push goes on after the in-app note (the push function's own message): waited for, then exactly one.
        await eventually(
          `${uid}'s push in the sandbox FCM`,
          () => outbox('push', { deliveryId: deliveryId(eventId, uid, 'push') }),
          (c) => c.length >= 1,
          CHAIN_MS,
        );
        expect(await outbox('push', { deliveryId: deliveryId(eventId, uid, 'push') })).toHaveLength(1);
      }
      expect(await announcementNotes(muted, title)).toEqual([]);
      expect(await outbox('push', { deliveryId: deliveryId(eventId, muted, 'push') })).toEqual([]);
      // An admin without the compliance role is not in the segment.
      expect((await store.get(recipientPaths.receipt(eventId, admin))).exists).toBe(false);
      expect(await announcementNotes(admin, title)).toEqual([]);
      const audit = (await store.query('auditLog', { where: [['target.id', '==', sent.id]] })).map((s) => s.data!);
      expect(audit.find((a) => a.action === 'announcement.sent')).toMatchObject({
        details: expect.objectContaining({ segment: 'staff:compliance', recipients: doc.recipients }),
      });
    },
    CHAIN_MS * 3,
  );
});
