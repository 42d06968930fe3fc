import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toNotification } from '../../../src/app/notifications/notificationCenter.js';
import { CATEGORIES } from '../../../src/domain/channels.js';
import { paths } from '../../../src/domain/paths.js';
import type { LocalSystem } from '../../../src/local/localSystem.js';
import { startLocalSystem } from '../../../src/local/localSystem.js';
import type { ScenarioResult } from '../../../src/local/scenario.js';
import { SCENARIO_START, runScenario } from '../../../src/local/scenario.js';
import { format } from '../../../src/local/transcript.js';

/** `npm start`'s notification center step on its own, asserting on what the system stored (not on the transcript). */
let system: LocalSystem;
let result: ScenarioResult;

beforeAll(async () => {
  system = await startLocalSystem({ now: SCENARIO_START });
  result = await runScenario(system, { only: ['notificationCenter'] });
}, 60_000);

afterAll(() => system?.stop());

const notificationsOf = async (uid: string) =>
  (await system.store.query(paths.notifications(uid))).map((s) => toNotification(s));

describe('npm start: notification center', () => {
  it('runs without a problem', () => {
    expect(result.problems).toEqual([]);
    expect(result.steps.map((s) => s.id)).toEqual(['notificationCenter']);
  });

  it("Hana's center holds what the events made: two bids, a sale, a follower, and nothing from last year", async () => {
    const mine = await notificationsOf('u_hana');
    expect(mine.map((n) => n.type).sort()).toEqual([
      'auction.bid_placed',
      'auction.bid_placed',
      'order.new_sale',
      'social.new_follower',
    ]);
    // The comb bid went to the archive and came back: in the list again, read (archiving read it).
    const comb = mine.find((n) => n.data.auctionId === 'auc_hana_makie_comb')!;
    expect(comb).toMatchObject({ archived: false, read: true });
    expect(mine.filter((n) => n.id !== comb.id).every((n) => n.read === false && n.archived === false)).toBe(true);
    expect((await system.store.get(paths.notification('u_hana', 'evt_2025_spotlight_u_hana'))).exists).toBe(false);
  });

  it('after the retention sweep the counter equals her unread documents, in total and per category', async () => {
    const unread = (await notificationsOf('u_hana')).filter((n) => n.read === false);
    const counter = (await system.store.get(paths.counter('u_hana', 'notifications'))).data!;
    expect(counter.unread).toBe(3);
    expect(counter.unread).toBe(unread.length);
    for (const category of CATEGORIES)
      expect(Number((counter.byCategory as Record<string, number>)[category] ?? 0), category).toBe(
        unread.filter((n) => n.category === category).length,
      );
    expect(counter.byCategory).toMatchObject({ commerce: 2, social: 1, community: 0 });
  });

  it("Amelia's token acted on nothing of Hana's; the transcript shows the search hit and miss", async () => {
    expect(await notificationsOf('u_amelia')).not.toContainEqual(expect.objectContaining({ archived: true }));
    const text = result.transcript.lines.map(format).join('\n');
    expect(text).toMatch(/searchNotifications "chopsticks" → 1 of \d+ read: order\.new_sale/);
    expect(text).toMatch(/searchNotifications "teapot" → 0 of \d+ read/);
    expect(text).toMatch(/refused: permission-denied/);
  });
});
