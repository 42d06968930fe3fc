import { describe, expect, it } from 'vitest';
import { formatDateTime, formatMoney } from '../../../src/domain/i18n/format.js';
import { envelope, notificationFixture } from './fixture.js';

/**
 * Issue 15: a digest email says what each item is — who, what, when, amount — in the reader's language and zone.
 * Three inquiries about one piece are told apart by who sent them and when; the time is the one each notification
 * was held at (stored on the digest item), shown in the recipient's zone, not UTC and not the release time.
 */
const inquiry = (i: number, collectorName: string) =>
  envelope('commerce.craft_inquiry', {
    inquiryId: `i${i}`,
    creatorId: 'creator',
    collectorId: `c${i}`,
    collectorName,
    craftTitle: 'Walnut serving board',
    message: 'Sizes?',
  });

const commission = envelope('commerce.commission_request', {
  requestId: 'r1',
  creatorId: 'creator',
  collectorId: 'c9',
  collectorName: 'Dana',
  description: 'A table',
  amount: 1234.5,
  currency: 'EUR',
});

// Each zone's 01:00 on 10 June 2026 (inside the default quiet hours, 22:00–07:00): everything is held until 07:00.
const CASES = [
  { locale: 'en', timeZone: 'America/New_York', start: '2026-06-10T05:00:00Z', release: '2026-06-10T11:00:00Z' },
  { locale: 'de', timeZone: 'Europe/Berlin', start: '2026-06-09T23:00:00Z', release: '2026-06-10T05:00:00Z' },
  { locale: 'ar', timeZone: 'Asia/Riyadh', start: '2026-06-09T22:00:00Z', release: '2026-06-10T04:00:00Z' },
] as const;

describe('a digest email names who, what, when and how much for each item (en, de, ar)', () => {
  for (const { locale, timeZone, start, release } of CASES) {
    it(`${locale}, ${timeZone}`, async () => {
      const f = notificationFixture(start);
      await f.user('creator', { locale, timeZone });
      const times: Date[] = [];
      const names = ['Ana', 'Ben', 'Cleo'];
      for (const [i, name] of names.entries()) {
        times.push(f.clock.now());
        await f.n.pipeline.submit(inquiry(i, name), 'callable', `inq-${i}`);
        f.clock.advance(17 * 60_000);
      }
      times.push(f.clock.now());
      await f.n.pipeline.submit(commission, 'callable', 'commission');
      expect(f.jobs('email')).toHaveLength(0);

      f.clock.set(release);
      expect(await f.n.digests.releaseDue()).toBe(1);
      const [email] = f.jobs('email');
      const content = email!.content.email;
      expect(content && 'text' in content).toBe(true);
      const { text, html } = content as { text: string; html: string };

      // When: each item's own time, in the reader's zone and language (never the release time, never UTC).
      for (const at of times) {
        const when = formatDateTime(at, locale, timeZone);
        expect(text).toContain(when);
        expect(html).toContain(when);
      }
      expect(text).not.toContain(formatDateTime(new Date(release), locale, timeZone));
      // Who: each inquiry names its sender; how much: the commission in the reader's currency format.
      for (const name of [...names, 'Dana']) expect(text).toContain(name);
      expect(text).toContain(formatMoney(1234.5, 'EUR', locale));
      // The three inquiries about one piece are three items, each with its own time.
      expect(html.match(/class="digest-when"/g)).toHaveLength(4);
    });
  }
});

describe('the chunk fan-out (a followers audience) stamps digest items with their time too', () => {
  it('de, Europe/Berlin: a community event held overnight shows when it was announced', async () => {
    const start = '2026-06-09T23:00:00Z';
    const f = notificationFixture(start);
    await f.user('kai');
    await f.user('fan', { locale: 'de', timeZone: 'Europe/Berlin', prefs: { community: { email: true } } });
    await f.followers('kai', ['fan']);
    await f.n.pipeline.submit(
      {
        ...envelope('community.event', {
          eventRef: 'w1',
          eventTitle: 'Raku night',
          kind: 'workshop',
          startsAt: '2026-06-20T18:00:00Z',
          location: 'Studio 4',
          hostId: 'kai',
        }),
        audience: { kind: 'followers', creatorId: 'kai' },
      },
      'callable',
      'raku',
    );
    await f.publisher.drain();
    expect((await f.deliveries()).map((d) => `${d.channel}:${d.status}`)).toContain('email:batched');
    const digests = await f.store.queryGroup('digests');
    const items = digests.flatMap((d) => Object.values(d.data!.items as Record<string, { at?: Date }>));
    expect(items.length).toBeGreaterThan(0);
    for (const item of items) expect(item.at).toEqual(new Date(start));
  });
});
