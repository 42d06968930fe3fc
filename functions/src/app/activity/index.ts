import type { Infra } from '../../ports.js';
import { ActivityFeed } from './feed.js';

/** `services.activity`: the per-user activity feed kept by triggers (feed.ts). */
export function activityServices(
  infra: Pick<Infra, 'store' | 'clock' | 'logger'>,
  _settings: Record<string, never> = {},
  _shared: Record<string, never> = {},
) {
  return { feed: new ActivityFeed(infra.store, infra.clock, infra.logger) };
}
