import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paths } from '../../../src/domain/paths.js';
import type { LocalSystem } from '../../../src/local/localSystem.js';
import { startLocalSystem } from '../../../src/local/localSystem.js';
import type { ScenarioResult } from '../../../src/local/scenario.js';
import { SCENARIO_START, runScenario } from '../../../src/local/scenario.js';
import { deliveryId } from '../../../src/domain/delivery.js';

/**
 * A smaller run of the `npm start` scenario, asserting on what the system stored and what the sandbox providers
 * captured (never on the printed transcript).
 */
let system: LocalSystem;
let result: ScenarioResult;

beforeAll(async () => {
  system = await startLocalSystem({ now: SCENARIO_START });
  result = await runScenario(system, { only: ['outbid', 'commission', 'digest', 'direct', 'group', 'search'] });
}, 60_000);

afterAll(() => system?.stop());

const deliveries = async (eventId: string) =>
  (await system.store.query(paths.deliveries(), { where: [['eventId', '==', eventId]] })).map((s) => s.data!);

describe('local scenario (smaller)', () => {
  it('runs every chosen step without a failed step, trigger or handler', () => {
    expect(result.problems).toEqual([]);
    expect(result.steps.map((s) => s.id)).toEqual(['outbid', 'commission', 'digest', 'direct', 'group', 'search']);
  });

  it('seeds the store and indexes the seeded messages through the search trigger', () => {
    expect(system.seeded.documents).toBeGreaterThan(100);
    const seededMessages = system.seed.conversations.reduce((n, c) => n + c.messages.length, 0);
    expect(system.messageIndex.records.size).toBeGreaterThanOrEqual(seededMessages);
  });

  it('outbid: Jonas gets push and SMS now; Maya, the seller, in her quiet hours, later', async () => {
    const byKey = new Map(
      (await deliveries('bid_auc_walnut_bowl_0004')).map((d) => [`${String(d.uid)}:${String(d.channel)}`, d]),
    );
    expect(byKey.get('u_jonas:push')?.status).toBe('sent');
    expect(byKey.get('u_jonas:sms')?.status).toBe('sent');
    const sms = system.senders.sms.sent.find((m) =>
      m.statusCallback.includes(deliveryId('bid_auc_walnut_bowl_0004', 'u_jonas', 'sms')),
    );
    expect(sms?.to).toBe('+46701234501');
    expect(
      system.senders.push.sent.some(
        (m) =>
          m.data.deliveryId === deliveryId('bid_auc_walnut_bowl_0004', 'u_jonas', 'push') &&
          m.token === 'fcm-token-jonas-iphone',
      ),
    ).toBe(true);
    // 03:00 in New York: the seller's notice waited, and left once her window opened (released by the schedule).
    const seller = byKey.get('u_maya:push');
    expect(seller?.status).toBe('batched');
    expect((seller?.releaseAt as Date).getTime()).toBeGreaterThan(new Date(SCENARIO_START).getTime());
  });

  it('logs let one event be followed through routing and every channel by its eventId', () => {
    const lines = system.infra.logger.lines.filter((l) => l.eventId === 'bid_auc_walnut_bowl_0004');
    expect(lines.map((l) => l.message)).toContain('event processed');
    const delivered = lines.filter((l) => l.message === 'delivered to provider');
    expect(new Set(delivered.map((l) => l.deliveryId))).toEqual(
      new Set([
        deliveryId('bid_auc_walnut_bowl_0004', 'u_jonas', 'push'),
        deliveryId('bid_auc_walnut_bowl_0004', 'u_jonas', 'sms'),
        deliveryId('bid_auc_walnut_bowl_0004', 'u_jonas', 'email'),
      ]),
    );
  });

  it('commission: SMS to the creator at once; the non-critical burst held, then released as one digest per channel', async () => {
    const commissionSms = system.senders.sms.sent.filter((m) => m.to === '+12125550101');
    expect(commissionSms).toHaveLength(1);
    expect(commissionSms[0]!.body).toContain('$2,500');

    const digests = await system.store.query('digests', { where: [['uid', '==', 'u_maya']] });
    const burst = digests.find((d) => Object.keys(d.data?.items as object).length > 1);
    expect(burst?.data?.status).toBe('released');
    const digestDeliveries = await deliveries(`digest_${burst!.id}`);
    const push = digestDeliveries.find((d) => d.channel === 'push');
    expect(push?.status).toBe('sent');
    expect(push?.batchedDeliveryIds).toHaveLength(5);
    // One push per device for the whole burst, not one per event.
    expect(system.senders.push.sent.filter((m) => m.data.deliveryId === push!.deliveryId)).toHaveLength(2);
  });

  it('direct conversation: message stored, unread counted, read receipt clears it', async () => {
    const cid = 'dm_u_ben_u_maya';
    const messages = await system.store.query(paths.messages(cid));
    expect(messages.map((m) => m.data?.text)).toContain('Hi Maya! Could the walnut bowl come with a matching lid?');
    const maya = (await system.store.get(paths.member(cid, 'u_maya'))).data!;
    expect(maya.unreadCount).toBe(0);
    expect((maya.lastReadAt as Date).getTime()).toBeGreaterThanOrEqual(
      (messages[0]!.data!.createdAt as Date).getTime(),
    );
    expect(
      system.senders.push.sent.some((m) => m.data.conversationId === cid && m.token.startsWith('fcm-token-maya')),
    ).toBe(true);
  });

  it('group: the role change is stored, the denied actions change nothing', async () => {
    expect((await system.store.get(paths.member('grp_indigo_collective', 'u_sofia'))).data?.role).toBe('admin');
    expect((await system.store.get(paths.conversation('grp_indigo_collective'))).data?.title).toBe('Indigo Collective');
    expect(
      await system.store.query(paths.messages('grp_glass_guild'), { where: [['senderId', '==', 'u_zoe']] }),
    ).toEqual([]);
  });

  it('search: a user finds only messages of conversations they belong to', async () => {
    const omar = await system.functions.call<{ nbHits: number }>(
      'searchMessages',
      { query: 'walnut' },
      system.as('u_omar'),
    );
    const maya = await system.functions.call<{ hits: Array<{ conversationId: string }> }>(
      'searchMessages',
      { query: 'walnut' },
      system.as('u_maya'),
    );
    expect(omar.nbHits).toBe(0);
    expect(maya.hits.length).toBeGreaterThan(0);
    expect(maya.hits.every((h) => h.conversationId.includes('u_maya'))).toBe(true);
  });
});
