import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { CountryCode } from 'libphonenumber-js';
import { invalidArgument } from '../errors.js';

/**
 * Phone numbers are stored and sent in E.164. Parsing and validation is libphonenumber's (real numbering plans per
 * country: length, prefixes, mobile ranges), never a regex.
 */
export function toE164(input: string, defaultCountry?: CountryCode, field = 'data.phone'): string {
  const parsed = parsePhoneNumberFromString(input, defaultCountry);
  if (!parsed || !parsed.isValid()) throw invalidArgument(`${field}: not a valid phone number`, { fields: [field] });
  const type = parsed.getType();
  // Landlines cannot receive SMS; numbers of unknown type (some plans do not tell) are let through to Twilio Verify.
  if (type === 'FIXED_LINE') throw invalidArgument(`${field}: a landline cannot receive SMS`, { fields: [field] });
  return parsed.number;
}

/** Keywords carriers and Twilio treat as opt-out / opt-in / help (CTIA), matched on the whole trimmed message. */
const STOP = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'OPTOUT', 'REVOKE']);
const START = new Set(['START', 'YES', 'UNSTOP', 'OPTIN']);
const HELP = new Set(['HELP', 'INFO']);

export type SmsKeyword = 'stop' | 'start' | 'help';

export function smsKeyword(body: string): SmsKeyword | undefined {
  const word = body.trim().toUpperCase();
  if (STOP.has(word)) return 'stop';
  if (START.has(word)) return 'start';
  if (HELP.has(word)) return 'help';
  return undefined;
}
