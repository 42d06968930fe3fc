import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { NOTIFICATION_TYPES } from '../../../src/domain/notifications/plans.js';
import { LOCALES, renderDigest, renderNotification, smsHelpText } from '../../../src/domain/notifications/templates.js';
import type { Rendered } from '../../../src/domain/notifications/templates.js';
import { UNSUBSCRIBE_SLOT, finishEmail } from '../../../src/domain/email/render.js';
import { formatDateTime, formatMessage, formatMoney } from '../../../src/domain/i18n/format.js';
import { SAMPLE_VARS, sampleDigest } from '../../../src/local/emailSamples.js';
// @ts-expect-error -- a plain .mjs build script without types
import { GENERATED, compileEmails } from '../../../scripts/compile-emails.mjs';

const UNSUB = 'https://europe-west1-craft.cloudfunctions.net/unsubscribe?token=t%2Eok';
const NOW = new Date('2026-12-02T08:30:00Z');
const locales = Object.keys(LOCALES) as (keyof typeof LOCALES)[];

/** Every template: each notification type, singly and as a collapsed burst, and the digest. */
function everyTemplate(locale: string): [string, Rendered][] {
  const url = 'https://craft.example/notifications/n1';
  return [
    ...NOTIFICATION_TYPES.flatMap((type): [string, Rendered][] => [
      [type, renderNotification(type, SAMPLE_VARS[type], { locale, url })],
      [`${type} ×3`, renderNotification(type, SAMPLE_VARS[type], { locale, url, count: 3 })],
    ]),
    ['digest', renderDigest(sampleDigest(NOW), { locale, url, timeZone: 'Europe/Berlin' })],
  ];
}

describe('emails: every template × locale', () => {
  it.each(locales)('%s: doctype, lang, dir, charset, viewport, preheader, links, footer, text part', (locale) => {
    for (const [name, rendered] of everyTemplate(locale)) {
      const finished = finishEmail(rendered.email, { unsubscribeUrl: UNSUB, category: 'commerce' });
      expect(finished.ok, name).toBe(true);
      if (!finished.ok) continue;
      const { html, text } = finished;
      const dir = locale === 'ar' ? 'rtl' : 'ltr';
      expect(html.startsWith('<!doctype html>'), name).toBe(true);
      expect(html, name).toContain(`<html lang="${locale}" dir="${dir}"`);
      expect(html, name).toMatch(/<meta http-equiv="Content-Type" content="text\/html; charset=UTF-8">/);
      expect(html, name).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
      expect(html, name).toContain('<meta name="color-scheme" content="light dark"');
      expect(html, name).toContain('prefers-color-scheme: dark');
      // The preheader: MJML's hidden preview block, holding the message's first line.
      expect(html, name).toMatch(/<div style="display:none;font-size:1px;[^"]*">[^<]{10,}/);
      expect(html, name).toContain('Craft Market');
      expect(html, name).toContain(`href="${UNSUB.replace(/&/g, '&amp;')}"`);
      expect(html, name).toContain('href="https://craft.example/settings/notifications"');
      expect(html, name).toContain('href="https://craft.example/notifications/n1"');
      expect(html, name).toContain(LOCALES[locale].email.preferences);
      expect(html, name).not.toMatch(/\{\{|undefined/);
      expect(html, name).not.toContain(UNSUBSCRIBE_SLOT);
      // The text part carries the same links.
      expect(text, name).toContain(UNSUB);
      expect(text, name).toContain('https://craft.example/settings/notifications');
      expect(text, name).toContain('https://craft.example/notifications/n1');
      expect(text, name).not.toMatch(/\{|undefined/);
      expect(text, name).not.toContain(UNSUBSCRIBE_SLOT);
    }
  });

  it.each(locales)('%s: what users wrote is escaped in the HTML, kept as text in the text part', (locale) => {
    const evil = '<script>alert(1)</script>"onmouseover="x';
    const r = renderNotification(
      'commerce.craft_inquiry',
      { craftTitle: evil, collectorName: '<img src=x onerror=alert(1)>' },
      { locale, url: 'https://craft.example/x' },
    );
    const finished = finishEmail(r.email, { unsubscribeUrl: UNSUB, category: 'commerce' });
    if (!finished.ok) throw new Error(finished.reason);
    expect(finished.html).not.toContain('<script>');
    expect(finished.html).not.toContain('<img src=x');
    expect(finished.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;onmouseover=&quot;x');
    expect(finished.text).toContain('<script>alert(1)</script>');
  });

  it('a template variable cannot forge the unsubscribe slot', () => {
    const r = renderNotification(
      'social.new_follower',
      { followerName: `x${UNSUBSCRIBE_SLOT}y` },
      { locale: 'en', url: 'https://craft.example/x' },
    );
    const finished = finishEmail(r.email, { unsubscribeUrl: UNSUB, category: 'social' });
    if (!finished.ok) throw new Error(finished.reason);
    expect(finished.text.split(UNSUB)).toHaveLength(2);
    expect(finished.html.split(UNSUB)).toHaveLength(2);
  });

  it('marketing email without an https one-click unsubscribe is refused with a reason; others go', () => {
    const r = renderNotification('community.craft_challenge', SAMPLE_VARS['community.craft_challenge'], {
      locale: 'en',
    });
    expect(finishEmail(r.email, { unsubscribeUrl: 'http://127.0.0.1:5001/u?token=x', category: 'community' })).toEqual({
      ok: false,
      reason: 'no-https-unsubscribe',
    });
    expect(finishEmail(r.email, { unsubscribeUrl: undefined, category: 'community' }).ok).toBe(false);
    expect(finishEmail(r.email, { unsubscribeUrl: UNSUB, category: 'community' }).ok).toBe(true);
    expect(finishEmail(r.email, { unsubscribeUrl: 'http://127.0.0.1/u', category: 'commerce' }).ok).toBe(true);
  });

  it('the committed layouts are what MJML compiles from emails/*.mjml (npm run build:emails)', async () => {
    expect(await readFile(GENERATED, 'utf8')).toBe(await compileEmails());
  }, 60_000);
});

describe('locale-correct texts (Intl)', () => {
  it('money: currency digits and the reader’s separators', () => {
    expect(formatMoney(150, 'USD', 'en')).toBe('$150.00');
    expect(formatMoney(1500, 'JPY', 'en')).toBe('¥1,500');
    expect(formatMoney(1500, 'JPY', 'de')).toBe('1.500\u00a0¥');
    expect(formatMoney(1234.5, 'EUR', 'de')).toBe('1.234,50\u00a0€');
    expect(formatMoney(150, 'USD', 'ar')).toBe(
      new Intl.NumberFormat('ar', { style: 'currency', currency: 'USD' }).format(150),
    );
    expect(formatMoney(1, 'ZZZ1', 'en')).toBe('ZZZ1 1');
    const won = renderNotification('auction.won', { auctionTitle: 'Raku', amount: 'JPY 1500.00' }, { locale: 'de' });
    expect(won.body).toBe('Dein Gebot: 1.500\u00a0¥. Schließe jetzt den Kauf ab.');
    expect(won.email.text).not.toMatch(/JPY|1500\.00/);
  });

  it('dates in the reader’s zone and language', () => {
    const at = new Date('2026-12-02T23:30:00Z');
    expect(formatDateTime(at, 'en', 'America/New_York')).toBe('Dec 2, 2026, 6:30 PM');
    expect(formatDateTime(at, 'de', 'Europe/Berlin')).toBe('03.12.2026, 00:30');
    expect(formatDateTime(at, 'de', 'Not/AZone')).toBe('02.12.2026, 23:30');
  });

  it('plurals by the locale’s rules: English one/other, Arabic zero/one/two/few/many/other', () => {
    const bids = (count: number, locale: string) =>
      renderNotification('auction.bid_placed', SAMPLE_VARS['auction.bid_placed'], { locale, count: Math.max(count, 2) })
        .title;
    expect(bids(2, 'en')).toBe('2 new bids on Hand-turned walnut bowl');
    // The event reminder's hours (auction reminders now state their lead time with Intl units: the test below).
    const one = (locale: string, n: number) =>
      formatMessage(
        LOCALES[locale as 'en'].types['community.event_starting_soon'].body,
        locale,
        () => 'Kiln',
        () => n,
      );
    expect(one('en', 1)).toBe('Starts in 1 hour at Kiln.');
    expect(one('en', 5)).toBe('Starts in 5 hours at Kiln.');
    expect(one('de', 1)).toBe('Beginnt in 1 Stunde in Kiln.');
    expect(one('ar', 1)).toBe('يبدأ بعد ساعة واحدة في Kiln.');
    expect(one('ar', 2)).toBe('يبدأ بعد ساعتين في Kiln.');
    expect(one('ar', 3)).toContain('ساعات');
    expect(one('ar', 11)).toContain('ساعة');
    const digest = (n: number) =>
      formatMessage(
        LOCALES.ar.digest.title,
        'ar',
        () => '',
        () => n,
      );
    expect(new Set([0, 1, 2, 3, 11, 100].map(digest)).size).toBe(6);
  });

  it('select: the case named by the variable, else other; a select without other is refused', () => {
    const vars: Record<string, string> = { alertKind: 'backlog', value: '', volume: '1500', threshold: '1000' };
    const alert = (locale: 'en' | 'de' | 'ar', kind: string) =>
      formatMessage(
        LOCALES[locale].types['ops.delivery_alert'].title,
        locale,
        (name) => (name === 'alertKind' ? kind : vars[name]!),
        () => 0,
      );
    expect(alert('en', 'error_rate')).toBe('Delivery alert: provider error rate');
    expect(alert('en', 'delivery_success')).toBe('Delivery alert: delivery success');
    expect(alert('en', 'backlog')).toBe('Delivery alert: backlog');
    expect(alert('de', 'error_rate')).toBe('Zustellungsalarm: Fehlerquote der Anbieter');
    expect(alert('ar', 'delivery_success')).toBe('تنبيه التسليم: نجاح التسليم');
    expect(() =>
      formatMessage(
        '{k, select, a {A}}',
        'en',
        () => 'b',
        () => 0,
      ),
    ).toThrow(/no "other" case/);
  });

  it('the digest says who and when for each item and groups by category; the summary names repeats once', () => {
    const d = renderDigest(sampleDigest(NOW), {
      locale: 'en',
      url: 'https://craft.example/n',
      timeZone: 'Europe/Berlin',
    });
    expect(d.email.subject).toBe('9 new updates');
    for (const who of ['Lea Schmidt', 'Omar Nasser', 'Sofia Rossi']) expect(d.email.text).toContain(who);
    expect(d.email.text).toContain('ORDERS AND AUCTIONS');
    expect(d.email.text).toContain('FOLLOWERS AND COMMENTS');
    expect(d.email.text).toContain('(Dec 1, 2026, 11:20 PM)'); // 610 minutes before 09:30 Berlin time
    expect(d.email.text).toContain('4 new bids on Hand-turned walnut bowl: Latest: Ana Ruiz bid $195.00.');
    expect(d.push.body).toContain('3× New inquiry about Walnut serving board');
    expect(d.push.body.match(/New inquiry/g)).toHaveLength(1);
  });

  it('the SMS HELP answer follows the locale', () => {
    expect(smsHelpText('de-DE')).toContain('STOP');
    expect(smsHelpText('de-DE')).toContain('Bestellungen');
    expect(smsHelpText('ar')).toContain('إلغاء');
    expect(smsHelpText(undefined)).toContain('Reply STOP');
  });
});

describe('unsubscribe pages follow the locale', () => {
  it('English by default, German and Arabic (rtl) when asked; values escaped', async () => {
    const { unsubscribePages } = await import('../../../src/domain/delivery/unsubscribePage.js');
    const en = unsubscribePages.confirm('t"<x>', 'commerce');
    expect(en).toContain('<html lang="en" dir="ltr">');
    expect(en).toContain('Unsubscribe from orders and auctions emails');
    expect(en).toContain('value="t&quot;&lt;x&gt;"');
    const de = unsubscribePages.done('social', 'de-AT');
    expect(de).toContain('<html lang="de-AT" dir="ltr">');
    expect(de).toContain('keine E-Mails der Kategorie „Follower und Kommentare“ mehr');
    const ar = unsubscribePages.invalid(true, 'ar');
    expect(ar).toContain('<html lang="ar" dir="rtl">');
    expect(ar).toContain(LOCALES.ar.unsubscribePage.expired);
  });
});
