import { describe, expect, it } from 'vitest';
import { formatDuration } from '../../../src/domain/i18n/format.js';
import { renderNotification } from '../../../src/domain/notifications/templates.js';

/** Issue 18: the 24 h auction reminder read "Only 1,440 minutes left to bid." */
describe('lead times in hours and days', () => {
  const body = (minutesLeft: number, locale: string) =>
    renderNotification(
      'auction.ending_soon',
      { auctionTitle: 'Raku bowl', minutesLeft: String(minutesLeft) },
      { locale },
    ).body;

  it('the auction reminders 24 h and 1 h before, in en, de and ar', () => {
    expect(body(1440, 'en')).toBe('Only 24 hours left to bid.');
    expect(body(60, 'en')).toBe('Only 1 hour left to bid.');
    expect(body(1440, 'de')).toBe('Nur noch 24 Stunden zum Bieten.');
    expect(body(60, 'de')).toBe('Nur noch 1 Stunde zum Bieten.');
    expect(body(1440, 'ar')).toBe('بقي 24 ساعة على انتهاء المزايدة.');
    expect(body(60, 'ar')).toBe('بقي ساعة على انتهاء المزايدة.');
    // The reader's own digits (ar-EG writes Arabic-Indic ones).
    expect(body(1440, 'ar-EG')).toBe('بقي ٢٤ ساعة على انتهاء المزايدة.');
    for (const locale of ['en', 'de', 'ar']) expect(body(1440, locale)).not.toMatch(/1[,.]?440/);
  });

  it('the largest unit that states it exactly; days from two days on', () => {
    expect(formatDuration(1, 'en')).toBe('1 minute');
    expect(formatDuration(45, 'en')).toBe('45 minutes');
    expect(formatDuration(90, 'en')).toBe('90 minutes');
    expect(formatDuration(120, 'en')).toBe('2 hours');
    expect(formatDuration(1440, 'en')).toBe('24 hours');
    expect(formatDuration(2880, 'en')).toBe('2 days');
    expect(formatDuration(3 * 1440, 'de')).toBe('3 Tage');
    expect(formatDuration(2880, 'ar')).toBe('يومان');
  });
});
