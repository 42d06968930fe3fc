import type { SmsMessage, SmsReceipt, SmsSender } from '../../ports.js';
import type { TwilioClientFactory } from './client.js';
import { twilioError } from './errors.js';

export interface TwilioSenderOptions {
  /** A Messaging Service SID (preferred: sender pools, Advanced Opt-Out) or a From number; params, read at call time. */
  sender: () => { messagingServiceSid?: string; from?: string };
}

/** SMS through Twilio Programmable Messaging (POST /2010-04-01/Accounts/{sid}/Messages.json). */
export class TwilioSmsSender implements SmsSender {
  constructor(
    private readonly clients: TwilioClientFactory,
    private readonly options: TwilioSenderOptions,
  ) {}

  async send(message: SmsMessage): Promise<SmsReceipt> {
    const client = await this.clients.get();
    const { messagingServiceSid, from } = this.options.sender();
    if (!messagingServiceSid && !from) throw new Error('set TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER');
    try {
      const created = await client.messages.create({
        to: message.to,
        body: message.body,
        statusCallback: message.statusCallback,
        ...(messagingServiceSid ? { messagingServiceSid } : { from: from! }),
      });
      return { sid: created.sid, status: created.status };
    } catch (error) {
      throw twilioError(error);
    }
  }
}
