import { z } from 'zod';
import { defineContracts } from '../contract.js';
import { ANNOUNCEMENT_STATUSES, segmentSchema } from '../../domain/announcements/announcements.js';

/** The announcement callables' answers and errors (announcements.ts). */

const view = {
  id: z.string(),
  status: z.enum(ANNOUNCEMENT_STATUSES),
  segment: segmentSchema,
  sendAt: z.iso.datetime(),
  /** Users the fan-out was handed (so far while `sending`; preferences then decide who is told where); null before. */
  recipients: z.number().int().nonnegative().nullable(),
};

export const announcementContracts = defineContracts({
  sendAnnouncement: {
    summary:
      'Sends a system announcement (`system.announcement`) to a segment: every user, a profile role (creator, ' +
      'collector), the holders of a staff role (admin, compliance, service: the `users/{uid}.staffRoles` mirror of ' +
      'the Auth claims) or the followers of a creator, now or at `sendAt` (up to 30 days ahead); the segment is read ' +
      'in pages of at most 1,000 documents, each fanned out in chunks under ' +
      "each user's preferences (staff's too; push and in-app by default, email opt-in), quiet hours and rate limits; " +
      'audited. The same `requestId` again answers with the announcement it created.',
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
      'Cancels an announcement until its last page is claimed: scheduled or released, nothing goes; while `sending`, ' +
      'the pages already out stay out and the rest never go (`recipients`: the users reached). Cancelling twice ' +
      'changes nothing; audited.',
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
