import type { CallLimit } from '../callLimits.js';

/** What the announcement callables accept (the schemas live with the domain's rules) and their call limit. */
export { announcementRefInput, sendAnnouncementInput } from '../../domain/announcements/announcements.js';

/** Announcements reach many people: a few an hour is plenty for a person, and a stop for a runaway script. */
export const ANNOUNCE_LIMIT: CallLimit = { key: 'announce', max: 20, windowMs: 60 * 60_000 };
