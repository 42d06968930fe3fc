import { getFirestore } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import { FirestoreDocumentStore } from '../../../src/adapters/firestore/firestoreDocumentStore.js';
import { adminApp } from '../../../src/composition/cloud.js';
import { deliveryId } from '../../../src/domain/delivery.js';
import { paths } from '../../../src/domain/paths.js';
import { effectivePreferences } from '../../../src/domain/notifications/preferences.js';
import type { PreferencesPatch } from '../../../src/domain/notifications/preferences.js';
import { eventually, outbox, useTriggerChains } from '../../support/fakes/emulatorChain.js';

/**
 * Marketing (community) email needs a one-click unsubscribe URL, and the emulator's PUBLIC_BASE_URL is loopback http:
 * the sandbox providers allow exactly that (DeliverySettings.loopbackUnsubscribe), so a community email leaves through
 * the sandbox SendGrid with a List-Unsubscribe header pointing at the emulated `unsubscribe` function, and a one-click
 * POST there turns community email off. Auth, Firestore, Functions and Pub/Sub emulators.
 */
const store = new FirestoreDocumentStore(() => getFirestore(adminApp()));
const run = `${process.pid}${Date.now().toString(36)}`;
const CHAIN_MS = 150_000;

describe('community email in the emulators (loopback unsubscribe)', () => {
  useTriggerChains();

  it(
    'goes out with a loopback one-click unsubscribe, and that POST turns community email off',
    async () => {
      const uid = `spot-${run}`;
      await store.set(paths.user(uid), {
        displayName: 'Sela Potter',
        email: `sela-${run}@studio.example`,
        emailVerified: true,
        timeZone: 'UTC',
        locale: 'de',
      });
      // Community email is a daily digest by default: instant here, so the email goes out now.
      await store.set(paths.preferences(uid), {
        quietHours: { enabled: false },
        types: { 'community.creator_spotlight': { frequency: 'instant' } },
      });
      const eventId = `spotlight-${run}`;
      await store.set(paths.event(eventId), {
        type: 'community.creator_spotlight',
        idempotencyKey: eventId,
        occurredAt: new Date(),
        payload: { spotlightId: `s-${run}`, creatorId: uid, creatorName: 'Sela Potter', headline: 'Salt-glazed jugs' },
      });
      const id = deliveryId(eventId, uid, 'email');
      const [mail] = await eventually(
        'the community email in the sandbox SendGrid',
        () => outbox('email', { deliveryId: id }),
        (c) => c.length === 1,
        CHAIN_MS,
      );
      expect(mail).toMatchObject({ to: `sela-${run}@studio.example`, status: 202 });
      const request = JSON.stringify(mail!.request);
      const header =
        /"List-Unsubscribe":"<(http:\/\/(?:127\.0\.0\.1|localhost):\d+\/[^>"]+\/unsubscribe\?token=[^>"]+)>"/.exec(
          request,
        );
      expect(header, request.slice(0, 500)).not.toBeNull();
      expect(request).toContain('List-Unsubscribe=One-Click');
      // The ledger says sent once the provider's answer is recorded, a moment after the sandbox captured the call.
      await eventually(
        'the delivery recorded as sent',
        async () => (await store.get(paths.delivery(id))).data?.status,
        (status) => ['sent', 'delivered'].includes(String(status)),
        CHAIN_MS,
      );

      // The mail client's one-click POST (RFC 8058), to the emulated unsubscribe function; the page is in German.
      const answer = await fetch(header![1]!, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
      expect(answer.status).toBe(200);
      expect(await answer.text()).toContain('lang="de"');
      const prefs = effectivePreferences((await store.get(paths.preferences(uid))).data as PreferencesPatch);
      expect(prefs.types['community.creator_spotlight'].channels.email).toBe(false);
      expect(prefs.types['community.event'].channels.email).toBe(false);
      expect(prefs.types['order.shipped'].channels.email).toBe(true);
    },
    CHAIN_MS * 2,
  );
});
