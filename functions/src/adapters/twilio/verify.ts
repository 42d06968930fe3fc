import type { SmsVerifier } from '../../ports.js';
import type { TwilioClientFactory } from './client.js';
import { twilioError } from './errors.js';

/** Twilio Verify (POST /v2/Services/{sid}/Verifications and /VerificationCheck). */
export class TwilioVerifier implements SmsVerifier {
  constructor(
    private readonly clients: TwilioClientFactory,
    private readonly serviceSid: () => string,
  ) {}

  private async service() {
    const sid = this.serviceSid();
    if (!sid) throw new Error('set TWILIO_VERIFY_SERVICE_SID');
    return (await this.clients.get()).verify.v2.services(sid);
  }

  async start(phone: string): Promise<{ status: string }> {
    try {
      const verification = await (await this.service()).verifications.create({ to: phone, channel: 'sms' });
      return { status: verification.status };
    } catch (error) {
      throw twilioError(error);
    }
  }

  async check(phone: string, code: string): Promise<{ approved: boolean; status: string }> {
    try {
      const check = await (await this.service()).verificationChecks.create({ to: phone, code });
      return { approved: check.status === 'approved', status: check.status };
    } catch (error) {
      // 404: no pending verification (expired, or already approved) — a wrong state, not an outage.
      const mapped = twilioError(error);
      if (mapped.code === '20404') return { approved: false, status: 'expired' };
      throw mapped;
    }
  }
}
