import { createHash } from 'node:crypto';

/**
 * Ids derived from their input: the first `length` hex characters of its SHA-256, behind an optional prefix. Used
 * where the same input must name the same document every time (a retried trigger, a redelivered message, a second
 * device registration with the same token), and where the input cannot be a document id itself (it may hold `/`,
 * be too long, or be personal data such as a phone number).
 *
 * The lengths are frozen: these ids are stored, so changing one for a call site would orphan every document written
 * before. Each length is the one its call sites have always used; what makes it enough:
 * - 16 (64 bits)  a key inside one document (digest items of one user and release time): a handful of entries.
 * - 24 (96 bits)  ids scoped to one owner or kept by the thousand: a user's notification groups, a creator's group
 *                 conversations by request id, audit entries keyed by a retried action.
 * - 32 (128 bits) ids in collections shared by everyone and without bound: events, rejected events, device ids,
 *                 moderation items.
 * - 40 (160 bits) claims that decide whether outside input is new: idempotency keys of events, phone numbers under
 *                 a verification limit. A collision would drop an event or share a limit, so they get the most bits
 *                 short of the full hash.
 * - 64 (256 bits) the whole hash, where only a length limit forced hashing at all (no call site uses it now).
 */
export type HashedIdLength = 16 | 24 | 32 | 40 | 64;

export function hashedId(input: string, { length, prefix = '' }: { length: HashedIdLength; prefix?: string }): string {
  return `${prefix}${createHash('sha256').update(input, 'utf8').digest('hex').slice(0, length)}`;
}
