import type { Infra } from '../../ports.js';
import type { AuditLog } from '../audit.js';
import { Conversations } from './conversations.js';
import { Messages } from './messages.js';
import { Moderation } from './moderation.js';
import { OnMessageCreated } from './onMessageCreated.js';
import { OnMessageUpdated } from './onMessageUpdated.js';
import { MemberProfiles } from './memberProfiles.js';

/** The messaging use cases, built once in the composition root (`services.messaging`). No settings of its own. */
export function messagingServices(
  infra: Pick<Infra, 'store' | 'clock' | 'publisher' | 'logger' | 'mediaStorage' | 'delivery'>,
  _settings: Record<string, never>,
  shared: { audit: AuditLog },
) {
  const deps = { store: infra.store, clock: infra.clock, audit: shared.audit };
  const moderation = new Moderation(deps);
  return {
    conversations: new Conversations(deps),
    messages: new Messages(deps),
    moderation,
    onMessageCreated: new OnMessageCreated({
      ...deps,
      publisher: infra.publisher,
      logger: infra.logger,
      moderation,
      push: infra.delivery.push,
      webAppUrl: () => infra.delivery.settings.webAppUrl(),
    }),
    onMessageUpdated: new OnMessageUpdated({ ...deps, logger: infra.logger, media: infra.mediaStorage }),
    memberProfiles: new MemberProfiles({ store: infra.store, logger: infra.logger }),
  };
}

export type MessagingServices = ReturnType<typeof messagingServices>;
