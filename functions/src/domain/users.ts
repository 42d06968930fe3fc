import { z } from 'zod';
import { canonicalLocale } from './validation.js';

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
});
export type UserProfile = z.infer<typeof userProfileSchema>;
