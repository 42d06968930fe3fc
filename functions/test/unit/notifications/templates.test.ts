import { describe, expect, it } from 'vitest';
import { NOTIFICATION_TYPES } from '../../../src/domain/notifications/plans.js';
import {
  LIMITS,
  LOCALES,
  TemplateError,
  fill,
  gsm7Length,
  renderDigest,
  renderNotification,
  smsText,
  variablesOf,
} from '../../../src/domain/notifications/templates.js';
import { SAMPLE_VARS } from '../../../src/local/emailSamples.js';

/** Every variable any English template of the type uses, with a realistic value (numbers where a plural needs one). */
function varsFor(type: (typeof NOTIFICATION_TYPES)[number]) {
  const t = LOCALES.en.types[type];
  const names = new Set([t.title, t.body, t.grouped?.title ?? '', t.grouped?.body ?? ''].flatMap(variablesOf));
  names.delete('count');
  return Object.fromEntries([...names].map((n) => [n, SAMPLE_VARS[type][n] ?? `${n}-value`]));
}

describe('templates', () => {
  it.each(NOTIFICATION_TYPES.flatMap((type) => Object.keys(LOCALES).map((locale) => [type, locale] as const)))(
    '%s in %s renders every channel within its limits, without placeholders or "undefined"',
    (type, locale) => {
      for (const count of [1, 5]) {
        const r = renderNotification(type, varsFor(type), { locale, count, url: 'https://craft.example/x' });
        const texts = [
          r.title,
          r.body,
          r.push.title,
          r.push.body,
          r.sms.body,
          r.email.subject,
          r.email.html,
          r.email.text,
        ];
        for (const text of texts) {
          expect(text).not.toMatch(/undefined|\{\w+(, plural)?\}|\{\{/);
        }
        expect([...r.push.title].length).toBeLessThanOrEqual(LIMITS.pushTitle);
        expect([...r.push.body].length).toBeLessThanOrEqual(LIMITS.pushBody);
        expect(r.sms.body).toContain(LOCALES[locale as keyof typeof LOCALES].optOut);
        // Latin-script locales stay in one GSM-7 segment (Intl's no-break spaces included); Arabic is UCS-2.
        if (locale === 'ar') expect([...r.sms.body].length).toBeLessThanOrEqual(LIMITS.ucs2TwoSegments);
        else expect(gsm7Length(r.sms.body)).toBeLessThanOrEqual(LIMITS.gsm7Segment);
        expect(r.email.html).toContain('href="https://craft.example/x"');
      }
    },
  );

  it('every locale uses only the variables English provides', () => {
    for (const type of NOTIFICATION_TYPES) {
      const en = new Set(Object.keys(varsFor(type)));
      for (const locale of Object.keys(LOCALES) as (keyof typeof LOCALES)[]) {
        const t = LOCALES[locale].types[type];
        for (const text of [t.title, t.body, t.grouped?.title ?? '', t.grouped?.body ?? '']) {
          for (const name of variablesOf(text))
            expect(en.has(name) || name === 'count', `${locale} ${type}: {${name}}`).toBe(true);
        }
      }
    }
  });

  it('a missing variable is an error naming it, never "undefined"', () => {
    expect(() => renderNotification('auction.outbid', { amount: 'USD 5.00' }, { locale: 'en' })).toThrowError(
      TemplateError,
    );
    expect(() => renderNotification('auction.outbid', { amount: 'USD 5.00' }, { locale: 'en' })).toThrowError(
      /en\/auction\.outbid\.body: missing variable \{auctionTitle\}/,
    );
    expect(() => fill('{a} {b}', { a: 'x' }, 'here')).toThrowError('here: missing variable {b}');
  });

  it('German for de and de-AT, English for anything untranslated', () => {
    const vars = { auctionTitle: 'Walnussschale', amount: 'EUR 120.00' };
    expect(renderNotification('auction.outbid', vars, { locale: 'de-AT' }).title).toBe('Du wurdest überboten');
    expect(renderNotification('auction.outbid', vars, { locale: 'pt-BR' }).title).toBe("You've been outbid");
  });

  it('SMS keep to one GSM-7 segment with the opt-out line, shortening the message not the opt-out', () => {
    const long = smsText(`Order confirmed: ${'a'.repeat(300)}`, 'Reply STOP to opt out');
    expect(gsm7Length(long)).toBe(160);
    expect(long.endsWith('...\nReply STOP to opt out')).toBe(true);
    // Extended characters count double.
    expect(gsm7Length('€[]')).toBe(6);
    // Emoji force UCS-2: two segments at most.
    const emoji = smsText(`🎉 ${'b'.repeat(300)}`, 'Reply STOP to opt out');
    expect(gsm7Length(emoji)).toBeUndefined();
    expect([...emoji].length).toBeLessThanOrEqual(LIMITS.ucs2TwoSegments);
  });

  it('email HTML escapes what users wrote', () => {
    const r = renderNotification('social.new_follower', { followerName: '<script>x</script>' }, { locale: 'en' });
    expect(r.email.html).not.toContain('<script>');
    expect(r.email.html).toContain('&lt;script&gt;');
  });

  it('a digest of several groups summarises them; of one group, shows its grouped form', () => {
    const bids = {
      type: 'auction.bid_placed' as const,
      vars: { auctionTitle: 'Bowl', bidderName: 'Ana', amount: 'USD 5.00' },
      count: 3,
    };
    expect(renderDigest([bids], { locale: 'en' }).push.title).toBe('3 new bids on Bowl');
    const follows = { type: 'social.new_follower' as const, vars: { followerName: 'Cleo' }, count: 1 };
    const d = renderDigest([bids, follows], { locale: 'de' });
    expect(d.push.title).toBe('4 neue Mitteilungen');
    expect(d.email.html).toContain('<div class="digest-title">3 neue Gebote auf Bowl</div>');
  });
});
