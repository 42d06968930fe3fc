import type { CallLimit } from '../callLimits.js';

/**
 * What the social callables accept (the schema lives with the domain's rules) and their call limit: generous for a
 * person browsing makers, tight for a script following and unfollowing to flood a creator's notifications.
 */
export { followInput } from '../../domain/social/follows.js';

export const FOLLOW_LIMIT: CallLimit = { key: 'follow', max: 60, windowMs: 60_000 };
