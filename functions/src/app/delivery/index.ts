import type { Clock, DeliveryInfra, DocumentStore, Infra, Logger, Publisher } from '../../ports.js';
import { UnsubscribeEndpoint } from './unsubscribe.js';
import { ChannelDelivery } from './channelDelivery.js';
import { EmailChannel, PushChannel, SmsChannel } from './channels.js';
import type { SmsAllowance } from './channels.js';
import { ContactPoints } from './contactPoints.js';
import { DeliveryRepo } from './deliveryRepo.js';
import { DeviceRegistry } from './deviceRegistry.js';
import { PhoneVerification } from './phoneVerification.js';
import { ProviderEvents } from './providerEvents.js';
import type { PreferenceSwitch } from './providerEvents.js';
import { ProviderPolicies } from './resilience.js';

export interface DeliveryDeps {
  store: DocumentStore;
  publisher: Publisher;
  clock: Clock;
  logger: Logger;
  delivery: DeliveryInfra;
  /**
   * The notification pipeline's own instances (services.notifications), not copies: a fallback SMS counts toward the
   * same daily limit, configured once, and an unsubscribe changes the same preferences routing reads.
   */
  preferences: PreferenceSwitch;
  smsAllowance: SmsAllowance;
}

/**
 * `services.delivery`: channel delivery, devices, contact points, provider events, unsubscribe, phone verification.
 * Its settings travel with the provider adapters (`infra.delivery.settings`), since most are secrets read at call
 * time. `shared` is the notification pipeline's own preferences and SMS allowance (one daily limit, one set of
 * preferences).
 */
export function deliveryServices(
  adapters: Pick<Infra, 'store' | 'publisher' | 'clock' | 'logger' | 'delivery'>,
  _settings: Record<string, never>,
  shared: Pick<DeliveryDeps, 'preferences' | 'smsAllowance'>,
) {
  const infra: DeliveryDeps = { ...adapters, ...shared };
  const { store, clock, delivery } = infra;
  const now = () => clock.now();
  const repo = new DeliveryRepo(store, clock);
  const devices = new DeviceRegistry(store, clock);
  const contacts = new ContactPoints(store, clock);
  const policies = new ProviderPolicies(delivery.settings.resilience);
  const channels = new ChannelDelivery({
    repo,
    publisher: infra.publisher,
    clock,
    logger: infra.logger,
    policies,
    resilience: delivery.settings.resilience,
    channels: {
      push: new PushChannel(delivery.push, devices, contacts, delivery.settings),
      sms: new SmsChannel(delivery.sms, contacts, infra.smsAllowance, delivery.settings, now),
      email: new EmailChannel(delivery.email, contacts, delivery.settings, now),
    },
  });
  const events = new ProviderEvents(repo, contacts, infra.preferences, clock, infra.logger, delivery.webhooks);
  return {
    repo,
    devices,
    contacts,
    policies,
    channels,
    events,
    unsubscribe: new UnsubscribeEndpoint({
      events,
      contacts,
      key: () => delivery.settings.unsubscribeKey(),
      clock,
      logger: infra.logger,
    }),
    phone: new PhoneVerification(store, delivery.smsVerifier, clock),
    settings: delivery.settings,
  };
}

export type DeliveryServices = ReturnType<typeof deliveryServices>;
