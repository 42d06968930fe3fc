import type { Infra } from '../../ports.js';
import { MAX_FOLLOWING } from '../../domain/social/follows.js';
import { Follows } from './follows.js';

/** `services.social`: following creators and shops (follows.ts). */
export function socialServices(
  infra: Pick<Infra, 'store' | 'clock'>,
  settings: { maxFollowing?: number } = {},
  _shared: Record<string, never> = {},
) {
  return { follows: new Follows(infra.store, infra.clock, { maxFollowing: settings.maxFollowing ?? MAX_FOLLOWING }) };
}
