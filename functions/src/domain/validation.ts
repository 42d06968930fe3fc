import { z } from 'zod';
import { invalidArgument } from './errors.js';

/** `a.b[2].c`-style path of a zod issue, prefixed with what was being parsed. */
export function issuePath(root: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : `${acc}.${String(key)}`),
    root,
  );
}

/** One line per problem, each naming the field: `data.quietHours.start: Invalid string: must match /^\d\d:\d\d$/`. */
export function describeIssues(root: string, error: z.ZodError): string {
  return issueEntries(root, error)
    .map(([field, message]) => `${field}: ${message}`)
    .join('; ');
}

/** Each problem as [field, message]; an unknown field of a strict object is named itself (`data.extra: unknown field`). */
function issueEntries(root: string, error: z.ZodError): Array<[string, string]> {
  return error.issues.flatMap((issue): Array<[string, string]> =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => [issuePath(root, [...issue.path, key]), 'unknown field'])
      : [[issuePath(root, issue.path), issue.message]],
  );
}

/**
 * Parses input from outside (callable data, webhook bodies, event documents, Pub/Sub messages).
 * Throws INVALID_ARGUMENT naming every bad field; returns the typed, parsed value.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, root = 'data'): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw invalidArgument(describeIssues(root, result.error), {
      fields: issueEntries(root, result.error).map(([field]) => field),
    });
  }
  return result.data;
}

// ───────────── shared input rules: every callable, webhook and event schema builds on these ─────────────

/** Keys that reach an object's prototype when copied by assignment; refused anywhere in input. */
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** Deeper input is refused too: nothing legitimate nests this far, and walking it must not exhaust the stack. */
export const MAX_INPUT_DEPTH = 32;

/**
 * Refuses input with a `__proto__`, `constructor` or `prototype` key at any depth (JSON.parse makes `__proto__` an own
 * key; a later spread or merge would turn it into a prototype), or nested deeper than MAX_INPUT_DEPTH.
 * INVALID_ARGUMENT naming where.
 */
export function rejectUnsafeKeys(value: unknown, root = 'data'): void {
  const walk = (node: unknown, path: readonly PropertyKey[], depth: number): void => {
    if (node === null || typeof node !== 'object' || node instanceof Date) return;
    const field = issuePath(root, path);
    if (depth > MAX_INPUT_DEPTH) throw invalidArgument(`${field}: nested too deeply`, { fields: [field] });
    if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, [...path, i], depth + 1));
      return;
    }
    for (const key of Object.keys(node)) {
      if (UNSAFE_KEYS.has(key)) {
        const bad = issuePath(root, [...path, key]);
        throw invalidArgument(`${bad}: this key is not allowed`, { fields: [bad] });
      }
      walk((node as Record<string, unknown>)[key], [...path, key], depth + 1);
    }
  };
  walk(value, [], 0);
}

/**
 * Instants the product accepts: real calendar dates (zod's ISO check refuses 2026-02-30), between 1970-01-01 and
 * 9999-12-31 UTC. Outside that, Date arithmetic, ISO formatting and Algolia's numeric filters stop being meaningful
 * (JavaScript's own limit is ±8.64e15 ms; past year 9999 toISOString writes `+010000-…`).
 */
export const INSTANT_MIN_MS = 0;
export const INSTANT_MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const inRange = (ms: number) => Number.isFinite(ms) && ms >= INSTANT_MIN_MS && ms <= INSTANT_MAX_MS;
const RANGE_MESSAGE = 'must be a real date between 1970-01-01 and 9999-12-31';

/**
 * A failed date check ends the object's parse there: zod runs an object's refinements over input whose fields failed
 * only a format check, and a refinement comparing two dates must not meet the strings they were (exportConversation
 * answered INTERNAL for an impossible `from` and `to`).
 */
const ABORT = { abort: true } as const;

/** An ISO 8601 date-time with a zone (`2026-05-01T10:00:00Z`, `…+02:00`), as a Date. Never `null`, `true` or a number. */
export const isoInstant = () =>
  z.iso
    .datetime({
      ...ABORT,
      offset: true,
      message: 'must be an ISO 8601 date-time with a time zone, e.g. 2026-05-01T10:00:00Z',
    })
    .transform((value) => new Date(value))
    .refine((date) => inRange(date.getTime()), RANGE_MESSAGE);

/** An ISO 8601 date-time with a zone, real and in range, kept as the string it was. */
export const isoDateTime = () =>
  z.iso
    .datetime({ offset: true, message: 'must be an ISO 8601 date-time with a time zone, e.g. 2026-05-01T10:00:00Z' })
    .refine((value) => inRange(Date.parse(value)), RANGE_MESSAGE);

/** An ISO 8601 date-time or epoch milliseconds (an integer), as a Date in range. */
const INSTANT_INPUT_MESSAGE = 'must be an ISO 8601 date-time with a time zone or epoch milliseconds';
export const instantInput = () =>
  z
    .union(
      [
        z.iso.datetime({ ...ABORT, offset: true, message: INSTANT_INPUT_MESSAGE }),
        z.number().int('must be whole epoch milliseconds'),
      ],
      // Both options fail when the string fails (its check aborts): the union's own issue carries the field's rule.
      { message: INSTANT_INPUT_MESSAGE },
    )
    .transform((value) => new Date(value))
    .refine((date) => inRange(date.getTime()), RANGE_MESSAGE);

/** A Date read back from the store (or a trigger's payload): a valid one, in range. */
export const storedInstant = () => z.date().refine((date) => inRange(date.getTime()), RANGE_MESSAGE);

/** Control characters (C0 and C1), which no title or subject needs; tab, CR and LF among them. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;
/** Bidi embeddings, overrides and isolates (Trojan Source): they reorder what a reader sees. */
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/u;
/** Characters that render as nothing. A string made only of these (and spaces) looks empty. */
// eslint-disable-next-line no-misleading-character-class -- each listed character is matched on its own, by design
const INVISIBLE = /[\s\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u2060-\u2064\u3164\ufeff\uffa0]/gu;

export function hasControlCharacters(text: string): boolean {
  return CONTROL.test(text);
}

/**
 * One line of text a person reads (group titles, names, subjects): trimmed, 1..max characters, no control characters
 * (so no CR/LF reaching an email header), no bidi overrides, not only invisible characters.
 */
export const displayText = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((text) => !CONTROL.test(text), 'must not contain control characters (line breaks, tabs, NUL)')
    .refine((text) => !BIDI_CONTROL.test(text), 'must not contain bidirectional override characters')
    .refine((text) => text.replace(INVISIBLE, '').length > 0, 'must contain visible characters');

/** Multi-line text a person reads (notes): line breaks and tabs allowed, other control characters and bidi overrides not. */
export const noteText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .refine(
      // eslint-disable-next-line no-control-regex -- matching control characters is the point
      (text) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/u.test(text),
      'must not contain control characters',
    )
    .refine((text) => !BIDI_CONTROL.test(text), 'must not contain bidirectional override characters');

/** A BCP 47 language tag (`en`, `de-DE`, `zh-Hant-TW`), in its canonical form. */
export const localeTag = () =>
  z
    .string()
    .min(2)
    .max(35)
    .refine((tag) => canonicalLocale(tag) !== undefined, 'must be a BCP 47 language tag, e.g. en or de-DE')
    .transform((tag) => canonicalLocale(tag)!);

export function canonicalLocale(tag: string): string | undefined {
  // Every profile read asks this (a fan-out chunk: hundreds of times for the same few tags); Intl is the slow part.
  if (canonicalLocales.has(tag)) return canonicalLocales.get(tag);
  let canonical: string | undefined;
  // The primary language is an ISO 639 code (2-3 letters); the rest is checked by Intl (RFC 5646 syntax).
  if (/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(tag)) {
    try {
      canonical = Intl.getCanonicalLocales(tag)[0];
    } catch {
      canonical = undefined;
    }
  }
  // Bounded: tags come from profiles and requests.
  if (canonicalLocales.size >= 1_000) canonicalLocales.clear();
  canonicalLocales.set(tag, canonical);
  return canonical;
}
const canonicalLocales = new Map<string, string | undefined>();

/**
 * A document id the client names (a conversation, message, device…): 1..max letters, digits, `_` or `-` (and `.` when
 * `dots`, for ids such as `evt_…_auction.outbid`, never `.` or `..` alone). Refuses `/` (another path), whitespace
 * and everything else, with a message that names the field, never a path.
 */
export const docId = (what: string, max = 128, options: { dots?: boolean } = {}) =>
  z
    .string()
    .regex(
      new RegExp(`^[A-Za-z0-9_${options.dots ? '.' : ''}-]{1,${max}}$`),
      `must be ${what} (1-${max} letters, digits, ${options.dots ? '., ' : ''}_ or -)`,
    )
    .refine((id) => !/^\.+$/.test(id), `must be ${what}, not a relative path`);

/**
 * Text for a one-line slot (an email subject, a push title): runs of control characters and line or paragraph
 * separators become one space, bidi embeddings/overrides/isolates go, ends are trimmed. Applied where text is
 * rendered, so nothing stored earlier (or arriving by another path) can split a header.
 */
export function singleLine(text: string): string {
  return (
    text
      .replace(/[\u202a-\u202e\u2066-\u2069]/gu, '')
      // eslint-disable-next-line no-control-regex -- replacing control characters is the point
      .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/gu, ' ')
      .trim()
  );
}

/** Multi-line text for a rendered body: line breaks kept, other control characters and bidi overrides removed. */
export function plainText(text: string): string {
  return (
    text
      .replace(/[\u202a-\u202e\u2066-\u2069]/gu, '')
      .replace(/\r\n?/g, '\n')
      // eslint-disable-next-line no-control-regex -- removing control characters is the point
      .replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/gu, ' ')
  );
}

/** Whether `value` is a document id as `docId` accepts it (for ids that arrive outside a schema). */
export function isDocId(value: unknown, max = 128): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= max && /^[A-Za-z0-9_-]+$/.test(value);
}
