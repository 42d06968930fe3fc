import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useServices } from '../../../src/functions/runtime.js';
import { deleteMyAccount } from '../../../src/functions/compliance.js';
import { paths } from '../../../src/domain/paths.js';
import { call } from '../../support/callables.js';
import { FakeAlgolia } from '../../support/fakes/algoliaServer.js';
import type { Fn, ScanWorld } from '../../support/erasureWorld.js';
import {
  erasureScanWorld,
  EMAIL,
  IDENTIFIERS,
  NAME,
  PHONE,
  scanEverything,
  seedWorld,
  UID,
} from '../../support/erasureWorld.js';

/**
 * The erasure scan: a world where the user appears everywhere the product puts people, the real erasure, then a walk
 * of EVERYTHING (every document of the store at any depth, every search record, every stored object, zips and PDFs
 * opened) looking for her name, email, phone and uid. The walk knows no places: a new place that keeps personal data
 * fails it until erasure handles it (src/domain/compliance/personalData.ts) or the README documents it as a pseudonym.
 */

describe('erasure scan: nothing names the erased user outside the documented pseudonyms', () => {
  let fake: FakeAlgolia;
  let infra: ScanWorld['infra'];
  let services: ScanWorld['services'];

  beforeEach(async () => {
    fake = await new FakeAlgolia().start();
    // The real Algolia client against the loopback Algolia, so the index is scanned as Algolia holds it.
    ({ infra, services } = erasureScanWorld(fake));
  });

  afterEach(async () => {
    useServices(undefined);
    await fake.stop();
  });

  it('finds her everywhere before, and 0 documents, records or objects naming her after; a held digest released afterwards does not name her', async () => {
    await seedWorld(infra, services);
    const before = await scanEverything(infra, fake, Object.entries(infra.store.dump()));
    // The scan can fail: before erasure it finds her in every kind of place the world put her.
    const places = new Set(
      before.map((h) =>
        h.where.replace(/^(exports|media|index:messages)[:/].*/, '$1').replace(/^([^:]*)\/[^/]+$/, '$1/*'),
      ),
    );
    for (const place of [
      'users/*',
      'events/*',
      'digests/*',
      'moderationQueue/*',
      'users/u_carol/notifications/*',
      'users/u_carol/followers/*',
      'users/u_bob/following/*',
      'users/u_alice/activity/*',
      'auctions/a1/watchers/*',
      'conversations/*',
      'conversations/dm/messages/*',
      'deliveries/*',
      'exports',
      'media',
      'index:messages',
    ]) {
      expect(places, place).toContain(place);
    }
    expect(before.some((h) => h.where.startsWith('digests/') && h.found === NAME)).toBe(true);
    const keptExport = [...infra.exportStorage.objects.keys()].find((p) => p.startsWith('exports/u_dave/'))!;
    // Every copy the pipeline and moderation wrote carries an expiry for its TTL policy, so none stays forever.
    const expiring = Object.entries(infra.store.dump()).filter(([path]) =>
      /^(events\/[^/]+(\/recipients\/[^/]+)?|eventKeys\/[^/]+|digests\/[^/]+|moderationQueue\/[^/]+)$/.test(path),
    );
    expect(expiring.length).toBeGreaterThan(10);
    for (const [path, data] of expiring) expect(data.expiresAt, path).toBeInstanceOf(Date);

    await call(deleteMyAccount as Fn, { confirm: true }, { uid: UID });

    expect(await scanEverything(infra, fake, Object.entries(infra.store.dump()))).toEqual([]);
    // What stays: her messages pseudonymised, other people's data and the unrelated export.
    const dump = infra.store.dump();
    expect(dump[paths.message('dm', `${UID}_m2`)]).toMatchObject({
      senderId: UID,
      senderDeleted: true,
      text: 'The bowl',
    });
    expect(dump[paths.message('dm', 'u_bob_m3')]!.text).toBe('Thanks Deleted user, I saved [redacted]');
    expect(dump[paths.conversation('g1')]).toMatchObject({
      title: "Deleted user's weaving circle",
      memberIds: ['u_bob', 'u_dave'],
    });
    expect(dump['auctions/a1']!.watcherIds).toEqual(['u_bob']);
    expect(infra.exportStorage.objects.has(keptExport)).toBe(true);
    expect(infra.mediaStorage.objects.has('conversations/dm/u_bob/reply.jpg')).toBe(true);
    expect(fake.index('messages').get('other/u_bob_o1')).toMatchObject({ text: 'Hi Dave' });

    // The digest held for Carol before the erasure is released in the morning: it goes out, without her name.
    const pushesBefore = infra.delivery.push.sent.length;
    infra.clock.set(new Date('2024-06-02T07:30:00Z'));
    expect(await services.notifications.digests.releaseDue()).toBeGreaterThan(0);
    await infra.publisher.drain();
    const released = infra.delivery.push.sent.slice(pushesBefore);
    expect(released.length).toBeGreaterThan(0);
    expect(JSON.stringify(released)).toContain('Deleted user');
    for (const id of IDENTIFIERS) expect(JSON.stringify(released)).not.toContain(id);
    expect(await scanEverything(infra, fake, Object.entries(infra.store.dump()))).toEqual([]);
  });

  it('is idempotent: a second run (the Auth trigger, with the Auth record) changes nothing', async () => {
    await seedWorld(infra, services);
    await call(deleteMyAccount as Fn, { confirm: true }, { uid: UID });
    const store = infra.store.dump();
    const records = JSON.stringify([...fake.index('messages').entries()]);
    const objects = [...infra.exportStorage.objects.keys(), ...infra.mediaStorage.objects.keys()];
    await services.compliance.erasure.eraseUser(
      UID,
      { uid: 'system:auth', reason: 'auth-deleted' },
      { name: NAME, email: EMAIL, phone: PHONE },
    );
    expect(infra.store.dump()).toEqual(store);
    expect(JSON.stringify([...fake.index('messages').entries()])).toBe(records);
    expect([...infra.exportStorage.objects.keys(), ...infra.mediaStorage.objects.keys()]).toEqual(objects);
    expect(Object.values(store).filter((d) => d.action === 'user.erase')).toHaveLength(1);
  });
});
