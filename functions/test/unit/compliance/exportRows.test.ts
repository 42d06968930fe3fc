import { describe, expect, it } from 'vitest';
import { pdfTranscript } from '../../../src/app/compliance/encoders.js';
import {
  dateFormatter,
  notificationEntry,
  notificationRow,
  readerFormatOf,
} from '../../../src/domain/compliance/exportRows.js';
import { pdfText } from '../../support/readers.js';

const AT = new Date('2024-05-01T09:00:00Z');

describe('export rows for people', () => {
  it('reads the reader’s locale and zone from the profile, tolerating anything else as en / UTC', () => {
    expect(readerFormatOf({ locale: 'de-DE', timeZone: 'Europe/Berlin' })).toEqual({
      locale: 'de-DE',
      timeZone: 'Europe/Berlin',
    });
    expect(readerFormatOf({ locale: 'not a locale!', timeZone: 'Mars/Olympus' })).toEqual({
      locale: 'en',
      timeZone: 'UTC',
    });
    expect(readerFormatOf(undefined)).toEqual({ locale: 'en', timeZone: 'UTC' });
  });

  it('formats dates in the reader’s locale and zone: English, German and a right-to-left locale', () => {
    // ICU (Node 22) puts a narrow no-break space before AM, which the transcript's fast path does not lay out: it
    // becomes a no-break space (older ICU writes a plain space).
    const english = dateFormatter({ locale: 'en', timeZone: 'UTC' })(AT);
    expect(english).toMatch(/^May 1, 2024, 9:00:00[\u00a0 ]AM UTC$/);
    expect(dateFormatter({ locale: 'de-DE', timeZone: 'Europe/Berlin' })(AT.toISOString())).toBe(
      '01.05.2024, 11:00:00 MESZ',
    );
    const arabic = dateFormatter({ locale: 'ar', timeZone: 'Asia/Riyadh' })(AT);
    // 12:00 in Riyadh (UTC+3), afternoon (م), in Arabic or Arabic-Indic digits (as the ICU version has it); the
    // invisible bidi marks ICU adds are dropped.
    expect(arabic).toMatch(/(12:00:00|١٢:٠٠:٠٠) م/);
    expect(arabic).not.toMatch(/[\u200e\u200f\u061c]/);
    // Not a date: shown as stored instead of "Invalid Date".
    expect(dateFormatter({ locale: 'en', timeZone: 'UTC' })('soon')).toBe('soon');
  });

  it('a transcript for an Arabic reader prints its dates with the embedded fonts (no [U+…] placeholders)', async () => {
    const formatDate = dateFormatter({ locale: 'ar', timeZone: 'Asia/Riyadh' });
    const entries = async function* () {
      yield notificationEntry(notificationRow('n1', { title: 'مرحبا', createdAt: AT, category: 'orders' }), formatDate);
    };
    const pdf = await pdfTranscript(
      { title: 'Notifications', lines: [`Exported ${formatDate(AT)}`], createdAt: AT, pageLabel: (n) => `Page ${n}` },
      entries(),
    );
    const { text } = await pdfText(Buffer.concat(await pdf.toArray()));
    expect(text).not.toContain('[U+');
    expect(text).toContain('Page 1');
  });

  it('a notification row carries its deep link from data.link', () => {
    expect(notificationRow('n1', { title: 't', data: { orderId: 'o1', link: '/orders/o1' } })).toMatchObject({
      id: 'n1',
      link: '/orders/o1',
    });
    expect(notificationRow('n2', { title: 't' }).link).toBe('');
  });
});
