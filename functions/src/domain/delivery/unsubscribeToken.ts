import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { CATEGORIES } from '../channels.js';

/**
 * Email unsubscribe tokens (List-Unsubscribe link): who, which category, until when, signed with HMAC-SHA256 so
 * nobody can unsubscribe someone else by guessing a URL. Format: base64url(JSON payload) "." base64url(signature).
 */
export const unsubscribeClaimsSchema = z.object({
  uid: z.string().min(1),
  category: z.enum(CATEGORIES),
  /** Expiry, epoch seconds. */
  exp: z.number().int(),
});
export type UnsubscribeClaims = z.infer<typeof unsubscribeClaimsSchema>;

/** Long enough for someone to act on an old newsletter; bounded so a leaked link does not work forever. */
export const UNSUBSCRIBE_TOKEN_TTL_MS = 60 * 24 * 60 * 60_000;

const sign = (payload: string, key: string) => createHmac('sha256', key).update(payload).digest('base64url');

export function createUnsubscribeToken(
  claims: Omit<UnsubscribeClaims, 'exp'>,
  key: string,
  now: Date,
  ttlMs = UNSUBSCRIBE_TOKEN_TTL_MS,
): string {
  const payload = Buffer.from(JSON.stringify({ ...claims, exp: Math.floor((now.getTime() + ttlMs) / 1000) })).toString(
    'base64url',
  );
  return `${payload}.${sign(payload, key)}`;
}

export type TokenCheck =
  { ok: true; claims: UnsubscribeClaims } | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' };

export function verifyUnsubscribeToken(token: string, key: string, now: Date): TokenCheck {
  const [payload, signature, ...rest] = token.split('.');
  if (!payload || !signature || rest.length > 0) return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(sign(payload, key));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return { ok: false, reason: 'bad-signature' };
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const claims = unsubscribeClaimsSchema.safeParse(decoded);
  if (!claims.success) return { ok: false, reason: 'malformed' };
  if (claims.data.exp * 1000 <= now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, claims: claims.data };
}
