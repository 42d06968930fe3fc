import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { Services } from '../../../src/composition/services.js';
import type { MemoryInfra } from '../../../src/composition/memory.js';
import { useServices } from '../../../src/functions/runtime.js';
import {
  archiveNotifications,
  getPreferences,
  getUnreadCount,
  listNotifications,
  markNotificationsRead,
  publishEvent,
  resetPreferences,
  searchNotifications,
  unarchiveNotifications,
  updatePreferences,
} from '../../../src/functions/notifications.js';
import type { EffectivePreferences } from '../../../src/domain/notifications/preferences.js';
import { paths } from '../../../src/domain/paths.js';
import { call } from '../../support/callables.js';
import { testWorld } from '../../support/world.js';
import { envelope } from './fixture.js';

let s: Services;
const bidder = { uid: 'bidder1' };
const service = { uid: 'auctions-service', roles: ['service' as const] };

beforeEach(async () => {
  ({ services: s } = await testWorld({
    now: '2026-06-10T14:00:00Z',
    users: [
      { uid: 'bidder1', displayName: 'B', email: 'b@example.com' },
      { uid: 'ops', displayName: 'Ops admin' },
    ],
    install: true,
  }));
});
afterAll(() => useServices(undefined));

const outbid = () =>
  envelope('auction.bid_placed', {
    auctionId: 'a1',
    auctionTitle: 'Walnut bowl',
    sellerId: 'seller',
    bidderId: 'bidder2',
    bidderName: 'Ana',
    amount: 120,
    currency: 'USD',
    previousBidderId: 'bidder1',
  });

describe('preference callables', () => {
  it('require sign-in and act on the caller’s own preferences only', async () => {
    await expect(call(getPreferences, {})).rejects.toMatchObject({ code: 'unauthenticated' });
    await expect(call(getPreferences, { uid: 'someone-else' }, bidder)).rejects.toMatchObject({
      code: 'permission-denied',
    });
    // Staff name the user and say why; the read is audited.
    await expect(call(getPreferences, { uid: 'bidder1' }, { uid: 'ops', roles: ['admin'] })).rejects.toMatchObject({
      code: 'invalid-argument',
      message: expect.stringMatching(/data\.reason/),
    });
    const admin = await call<EffectivePreferences>(
      getPreferences,
      { uid: 'bidder1', reason: 'ticket 4411: missing alerts' },
      { uid: 'ops', roles: ['admin'] },
    );
    expect(admin.quietHours.start).toBe('22:00');
    const audits = (await s.infra.store.query('auditLog'))
      .map((d) => d.data)
      .filter((d) => d?.action === 'staff.preferences_read');
    expect(audits).toEqual([
      expect.objectContaining({
        actorUid: 'ops',
        target: { type: 'user', id: 'bidder1' },
        details: { reason: 'ticket 4411: missing alerts', roles: ['admin'] },
      }),
    ]);
  });

  it('a change takes effect for the very next event, and is audited', async () => {
    await call(updatePreferences, { types: { 'auction.outbid': { channels: { push: false } } } }, bidder);
    await call(publishEvent, outbid(), service);
    const jobs = (s.infra.publisher as MemoryInfra['publisher']).published.filter(
      (m) => (m.data as { uid?: string }).uid === 'bidder1',
    );
    expect(jobs.map((m) => m.topic)).toEqual(['deliver-email']);
    const audit = await s.infra.store.query(paths.auditLog());
    expect(audit.map((a) => a.data)).toEqual([
      expect.objectContaining({
        actorUid: 'bidder1',
        action: 'notifications.preferences.update',
        target: { type: 'user', id: 'bidder1' },
      }),
    ]);

    const reset = await call<EffectivePreferences>(resetPreferences, {}, bidder);
    expect(reset.types['auction.outbid'].channels.push).toBe(true);
    expect(await s.infra.store.query(paths.auditLog())).toHaveLength(2);
  });

  it.each([
    [{ types: { 'auction.exploded': { channels: { push: false } } } }, /data\.types/],
    [{ types: { 'auction.outbid': { channels: { fax: true } } } }, /data\.types\.auction\.outbid\.channels/],
    [{ quietHours: { start: '25:00' } }, /data\.quietHours\.start/],
    [{ workingHours: { days: [0] } }, /data\.workingHours\.days\[0\]/],
    [{ timeZone: 'Mars/Olympus' }, /data\.timeZone/],
    [{ categories: { commerce: { frequency: 'sometimes' } } }, /data\.categories\.commerce\.frequency/],
  ])('rejects %j with INVALID_ARGUMENT naming the field', async (patch, field) => {
    const error = await call(updatePreferences, patch, bidder).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'invalid-argument' });
    expect((error as Error).message).toMatch(field);
  });

  it('PreferencesRepo.setChannel turns a category channel off (email unsubscribe) and keeps other choices', async () => {
    await s.notifications.preferences.update('bidder1', { quietHours: { start: '23:00' } });
    const prefs = await s.notifications.preferences.setChannel('bidder1', 'commerce', 'email', false);
    expect(prefs.types['order.shipped'].channels.email).toBe(false);
    expect(prefs.types['auction.outbid'].channels.email).toBe(false);
    expect(prefs.types['order.shipped'].channels.push).toBe(true);
    expect(prefs.quietHours.start).toBe('23:00');
  });
});

describe('publishEvent and the center callables', () => {
  it('publishEvent needs the service role and names the bad field', async () => {
    await expect(call(publishEvent, outbid(), bidder)).rejects.toMatchObject({ code: 'permission-denied' });
    const bad = { ...outbid(), payload: { ...outbid().payload, amount: 'lots' } };
    const error = await call(publishEvent, bad, service).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'invalid-argument' });
    expect((error as Error).message).toMatch(/payload\.amount/);
  });

  it('list, unread count and mark read through the callables', async () => {
    await call(publishEvent, outbid(), service);
    const byCategory = { commerce: 0, community: 0, social: 0, messaging: 0 };
    expect(await call(getUnreadCount, {}, bidder)).toEqual({ unread: 1, byCategory: { ...byCategory, commerce: 1 } });
    const { items } = await call<{ items: Array<{ id: string }> }>(listNotifications, { limit: 10 }, bidder);
    expect(items).toHaveLength(1);
    await expect(call(markNotificationsRead, { ids: [] }, bidder)).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(
      call(markNotificationsRead, { ids: Array.from({ length: 501 }, (_, i) => `n${i}`) }, bidder),
    ).rejects.toMatchObject({ code: 'invalid-argument' });
    expect(await call(markNotificationsRead, { ids: [items[0]!.id] }, bidder)).toEqual({ updated: 1 });
    expect(await call(getUnreadCount, {}, bidder)).toEqual({ unread: 0, byCategory });
    await expect(call(listNotifications, { cursor: 'garbage' }, bidder)).rejects.toMatchObject({
      code: 'invalid-argument',
    });
    // Archive and back; a type filter; a search in the caller's own notifications.
    expect(await call(archiveNotifications, { ids: [items[0]!.id] }, bidder)).toEqual({ updated: 1 });
    expect(await call(unarchiveNotifications, { ids: [items[0]!.id] }, bidder)).toEqual({ updated: 1 });
    expect(await call(unarchiveNotifications, { ids: [items[0]!.id] }, bidder)).toEqual({ updated: 0 });
    const outbids = await call<{ items: unknown[] }>(listNotifications, { type: 'auction.outbid' }, bidder);
    expect(outbids.items).toHaveLength(1);
    await expect(call(listNotifications, { type: 'nope' }, bidder)).rejects.toMatchObject({ code: 'invalid-argument' });
    const found = await call<{ items: Array<{ id: string }> }>(searchNotifications, { query: 'walnut' }, bidder);
    expect(found.items.map((n) => n.id)).toEqual([items[0]!.id]);
    await expect(call(searchNotifications, { query: 'w' }, bidder)).rejects.toMatchObject({ code: 'invalid-argument' });
  });
});
