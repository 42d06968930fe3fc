import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSystem } from '../../../src/local/localSystem.js';
import { startLocalSystem } from '../../../src/local/localSystem.js';
import { SCENARIO_START, runScenario } from '../../../src/local/scenario.js';
import { CONTRACTS } from '../../../scripts/api/model.js';

/**
 * The declared outputs (src/app/<feature>/contract.ts) against what the callables really answer: the `npm start`
 * scenario runs through the real wrappers, every answer is recorded, encoded as the callable protocol encodes it for
 * the client (firebase-functions' `encode`), and parsed with the callable's output schema. A few callables the
 * scenario does not reach are called after it.
 */
/** The SDK's own encoder for callable answers (internal, not in the package's exports map, so loaded by path). */
const require = createRequire(__filename);
const { encode } = require(join(dirname(require.resolve('firebase-functions')), '../common/providers/https.js')) as {
  encode: (data: unknown) => unknown;
};

let system: LocalSystem;
const answers: Array<{ name: string; result: unknown }> = [];

beforeAll(async () => {
  system = await startLocalSystem({ now: SCENARIO_START });
  const call = system.functions.call.bind(system.functions);
  system.functions.call = (async (name: string, data: unknown, who: Parameters<typeof call>[2]) => {
    const result = await call(name, data, who);
    answers.push({ name, result });
    return result;
  }) as typeof system.functions.call;
  await runScenario(system, {
    only: [
      'outbid',
      'commission',
      'direct',
      'group',
      'richMessages',
      'moderation',
      'search',
      'analytics',
      // searchNotifications, unarchiveNotifications, listNotifications by type; setStaffRoles.
      'notificationCenter',
      'limitsPerRole',
    ],
  });
  const f = system.functions;
  const maya = system.as('u_maya');
  await f.call('getPreferences', {}, maya);
  await f.call('updatePreferences', { timeZone: 'Europe/Berlin' }, maya);
  await f.call('getUnreadCount', {}, maya);
  await f.call('markAllNotificationsRead', {}, maya);
  await f.call('getSearchKey', {}, maya);
  await f.call('blockUser', { uid: 'u_jonas' }, maya);
  await f.call('unblockUser', { uid: 'u_jonas' }, maya);
  await f.call(
    'registerDevice',
    { token: 'sandbox-token-contract-test', platform: 'web', appVersion: '1.0.0', locale: 'en' },
    maya,
  );
  await f.call('unregisterDevice', { token: 'sandbox-token-contract-test' }, maya);
  await f.call('resetPreferences', {}, maya);
  // Staff read of a profile (its timestamps), following, and the experiment callables the analytics step leaves out.
  const admin = system.as('u_admin');
  await f.call('getUserProfile', { uid: 'u_maya', reason: 'contract test' }, admin);
  await f.call('follow', { creatorId: 'u_lena' }, maya);
  await f.call('follow', { creatorId: 'u_lena' }, maya);
  await f.call('unfollow', { creatorId: 'u_lena' }, maya);
  // Called here too, so these answers are checked even when the analytics step stops early (its outage part).
  await f.call('getDeliveryHealth', { from: '2026-11-23', to: '2026-11-24' }, admin);
  await f.call('getAnalyticsSummary', { from: '2026-11-23', to: '2026-11-24', byLocale: true }, admin);
  await f.call('stopExperiment', { experimentId: 'outbid-copy', rollOut: 'urgent' }, admin);
  await f.call('stopExperiment', { experimentId: 'outbid-copy' }, admin);
  await f.call('getExperimentResults', { experimentId: 'outbid-copy' }, admin);
  // Scheduling: a reminder for oneself, moved, then cancelled (twice: the second changes nothing).
  const minutesAhead = (minutes: number) => new Date(system.clock.now().getTime() + minutes * 60_000).toISOString();
  const reminder = (await f.call(
    'scheduleNotification',
    { requestId: 'contract-test', at: minutesAhead(60), title: 'Glaze the bowls', body: 'Second coat' },
    maya,
  )) as { id: string };
  await f.call('rescheduleNotification', { id: reminder.id, at: minutesAhead(90) }, maya);
  await f.call('cancelScheduledNotification', { id: reminder.id }, maya);
  await f.call('cancelScheduledNotification', { id: reminder.id }, maya);
}, 240_000);

afterAll(() => system?.stop());

describe('callable outputs match their contracts', () => {
  it('records the answers of the main callables', () => {
    const names = new Set(answers.map((a) => a.name));
    expect(names.size, [...names].join(', ')).toBeGreaterThanOrEqual(15);
  });

  it('every answer, as the client receives it, parses with the declared output schema', () => {
    const failures: string[] = [];
    for (const { name, result } of answers) {
      const contract = CONTRACTS[name];
      expect(contract, `${name} has no contract`).toBeDefined();
      const parsed = contract!.output.safeParse(encode(result));
      if (!parsed.success)
        failures.push(`${name}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    expect(failures).toEqual([]);
  });

  it('reaches the analytics, experiment, social, staff and notification-center callables', () => {
    const names = new Set(answers.map((a) => a.name));
    for (const name of [
      'trackNotificationInteraction',
      'getDeliveryHealth',
      'getAnalyticsSummary',
      'setAlertRecipients',
      'defineExperiment',
      'stopExperiment',
      'getExperimentResults',
      'follow',
      'unfollow',
      'getUserProfile',
      'scheduleNotification',
      'rescheduleNotification',
      'cancelScheduledNotification',
      'searchNotifications',
      'archiveNotifications',
      'unarchiveNotifications',
      'setStaffRoles',
    ])
      expect(names, name).toContain(name);
  });

  it('dates reach the client as ISO 8601 strings (the wrapper converts them; the encoder alone sent {})', async () => {
    const list = await system.functions.call('listNotifications', { limit: 5 }, system.as('u_maya'));
    const wire = encode(list) as { items: Array<{ createdAt: unknown }> };
    expect(wire.items.length).toBeGreaterThan(0);
    expect(CONTRACTS.listNotifications!.output.safeParse(wire).error?.issues ?? []).toEqual([]);
    expect(wire.items[0]!.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const profile = encode(answers.find((a) => a.name === 'getUserProfile')!.result) as { createdAt?: unknown };
    expect(profile.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });
});
