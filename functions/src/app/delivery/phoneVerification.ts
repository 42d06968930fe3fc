import { z } from 'zod';
import type { Clock, DocumentStore, SmsVerifier } from '../../ports.js';
import type { Caller } from '../../domain/caller.js';
import { fieldOps } from '../../ports.js';
import { paths } from '../../domain/paths.js';
import { AppError, failedPrecondition, invalidArgument } from '../../domain/errors.js';
import { ProviderError } from '../../domain/delivery/providerError.js';
import { toE164 } from '../../domain/delivery/phone.js';
import { hashedId } from '../../domain/ids.js';

export const startPhoneVerificationSchema = z.strictObject({
  phone: z
    .string()
    .min(3)
    .max(32)
    .regex(/^[0-9+()./ -]+$/, 'must be a phone number (digits, spaces, + ( ) . / -)'),
  /** ISO 3166 country for numbers typed without +country code. */
  country: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .optional(),
});
export const checkPhoneVerificationSchema = z.strictObject({
  code: z.string().regex(/^\d{4,10}$/, 'must be the 4-10 digit code'),
});

/** Server-only: the number a user is proving they own, between start and check, and the user's recent starts. */
export const pendingPath = (uid: string) => `phoneVerifications/${uid}`;
/** Server-only: recent starts for one number, whoever asked (keyed by a hash: the number itself is not the id). */
export const numberLimitPath = (phone: string) =>
  `phoneVerificationNumbers/${hashedId(`phone:${phone}`, { length: 40 })}`;
const PENDING_TTL_MS = 10 * 60_000;

/**
 * Every start sends a Twilio Verify code, which costs money and reaches a phone: per user and per number, one start a
 * minute and five a day (rolling 24 hours). Reserved in a transaction before Twilio is called, so simultaneous calls
 * cannot all pass; a start that Twilio then refuses still counts.
 */
export const PHONE_VERIFICATION_LIMITS = { cooldownMs: 60_000, perDay: 5, windowMs: 24 * 60 * 60_000 } as const;

function recentStarts(value: unknown, now: Date): Date[] {
  const list = Array.isArray(value) ? value : [];
  return list.filter(
    (d): d is Date => d instanceof Date && now.getTime() - d.getTime() < PHONE_VERIFICATION_LIMITS.windowMs,
  );
}

/** How long until another start is allowed (0: now). */
function waitFor(starts: readonly Date[], now: Date): number {
  const { cooldownMs, perDay, windowMs } = PHONE_VERIFICATION_LIMITS;
  const sorted = [...starts].sort((a, b) => a.getTime() - b.getTime());
  const last = sorted.at(-1);
  const cooldown = last ? last.getTime() + cooldownMs - now.getTime() : 0;
  const daily = sorted.length >= perDay ? sorted[sorted.length - perDay]!.getTime() + windowMs - now.getTime() : 0;
  return Math.max(0, cooldown, daily);
}

/**
 * Phone verification with Twilio Verify. Only after a correct code does `users/{uid}` get `phone` + `phoneVerified`,
 * the only state in which SMS is sent to it.
 */
export class PhoneVerification {
  constructor(
    private readonly store: DocumentStore,
    private readonly verifier: SmsVerifier,
    private readonly clock: Clock,
  ) {}

  /** The caller proves a number of her own: nobody starts or checks a verification for someone else. */
  async start(
    caller: Pick<Caller, 'uid'>,
    input: z.infer<typeof startPhoneVerificationSchema>,
  ): Promise<{ phone: string; status: string }> {
    const { uid } = caller;
    const phone = toE164(input.phone, input.country as never);
    const now = this.clock.now();
    await this.store.transaction(async (tx) => {
      const [mine, number] = await tx.getAll([pendingPath(uid), numberLimitPath(phone)]);
      const myStarts = recentStarts(mine?.data?.starts, now);
      const numberStarts = recentStarts(number?.data?.starts, now);
      const wait = Math.max(waitFor(myStarts, now), waitFor(numberStarts, now));
      if (wait > 0) {
        const seconds = Math.ceil(wait / 1000);
        throw new AppError('resource-exhausted', `too many verification codes requested: try again in ${seconds} s`, {
          retryAfterSeconds: seconds,
        });
      }
      tx.set(pendingPath(uid), { uid, phone, startedAt: now, starts: [...myStarts, now] });
      tx.set(numberLimitPath(phone), { starts: [...numberStarts, now] });
    });
    const { status } = await this.verifier.start(phone).catch(verifyError);
    return { phone, status };
  }

  async check(
    caller: Pick<Caller, 'uid'>,
    input: z.infer<typeof checkPhoneVerificationSchema>,
  ): Promise<{ verified: boolean; phone?: string }> {
    const { uid } = caller;
    const pending = (await this.store.get(pendingPath(uid))).data;
    const phone = pending?.phone as string | undefined;
    const startedAt = pending?.startedAt as Date | undefined;
    if (!phone || !startedAt || this.clock.now().getTime() - startedAt.getTime() > PENDING_TTL_MS) {
      throw failedPrecondition('no phone verification in progress: start one first');
    }
    const { approved } = await this.verifier.check(phone, input.code).catch(verifyError);
    if (!approved) return { verified: false };
    const now = this.clock.now();
    await this.store.commit([
      { kind: 'set', path: paths.user(uid), data: { phone, phoneVerified: true, phoneVerifiedAt: now }, merge: true },
      // The pending number goes; the record of recent starts stays (the limits must survive a successful check).
      { kind: 'update', path: pendingPath(uid), data: { phone: fieldOps.delete(), startedAt: fieldOps.delete() } },
    ]);
    return { verified: true, phone };
  }
}

/** Twilio Verify refusals in the callers' terms: too many tries, a number it will not text, or a passing outage. */
function verifyError(error: unknown): never {
  if (!(error instanceof ProviderError)) throw error;
  // Throttled: Twilio's 429, or Verify's per-number send limit (60203); src/adapters/twilio/errors.ts classifies both.
  if (error.throttle) throw new AppError('resource-exhausted', 'too many verification attempts: try again later');
  if (error.transient) throw new AppError('unavailable', 'phone verification is unavailable: try again shortly');
  throw invalidArgument(`data.phone: the number cannot be verified (Twilio ${error.code})`, { fields: ['data.phone'] });
}
