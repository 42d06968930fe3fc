/** Delivery channels. `inApp` is the notification center; the others go through a provider. */
export const CHANNELS = ['push', 'sms', 'email', 'inApp'] as const;
export type Channel = (typeof CHANNELS)[number];

export const PROVIDER_CHANNELS = ['push', 'sms', 'email'] as const;
export type ProviderChannel = (typeof PROVIDER_CHANNELS)[number];

/** Notification categories; preferences, priorities and email unsubscribe work per category. */
export const CATEGORIES = ['commerce', 'community', 'social', 'messaging'] as const;
export type Category = (typeof CATEGORIES)[number];

export const PRIORITIES = ['high', 'medium', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Pub/Sub topics between functions. */
export const TOPICS = {
  domainEvents: 'domain-events',
  fanout: 'notification-fanout',
  push: 'deliver-push',
  sms: 'deliver-sms',
  email: 'deliver-email',
} as const;

export const deliveryTopic = (channel: ProviderChannel): string => TOPICS[channel];
