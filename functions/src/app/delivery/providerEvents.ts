import type { Clock, Logger, ProviderEvent, ProviderWebhook, WebhookOutcome, WebhookRequest } from '../../ports.js';
import { fieldOps } from '../../ports.js';
import { CATEGORIES } from '../../domain/channels.js';
import type { Category } from '../../domain/channels.js';
import { paths } from '../../domain/paths.js';
import { smsKeyword } from '../../domain/delivery/phone.js';
import { smsHelpText } from '../../domain/notifications/templates.js';
import { isDocId } from '../../domain/validation.js';
import { DELIVERY_ID_MAX } from '../../domain/delivery.js';
import type { DeliveryRepo } from './deliveryRepo.js';
import type { ContactPoints } from './contactPoints.js';

/** Turning a channel off for a category: the pipeline's PreferencesRepo.setChannel. */
export interface PreferenceSwitch {
  setChannel(
    uid: string,
    categoryOrType: string,
    channel: 'email' | 'sms' | 'push' | 'inApp',
    enabled: boolean,
  ): Promise<unknown>;
}

/** The HTTP answer to a webhook post. */
export interface WebhookAnswer {
  status: number;
  contentType: string;
  body: string;
}

/**
 * What providers tell us after the send, as policy: a delivery moves forward (never back), a failure is kept once, an
 * SMS's cost is counted once per message, a bounced address is suppressed, STOP/START opt a number out and in, HELP is
 * answered in the sender's language. The provider's folder authenticates and translates each post (ProviderWebhook,
 * src/adapters/<provider>/); nothing here knows a provider's wire format.
 */
export class ProviderEvents {
  constructor(
    private readonly repo: DeliveryRepo,
    private readonly contacts: ContactPoints,
    private readonly preferences: PreferenceSwitch,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly webhooks: Readonly<Record<string, ProviderWebhook>> = {},
  ) {}

  /** One post to the HTTPS function `name`: refused (403/400) before anything is read or written, else applied. */
  async receive(name: string, request: WebhookRequest): Promise<WebhookAnswer> {
    const webhook = this.webhooks[name];
    if (!webhook) throw new Error(`no provider webhook is wired for ${name}`);
    const parsed = await webhook.parse(request, this.clock.now());
    if (!parsed.ok) return { status: parsed.status, contentType: 'text/plain; charset=utf-8', body: parsed.message };
    return { status: 200, ...webhook.respond(await this.apply(parsed.events)) };
  }

  /** Applies a provider's events in order; each is idempotent, so a redelivered post changes nothing more. */
  async apply(events: readonly ProviderEvent[]): Promise<WebhookOutcome> {
    const deliveries: WebhookOutcome['deliveries'][number][] = [];
    let reply: string | undefined;
    for (const event of events) {
      switch (event.kind) {
        case 'delivery':
          deliveries.push(await this.delivery(event));
          break;
        case 'email-suppressed':
          await this.contacts.suppressEmail(event.email, event.reason, event.deliveryId);
          break;
        case 'unsubscribed':
          // A custom arg we set; one that is not an id (a/b, ..) is ignored rather than used as a path.
          if (isDocId(event.uid)) await this.unsubscribe(event.uid, event.category);
          break;
        case 'inbound-sms': {
          const keyword = smsKeyword(event.body);
          if (keyword === 'stop') await this.contacts.setSmsOptOut(event.from, true, 'sms-stop');
          if (keyword === 'start') await this.contacts.setSmsOptOut(event.from, false, 'sms-start');
          // In the language of whoever verified this number; a number nobody holds (or several people do) gets English.
          if (keyword === 'help') reply = smsHelpText(await this.contacts.localeOfPhone(event.from));
          this.logger.info('inbound sms', { keyword: keyword ?? 'none' });
          break;
        }
      }
    }
    return { deliveries, ...(reply ? { reply } : {}) };
  }

  private async delivery(
    event: Extract<ProviderEvent, { kind: 'delivery' }>,
  ): Promise<'updated' | 'missing' | 'ignored'> {
    const { deliveryId } = event;
    // The id comes back from the provider (custom arg, callback URL): only one we could have issued is used as a path.
    if (!isDocId(deliveryId, DELIVERY_ID_MAX)) return 'ignored';
    const now = this.clock.now();
    const at = event.at ?? now;
    const cost = event.cost;
    return this.repo.applyProviderEvent(
      deliveryId,
      {
        ...(event.status ? { status: event.status } : {}),
        at,
        fields: event.fields,
        ...(event.timestampField ? { timestampField: event.timestampField } : {}),
        ...(event.failure ? { error: { at, provider: event.provider, ...event.failure } } : {}),
      },
      (doc) => {
        if (event.providerMessageId && doc.providerMessageId && doc.providerMessageId !== event.providerMessageId) {
          this.logger.warn('provider event for another message', {
            deliveryId,
            providerMessageId: event.providerMessageId,
          });
          return { fields: {} };
        }
        if (!cost || doc.price !== undefined) return undefined;
        // The cost arrives once per message; the per-user daily cost grows with it in the same transaction.
        const day = (doc.timestamps?.sentAt ?? now).toISOString().slice(0, 10);
        return {
          fields: { price: cost.amount, priceUnit: cost.currency },
          also: (tx) =>
            tx.set(
              `${paths.user(doc.uid)}/deliveryCosts/${day}`,
              {
                day,
                sms: { count: fieldOps.increment(1), cost: fieldOps.increment(cost.amount) },
                unit: cost.currency,
              },
              { merge: true },
            ),
        };
      },
    );
  }

  /** Email off for one category, or for every category. */
  async unsubscribe(uid: string, scope: Category | 'all'): Promise<void> {
    for (const category of scope === 'all' ? CATEGORIES : [scope])
      await this.preferences.setChannel(uid, category, 'email', false);
  }
}
