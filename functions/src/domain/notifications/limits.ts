import { CHANNELS } from '../channels.js';
import type { Channel } from '../channels.js';

/**
 * Notification limits per recipient role and channel (issue 18): the one table every rate limit reads
 * (src/app/notifications/rateLimits.ts). Pure: no SDK, no store.
 *
 * Every limit is a count per user, channel and *local day* (the day resets at the user's midnight: the counters are
 * one document per user and local day, `users/{uid}/counters/rate_{day}`, with a count per channel); `null` is
 * unlimited. The README's "Rate limits per role and channel" table is generated from this one and a unit test fails
 * when they differ (test/unit/notifications/limits.test.ts).
 *
 * Why the rows differ where they do:
 * - push is unlimited for everyone: it costs nothing per message and bursts collapse on the device (collapse keys);
 * - SMS is the same 10 for every role: each one costs money, and a profile's `kind` is written by its owner
 *   (firestore.rules), so a role that could be claimed must not raise what we pay for;
 * - email and in-app grow with what a role receives: a seller gets every order of their sales, a creator also every
 *   bid, follower and listing event, an admin the announcements and moderation traffic as well.
 */

export const RECIPIENT_ROLES = ['buyer', 'seller', 'creator', 'admin'] as const;
export type RecipientRole = (typeof RECIPIENT_ROLES)[number];

/** One role's limits: per channel, per local day; `null` = unlimited. */
export type RoleLimits = Readonly<Record<Channel, number | null>>;
export type LimitTable = Readonly<Record<RecipientRole, RoleLimits>>;

export const LIMITS: LimitTable = {
  buyer: { push: null, sms: 10, email: 50, inApp: 500 },
  seller: { push: null, sms: 10, email: 100, inApp: 1000 },
  creator: { push: null, sms: 10, email: 150, inApp: 2000 },
  admin: { push: null, sms: 10, email: 200, inApp: 2000 },
};

/** Per channel, a ceiling over every role (the SMS_/EMAIL_/IN_APP_DAILY_LIMIT params); a missing channel: none. */
export type LimitCeilings = Partial<Record<Channel, number>>;

/**
 * The recipient's role as the data carries it, strongest first:
 * - `admin`: the `admin` Auth custom claim (src/domain/caller.ts), as a caller's token carries it (`admin: true`) or
 *   as the profile mirrors it (`users/{uid}.staffRoles` includes 'admin', written only by setStaffRoles).
 * - `creator`: profile `kind: 'creator'` (users/{uid}; a shop is a creator account, src/domain/social/follows.ts).
 * - `seller`: someone who sells without being a creator: the profile's server-owned `sells: true`, set when an event
 *   first names the user as a seller (src/app/orders/sellers.ts), or a caller that knows it from what it handles.
 * - `buyer`: everyone else: profile `kind: 'collector'` (the default), and a missing or unreadable profile, which thus
 *   gets the lowest limits.
 */
export function recipientRole(facts: { kind?: unknown; admin?: boolean; sells?: boolean }): RecipientRole {
  if (facts.admin === true) return 'admin';
  if (facts.kind === 'creator') return 'creator';
  if (facts.sells === true) return 'seller';
  return 'buyer';
}

/**
 * The role a `users/{uid}` document gives (parsed by userProfileSchema, or raw as the limiter reads it): `kind`, the
 * server-owned `staffRoles` mirror and `sells` flag. Neither server-owned field can be written by a client
 * (firestore.rules `serverOwnedUserFields`), so unlike `kind` they may raise a limit.
 */
export function profileRole(
  profile: { kind?: unknown; staffRoles?: unknown; sells?: unknown } | undefined,
): RecipientRole {
  return recipientRole({
    kind: profile?.kind,
    admin: Array.isArray(profile?.staffRoles) && profile.staffRoles.includes('admin'),
    sells: profile?.sells === true,
  });
}

/** The limit for `role` on `channel` under `ceilings`: the lower of the two; Infinity when neither limits it. */
export function limitFor(
  role: RecipientRole,
  channel: Channel,
  ceilings: LimitCeilings = {},
  table: LimitTable = LIMITS,
): number {
  const own = table[role][channel] ?? Number.POSITIVE_INFINITY;
  const ceiling = ceilings[channel] ?? Number.POSITIVE_INFINITY;
  return Math.min(own, ceiling);
}

/** True when every role has the same limit on `channel`: the limiter need not know the role (e.g. SMS, push). */
export function sameForEveryRole(channel: Channel, ceilings: LimitCeilings = {}, table: LimitTable = LIMITS): boolean {
  const first = limitFor('buyer', channel, ceilings, table);
  return RECIPIENT_ROLES.every((role) => limitFor(role, channel, ceilings, table) === first);
}

/** The highest limit any role has on `channel` (Infinity when one is unlimited): the params' defaults. */
export function highestLimit(channel: Channel, table: LimitTable = LIMITS): number {
  return Math.max(...RECIPIENT_ROLES.map((role) => table[role][channel] ?? Number.POSITIVE_INFINITY));
}

const CHANNEL_HEADINGS: Record<Channel, string> = { push: 'push', sms: 'SMS', email: 'email', inApp: 'in-app' };

/** The README's table (Markdown), generated from `table`: the test compares it with the README's text. */
export function limitsMarkdown(table: LimitTable = LIMITS): string {
  const channels = CHANNELS;
  const head = `| role | ${channels.map((c) => CHANNEL_HEADINGS[c]).join(' | ')} |`;
  const rule = `|---|${channels.map(() => '---:').join('|')}|`;
  const rows = RECIPIENT_ROLES.map(
    (role) =>
      `| ${role} | ${channels.map((c) => (table[role][c] === null ? 'unlimited' : String(table[role][c]))).join(' | ')} |`,
  );
  return [head, rule, ...rows].join('\n');
}
