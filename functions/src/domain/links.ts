import { z } from 'zod';

/**
 * Links a client renders (workshop links, profile and group photos, tracking URLs): `https:` only, never
 * `javascript:`, `data:` or plain `http:` (zod's `z.url()` accepts any scheme). The host is a plain host name, with no
 * `user@` part that could disguise it (`https://bank.example@evil.example`); after it, printable ASCII only (clients
 * percent-encode anything else). firestore.rules `validLink` uses this exact pattern (a unit test compares them), so
 * the rules and the schemas accept the same links.
 */
export const HTTPS_URL_PATTERN = 'https://[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?([/?#][!-~]*)?';
export const HTTPS_URL_MAX = 2000;

const HTTPS_URL = new RegExp(`^(?:${HTTPS_URL_PATTERN})$`);

export function isHttpsUrl(value: unknown): value is string {
  return typeof value === 'string' && value.length <= HTTPS_URL_MAX && HTTPS_URL.test(value);
}

export const httpsUrl = (max = HTTPS_URL_MAX) =>
  z.string().max(max, `must be at most ${max} characters`).regex(HTTPS_URL, 'must be an https:// link to a host name');
