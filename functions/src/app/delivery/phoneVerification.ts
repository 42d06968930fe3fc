import { z } from 'zod';
import type { Clock, DocumentStore, SmsVerifier } from '../../ports.js';
import { paths } from '../../domain/paths.js';
import { AppError, failedPrecondition, invalidArgument } from '../../domain/errors.js';
import { ProviderError } from '../../domain/delivery/providerError.js';
import { toE164 } from '../../domain/delivery/phone.js';

export const startPhoneVerificationSchema = z.object({
  phone: z.string().min(3).max(32),
  /** ISO 3166 country for numbers typed without +country code. */
  country: z.string().regex(/^[A-Z]{2}$/).optional(),
});
export const checkPhoneVerificationSchema = z.object({ code: z.string().regex(/^\d{4,10}$/) });

/** Server-only: the number a user is proving they own, between start and check. */
const pendingPath = (uid: string) => `phoneVerifications/${uid}`;
const PENDING_TTL_MS = 10 * 60_000;

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

  async start(uid: string, input: z.infer<typeof startPhoneVerificationSchema>): Promise<{ phone: string; status: string }> {
    const phone = toE164(input.phone, input.country as never);
    const { status } = await this.verifier.start(phone).catch(verifyError);
    await this.store.set(pendingPath(uid), { uid, phone, startedAt: this.clock.now() });
    return { phone, status };
  }

  async check(uid: string, input: z.infer<typeof checkPhoneVerificationSchema>): Promise<{ verified: boolean; phone?: string }> {
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
      { kind: 'delete', path: pendingPath(uid) },
    ]);
    return { verified: true, phone };
  }
}

/** Twilio Verify refusals in the callers' terms: too many tries, a number it will not text, or a passing outage. */
function verifyError(error: unknown): never {
  if (!(error instanceof ProviderError)) throw error;
  if (error.code === '60203' || error.code === '429') throw new AppError('resource-exhausted', 'too many verification attempts: try again later');
  if (error.transient) throw new AppError('unavailable', 'phone verification is unavailable: try again shortly');
  throw invalidArgument(`data.phone: the number cannot be verified (Twilio ${error.code})`, { fields: ['data.phone'] });
}
