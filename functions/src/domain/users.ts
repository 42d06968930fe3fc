import { z } from 'zod';
import { canonicalLocale } from './validation.js';
import { ROLES } from './caller.js';
import type { Role } from './caller.js';

/**
 * `users/{uid}.staffRoles`: the server's mirror of the caller-role claims on the user's Auth account (src/domain/caller.ts
 * ROLES), written only by setStaffRoles (src/app/identity/staffRoles.ts) and never by a client (firestore.rules
 * `serverOwnedUserFields`). Read where no ID token is at hand: the notification limits (an admin's row), announcement
 * segments. Tolerant: unknown entries are dropped and a value that is not a list reads as none, so a bad mirror never
 * makes the whole profile unreadable (which would skip the user's notifications).
 */
export const staffRolesSchema = z
  .array(z.unknown())
  .transform((roles) => ROLES.filter((role): role is Role => roles.includes(role)))
  .optional()
  .catch(undefined);

/**
 * `users/{uid}`: the profile every feature reads. Verified contact points are written only by the server
 * (phone verification with Twilio Verify, email verification), never by the client.
 */
export const userProfileSchema = z.object({
  displayName: z.string().min(1).max(100),
  /** creator | collector: product roles, unrelated to the admin/compliance/service claims. */
  kind: z.enum(['creator', 'collector']).default('collector'),
  email: z.string().email().optional(),
  emailVerified: z.boolean().default(false),
  /** E.164, set only once verified through Twilio Verify. */
  phone: z.string().optional(),
  phoneVerified: z.boolean().default(false),
  /** IANA zone, e.g. Europe/Berlin. */
  timeZone: z.string().default('UTC'),
  /** BCP 47; read tolerantly (the rules check what clients write): anything else reads as `en`. */
  locale: z
    .string()
    .default('en')
    .transform((tag) => canonicalLocale(tag) ?? 'en'),
  photoUrl: z.string().url().optional(),
  createdAt: z.date().optional(),
  /** When `email` / `emailVerified` were last copied from Firebase Auth (src/app/identity/emailStatus.ts). */
  emailSyncedAt: z.date().optional(),
  /** Server-owned: the caller-role claims (admin, compliance, service) as Auth holds them (`staffRolesSchema`). */
  staffRoles: staffRolesSchema,
  /**
   * Server-owned: true once an event names the user as a seller (an order's or auction's `sellerId`, a listing's
   * creator; src/app/orders/sellers.ts). Never unset: it only raises the notification limits (the seller row).
   */
  sells: z.literal(true).optional().catch(undefined),
});
export type UserProfile = z.infer<typeof userProfileSchema>;

/**
 * Firebase Auth's word on a user's address, the only source of `users/{uid}.email` and `emailVerified`. An address
 * the profile schema would refuse counts as none (it could not be read back), so mail never goes there.
 */
export const authEmailSchema = z
  .object({
    email: z.string().email().max(320).optional().catch(undefined),
    emailVerified: z.boolean().catch(false),
  })
  .transform(({ email, emailVerified }) => ({ email, emailVerified: emailVerified && email !== undefined }));
export type AuthEmail = z.output<typeof authEmailSchema>;

/**
 * What the profile's `email` / `emailVerified` must become to say what Auth says, or undefined when they already do.
 * `email: undefined` removes the field (Auth has no address: phone or custom-token accounts). A changed address comes
 * with Auth's flag for the new address, so it is unverified until Auth has verified it; a client-written address that
 * Auth does not hold is replaced.
 */
export function emailStatusPatch(
  profile: { email?: unknown; emailVerified?: unknown },
  auth: AuthEmail,
): AuthEmail | undefined {
  // A field that is present but not Auth's (garbage, or an address Auth lacks) is replaced or removed.
  const sameEmail = profile.email === auth.email;
  return sameEmail && profile.emailVerified === auth.emailVerified ? undefined : auth;
}
