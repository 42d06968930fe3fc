import type { Client } from '@sendgrid/client';
import type { MailService } from '@sendgrid/mail';
import type { EmailMessage, EmailSender } from '../../ports.js';
import { sendgridError } from './errors.js';

export interface SendgridOptions {
  /** Read at call time (a secret). */
  apiKey: () => string;
  /** Tests point the SDK at a loopback server; production leaves SendGrid's default (https://api.sendgrid.com). */
  baseUrl?: string;
  timeoutMs?: number;
}

/**
 * Email through SendGrid v3 mail/send with @sendgrid/mail, on its own @sendgrid/client instance (not the module
 * singletons, which other code could reconfigure), loaded and built on first use.
 */
export class SendgridEmailSender implements EmailSender {
  private mail: Promise<MailService> | undefined;

  constructor(private readonly options: SendgridOptions) {}

  private service(): Promise<MailService> {
    this.mail ??= (async () => {
      // Both packages export a singleton with the class hung on it (`export =`), hence the casts.
      const { Client: ClientClass } = (await import('@sendgrid/client')) as unknown as { Client: new () => Client };
      const { MailService: MailServiceClass } = (await import('@sendgrid/mail')) as unknown as {
        MailService: new () => MailService;
      };
      const client = new ClientClass();
      client.setApiKey(this.options.apiKey());
      if (this.options.baseUrl) client.setDefaultRequest('baseUrl', this.options.baseUrl);
      client.setDefaultRequest('timeout' as never, (this.options.timeoutMs ?? 10_000) as never);
      const mail = new MailServiceClass();
      mail.setClient(client);
      return mail;
    })();
    this.mail.catch(() => (this.mail = undefined));
    return this.mail;
  }

  async send(message: EmailMessage): Promise<{ messageId: string }> {
    const mail = await this.service();
    try {
      const [response] = await mail.send({
        to: message.to,
        from: message.from,
        subject: message.subject,
        html: message.html,
        text: message.text,
        headers: message.headers,
        customArgs: message.customArgs,
        categories: message.categories,
      });
      const headers = response.headers as Record<string, string | undefined>;
      return { messageId: headers['x-message-id'] ?? '' };
    } catch (error) {
      throw sendgridError(error);
    }
  }
}
