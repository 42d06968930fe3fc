import { describe, expect, it } from 'vitest';
import { hashedId } from '../../src/domain/ids.js';
import { eventIdFor } from '../../src/app/notifications/eventPipeline.js';
import { recipientPaths } from '../../src/app/notifications/recipientDelivery.js';
import { numberLimitPath } from '../../src/app/delivery/phoneVerification.js';
import { moderationItemId } from '../../src/app/messaging/moderation.js';
import { chatCollapseKey } from '../../src/domain/messaging/chatPush.js';

/**
 * Hashed ids are stored (events, claims, groups, queue items): the same input must give the same id as before the
 * helper existed. The expected values were taken from the inline `createHash('sha256')…slice(n)` code it replaced.
 */
describe('hashedId', () => {
  it('keeps ids already stored, at every call site', () => {
    expect(eventIdFor('order-42:confirmed')).toBe('evt_9e8f4d260480fe8d477fff645410dbd2');
    expect(recipientPaths.group('u_ana', 'auction.outbid:a_1')).toBe(
      'users/u_ana/notificationGroups/da12617f67d85f5f07ec7f20',
    );
    expect(numberLimitPath('+14155550100')).toBe('phoneVerificationNumbers/28a75e324f944f7bfd76d695853c90b288ca8f63');
    expect(moderationItemId('c_1', 'm_1')).toBe('ecd32669e8b03bcacf01555260a68034');
    // Shown chat notifications carry it as their tag: a new key would stack the next push beside them once.
    expect(chatCollapseKey('c_1')).toBe('530224f5802ed4ebb0544734f508cce4');
  });

  it.each([
    ['order-42:confirmed', 40, '', '9e8f4d260480fe8d477fff645410dbd2c19c705c'],
    ['push|auction.outbid:a_1', 16, '', 'b052862836de5691'],
    ['erasure:u_ana', 24, '', '7212efab1540bcd49a8064a1'],
    ['fcm-token-abc', 32, 't_', 't_c3ead7d3565e668f061ab6826ddee385'],
    ['u_ana\nreq-1', 24, 'grp_', 'grp_494dcd7457d9ab2045099838'],
  ] as const)('%j at length %i with prefix %j', (input, length, prefix, expected) => {
    expect(hashedId(input, { length, prefix })).toBe(expected);
  });

  it('hashes the UTF-8 bytes: names in any script give stable ids', () => {
    expect(hashedId('Zoë 山田', { length: 64 })).toBe(hashedId('Zoë 山田', { length: 64 }));
    expect(hashedId('Zoë 山田', { length: 16 })).toBe(hashedId('Zoë 山田', { length: 64 }).slice(0, 16));
    expect(hashedId('Zoë 山田', { length: 16 })).not.toBe(hashedId('Zoe 山田', { length: 16 }));
  });
});
