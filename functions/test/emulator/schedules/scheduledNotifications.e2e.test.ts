import { getFirestore } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import { FirestoreDocumentStore } from '../../../src/adapters/firestore/firestoreDocumentStore.js';
import { adminApp } from '../../../src/composition/cloud.js';
import { eventIdFor } from '../../../src/app/notifications/eventPipeline.js';
import { deliveryId } from '../../../src/domain/delivery.js';
import { paths } from '../../../src/domain/paths.js';
import { releaseKey, reminderId, schedulePath } from '../../../src/domain/scheduling/schedules.js';
import { callAs, eventually, outbox, runSchedule, useTriggerChains } from '../../support/fakes/emulatorChain.js';

/**
 * Scheduled notifications through the Auth, Firestore, Functions and Pub/Sub emulators with the sandbox FCM: the
 * deployed callables schedule and move a reminder, the deployed `releaseScheduledNotifications` (run as Cloud Scheduler
 * runs it, twice) turns it into one event, and the pipeline's trigger pushes it once. And an auction announcement
 * written to events/ makes remindersOnEventWritten keep its two reminders, which its cancellation cancels.
 */
const store = new FirestoreDocumentStore(() => getFirestore(adminApp()));
const run = `${process.pid}${Date.now().toString(36)}`;
const CHAIN_MS = 150_000;
const MINUTE = 60_000;

describe('scheduled notifications in the emulators', () => {
  useTriggerChains();

  it(
    'schedule → reschedule → due → two scheduler runs → one event, one push',
    async () => {
      const ana = `sched-ana-${run}`;
      await store.set(paths.user(ana), {
        displayName: 'Ana',
        kind: 'collector',
        email: `ana-${run}@example.com`,
        emailVerified: true,
        timeZone: 'UTC',
        locale: 'en',
      });
      await store.set(paths.preferences(ana), { quietHours: { enabled: false } });
      await store.set(paths.device(ana, 'phone'), {
        deviceId: 'phone',
        token: `sandbox-token-${run}`,
        platform: 'ios',
        appVersion: '3.4.1',
        locale: 'en',
        lastSeenAt: new Date(),
        createdAt: new Date(),
      });
      const at = new Date(Date.now() + 10 * MINUTE).toISOString();
      const scheduled = await callAs<{ id: string; status: string; created: boolean }>(ana, 'scheduleNotification', {
        requestId: `req-${run}`,
        at,
        title: 'Bid on the raku bowl',
        body: 'The auction you saved ends tonight.',
        link: '/auctions/a1',
      });
      expect(scheduled).toMatchObject({ status: 'pending', created: true });
      // Someone else cannot name Ana; bad dates are refused naming the field.
      await expect(
        callAs(`sched-eve-${run}`, 'scheduleNotification', {
          requestId: 'x',
          at,
          recipientId: ana,
          title: 't',
          body: 'b',
        }),
      ).rejects.toThrow();
      await expect(
        callAs(ana, 'scheduleNotification', { requestId: 'y', at: '2026-02-30T10:00:00Z', title: 't', body: 'b' }),
      ).rejects.toThrow(/at/);
      const moved = await callAs<{ changed: boolean; dueAt: string }>(ana, 'rescheduleNotification', {
        id: scheduled.id,
        at: new Date(Date.now() + 20 * MINUTE).toISOString(),
      });
      expect(moved.changed).toBe(true);

      // Time passes: the item is due (the emulator cannot move its clock, so the item's time moves instead).
      await store.update(schedulePath(scheduled.id), { dueAt: new Date(Date.now() - 1000) });
      await runSchedule('releaseScheduledNotifications');
      await runSchedule('releaseScheduledNotifications');
      const item = (await store.get(schedulePath(scheduled.id))).data;
      const eventId = eventIdFor(releaseKey(scheduled.id, 2));
      expect(item).toMatchObject({ status: 'released', version: 2, eventId });

      const [push] = await eventually(
        "Ana's reminder in the sandbox FCM",
        () => outbox('push', { deliveryId: deliveryId(eventId, ana, 'push') }),
        (c) => c.length >= 1,
        CHAIN_MS,
      );
      expect(JSON.stringify(push)).toContain('Bid on the raku bowl');
      const notes = await eventually(
        "Ana's in-app reminder",
        async () => (await store.query(paths.notifications(ana))).map((s) => s.data),
        (list) => list.length >= 1,
        CHAIN_MS,
      );
      expect(notes).toEqual([
        expect.objectContaining({ type: 'reminder.due', body: 'The auction you saved ends tonight.' }),
      ]);
      expect(await outbox('push', { deliveryId: deliveryId(eventId, ana, 'push') })).toHaveLength(1);
      await expect(callAs(ana, 'cancelScheduledNotification', { id: scheduled.id })).rejects.toThrow(/delivered/);
    },
    CHAIN_MS * 3,
  );

  it(
    'auction.listed in events/ → two reminders; auction.cancelled → both cancelled',
    async () => {
      const auctionId = `auc-${run}`;
      const endsAt = new Date(Date.now() + 48 * 60 * MINUTE).toISOString();
      const base = { auctionId, auctionTitle: 'Raku tea bowl', sellerId: `seller-${run}` };
      await store.set(paths.event(`listed-${run}`), {
        type: 'auction.listed',
        idempotencyKey: `listed-${run}`,
        occurredAt: new Date(),
        payload: { ...base, endsAt },
      });
      const ids = (['24h', '1h'] as const).map((label) => reminderId('auction', auctionId, label));
      const pending = await eventually(
        'both reminders scheduled',
        () => Promise.all(ids.map(async (id) => (await store.get(schedulePath(id))).data)),
        (docs) => docs.every((d) => d?.status === 'pending'),
        CHAIN_MS,
      );
      expect(pending[1]).toMatchObject({
        dueAt: new Date(Date.parse(endsAt) - 60 * MINUTE),
        message: { type: 'auction.ending_soon', payload: { minutesLeft: 60 } },
      });
      await store.set(paths.event(`cancelled-${run}`), {
        type: 'auction.cancelled',
        idempotencyKey: `cancelled-${run}`,
        occurredAt: new Date(Date.now() + 1000),
        payload: base,
      });
      await eventually(
        'both reminders cancelled',
        () => Promise.all(ids.map(async (id) => (await store.get(schedulePath(id))).data)),
        (docs) => docs.every((d) => d?.status === 'cancelled'),
        CHAIN_MS,
      );
    },
    CHAIN_MS * 3,
  );
});
