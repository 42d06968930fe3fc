import { DateTime } from 'luxon';
import type { Frequency } from './preferences.js';

/**
 * Local-time windows (quiet hours, working hours, digest times) in a user's IANA zone. All arithmetic is on the
 * local calendar through luxon, so DST changes, half-hour (Asia/Kolkata) and 45-minute (Pacific/Chatham) offsets
 * come out right: "07:00" is 07:00 on the wall clock, whatever the offset that day.
 */

const minutesOf = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

const local = (at: Date, zone: string) => DateTime.fromJSDate(at, { zone });

/**
 * Is `at` inside the daily window start–end (local)? A window may cross midnight (22:00–07:00); `days` then refers to
 * the day the window opened (Friday 22:00 – Saturday 07:00 is Friday's window). Equal start and end: never.
 */
export function inWindow(at: Date, zone: string, start: string, end: string, days?: readonly number[]): boolean {
  const t = local(at, zone);
  const now = t.hour * 60 + t.minute;
  const s = minutesOf(start);
  const e = minutesOf(end);
  if (s === e) return false;
  if (s < e) return now >= s && now < e && (!days || days.includes(t.weekday));
  if (now >= s) return !days || days.includes(t.weekday);
  if (now < e) return !days || days.includes(t.minus({ days: 1 }).weekday);
  return false;
}

/**
 * The next moment after `at` when the local clock reads `hhmm` on one of `days`. A time that does not exist that day
 * (02:30 on a spring-forward night) is moved forward by the gap, the way clocks do.
 */
export function nextLocalTime(at: Date, zone: string, hhmm: string, days?: readonly number[]): Date {
  const t = local(at, zone);
  const m = minutesOf(hhmm);
  for (let d = 0; d <= 8; d++) {
    const candidate = t
      .startOf('day')
      .plus({ days: d })
      .set({ hour: Math.floor(m / 60), minute: m % 60 });
    if (candidate.toMillis() > at.getTime() && (!days || days.includes(candidate.weekday))) return candidate.toJSDate();
  }
  throw new Error(`no ${hhmm} on days ${days?.join(',')} within a week`);
}

/** When a digest of this frequency leaves: the next local hour, the next `dailyAt`, or Monday at `dailyAt`. */
export function nextDigestTime(
  at: Date,
  zone: string,
  frequency: Exclude<Frequency, 'instant' | 'off'>,
  dailyAt: string,
): Date {
  switch (frequency) {
    case 'hourly':
      return local(at, zone).startOf('hour').plus({ hours: 1 }).toJSDate();
    case 'daily':
      return nextLocalTime(at, zone, dailyAt);
    case 'weekly':
      return nextLocalTime(at, zone, dailyAt, [1]);
  }
}

/** The user's local calendar day, `yyyy-MM-dd` (rate limits count per local day). */
export function localDay(at: Date, zone: string): string {
  return local(at, zone).toFormat('yyyy-MM-dd');
}

/** A usable zone: the given one if valid, else UTC (a profile with a bad zone must not stop notifications). */
export function safeZone(zone: string | undefined): string {
  return zone && DateTime.local().setZone(zone).isValid ? zone : 'UTC';
}
