import { z } from 'zod';
import { defineContracts } from '../contract.js';
import { ANNOUNCEMENT_STATUSES, segmentSchema } from '../../domain/announcements/announcements.js';

/** The announcement callables' answers and errors (announcements.ts). */

const view = {
  id: z.string(),
  status: z.enum(ANNOUNCEMENT_STATUSES),
  segment: segmentSchema,
  sendAt: z.iso.datetime(),
  /** Users the fan-out was handed once sent (preferences then decide who is told where); null before. */
  recipients: z.number().int().nonnegative().nullable(),
};

export const announcementContracts = defineContracts({
  sendAnnouncement: {
    summary:
      'Sends a system announcement (`system.announcement`) to a segment: every user, a profile role (creator, ' +
      'collector) or the followers of a creator, now or at `sendAt` (up to 30 days ahead); fanned out in chunks under ' +
      "each user's preferences (push and in-app by default, email opt-in), quiet hours and rate limits; audited. " +
      'The same `requestId` again answers with the announcement it created.',
    who: 'admins only',
    roles: ['admin'],
    output: z.strictObject({ ...view, created: z.boolean() }),
    errors: [
      { code: 'permission-denied', when: 'the caller has no admin role' },
      { code: 'invalid-argument', when: '`sendAt` is more than 30 days ahead' },
      { code: 'not-found', when: "the segment's `creatorId` is no user" },
    ],
  },
  cancelAnnouncement: {
    summary:
      'Cancels an announcement until its first chunk is published (scheduled, or released but not yet fanned out); ' +
      'cancelling twice changes nothing; audited.',
    who: 'admins only',
    roles: ['admin'],
    output: z.strictObject({ ...view, changed: z.boolean() }),
    errors: [
      { code: 'permission-denied', when: 'the caller has no admin role' },
      { code: 'not-found', when: 'no such announcement' },
      { code: 'failed-precondition', when: 'the announcement was already sent: it can no longer be cancelled' },
    ],
  },
});
