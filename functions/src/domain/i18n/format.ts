/**
 * Locale-aware formatting with the runtime's ICU (`Intl`): money, numbers, dates in the reader's time zone, plurals.
 * Pure: no SDK. Every function takes the reader's locale (BCP 47) and, for instants, their IANA zone.
 */

/** The directions a script is written in; `ar` and `he` (and the rest of `RTL_LANGUAGES`) read right to left. */
const RTL_LANGUAGES = new Set(['ar', 'he', 'fa', 'ur', 'ps', 'yi', 'dv', 'ckb', 'sd', 'ug']);

export function textDirection(locale: string): 'ltr' | 'rtl' {
  const language = locale.toLowerCase().split(/[-_]/)[0] ?? '';
  return RTL_LANGUAGES.has(language) ? 'rtl' : 'ltr';
}

/**
 * Money as the reader writes it: `$150.00`, `150,00 $`, `¥1,500` (JPY has no minor unit: Intl knows each currency's
 * digits, so no `.00` is invented). An unknown currency code falls back to "CODE 1,234.50" rather than throwing.
 */
export function formatMoney(amount: number, currency: string, locale: string): string {
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(amount);
  } catch {
    return `${currency} ${new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(amount)}`;
  }
}

export const formatNumber = (value: number, locale: string): string => new Intl.NumberFormat(locale).format(value);

/**
 * A lead time in whole minutes as the reader says it: "45 minutes", "1 hour", "24 hours", "3 days" ("24 Stunden",
 * "٢٤ ساعة"), in the largest unit that states it exactly, so the 24 h reminder never reads "1,440 minutes"; days
 * only from two days on (a "24 h reminder" reads as 24 hours). Intl's unit formatting picks each language's plural
 * forms (Arabic's dual "ساعتان" included). Not a whole number of minutes: shown as a number of minutes.
 */
export function formatDuration(minutes: number, locale: string): string {
  const unit = (name: 'minute' | 'hour' | 'day', value: number) =>
    new Intl.NumberFormat(locale, { style: 'unit', unit: name, unitDisplay: 'long' }).format(value);
  if (!Number.isInteger(minutes) || minutes < 60) return unit('minute', minutes);
  if (minutes >= 2 * 1440 && minutes % 1440 === 0) return unit('day', minutes / 1440);
  if (minutes % 60 === 0) return unit('hour', minutes / 60);
  return unit('minute', minutes);
}

/** A date and time as the reader reads it, in their zone ("2 Dec 2026, 14:05"); an invalid zone reads as UTC. */
export function formatDateTime(at: Date, locale: string, timeZone: string | undefined): string {
  const options: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeStyle: 'short' };
  try {
    return new Intl.DateTimeFormat(locale, { ...options, timeZone: timeZone ?? 'UTC' }).format(at);
  } catch {
    return new Intl.DateTimeFormat(locale, { ...options, timeZone: 'UTC' }).format(at);
  }
}

/**
 * The wire form of a money variable, as the event plans write it (`plans.ts` fmtMoney): "USD 150.00". Kept as a
 * string so jobs, bursts and digests stored before this change still render; the renderer turns it into the
 * reader's form with `formatMoney`.
 */
export function parseMoney(value: string): { amount: number; currency: string } | undefined {
  const match = /^([A-Z]{3}) (-?\d+(?:\.\d+)?)$/.exec(value.trim());
  return match ? { currency: match[1]!, amount: Number(match[2]) } : undefined;
}

/** The same wire form, for code that builds variables ("USD 150.00"). */
export const moneyVar = (amount: number, currency: string): string => `${currency} ${amount.toFixed(2)}`;

export class MessageFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MessageFormatError';
  }
}

/**
 * A small subset of ICU MessageFormat: `{name}`, `{name, select, a {…} other {…}}` and
 * `{name, plural, =0 {…} one {# item} other {# items}}` (plural
 * categories from `Intl.PluralRules`, so Arabic gets zero/one/two/few/many/other; `#` is the number in the reader's
 * digits). `value(name)` supplies a variable or throws; `number(name)` its numeric value for a plural.
 */
export function formatMessage(
  message: string,
  locale: string,
  value: (name: string) => string,
  number: (name: string) => number,
): string {
  let out = '';
  let i = 0;
  while (i < message.length) {
    const ch = message[i]!;
    if (ch !== '{') {
      out += ch;
      i++;
      continue;
    }
    const end = matchingBrace(message, i);
    const inner = message.slice(i + 1, end);
    const comma = inner.indexOf(',');
    if (comma < 0) {
      out += value(inner.trim());
    } else {
      const name = inner.slice(0, comma).trim();
      const rest = inner.slice(comma + 1);
      const kindEnd = rest.indexOf(',');
      const kind = rest.slice(0, kindEnd).trim();
      if ((kind !== 'plural' && kind !== 'select') || kindEnd < 0)
        throw new MessageFormatError(`unsupported argument {${inner}}`);
      if (kind === 'select') {
        // `{name, select, a {…} b {…} other {…}}`: the case named by the variable's value, else `other`.
        const cases = pluralOptions(rest.slice(kindEnd + 1));
        const picked = cases.get(value(name)) ?? cases.get('other');
        if (picked === undefined) throw new MessageFormatError(`{${name}, select} has no "other" case`);
        out += formatMessage(picked, locale, value, number);
        i = end + 1;
        continue;
      }
      const n = number(name);
      const options = pluralOptions(rest.slice(kindEnd + 1));
      const category = new Intl.PluralRules(locale).select(n);
      const chosen = options.get(`=${n}`) ?? options.get(category) ?? options.get('other');
      if (chosen === undefined) throw new MessageFormatError(`{${name}, plural} has no "other" case`);
      const hash = formatNumber(n, locale);
      out += formatMessage(chosen.replace(/#/g, hash), locale, value, number);
    }
    i = end + 1;
  }
  return out;
}

function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let j = open; j < text.length; j++) {
    if (text[j] === '{') depth++;
    else if (text[j] === '}' && --depth === 0) return j;
  }
  throw new MessageFormatError(`unbalanced braces in "${text}"`);
}

function pluralOptions(text: string): Map<string, string> {
  const options = new Map<string, string>();
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) break;
    const open = text.indexOf('{', i);
    if (open < 0) throw new MessageFormatError(`plural option without a message in "${text}"`);
    const selector = text.slice(i, open).trim();
    const close = matchingBrace(text, open);
    options.set(selector, text.slice(open + 1, close));
    i = close + 1;
  }
  return options;
}

/** The variable names a message uses, plural arguments included (tests compare locales with them). */
export function messageVariables(message: string): string[] {
  const names = new Set<string>();
  for (const m of message.matchAll(/\{\s*(\w+)\s*(?:,\s*(?:plural|select)\s*,|\})/g)) names.add(m[1]!);
  return [...names];
}
