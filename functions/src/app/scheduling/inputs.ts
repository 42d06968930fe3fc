import type { CallLimit } from '../callLimits.js';

/** What the scheduling callables accept (the schemas live with the domain's rules) and their call limit. */
export { rescheduleInput, scheduleInput, scheduleRefInput } from '../../domain/scheduling/schedules.js';

/** A person sets a few reminders a minute at most; a script filling someone's phone with them is stopped. */
export const SCHEDULE_LIMIT: CallLimit = { key: 'schedule', max: 30, windowMs: 60_000 };
