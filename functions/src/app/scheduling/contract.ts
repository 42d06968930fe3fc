import { z } from 'zod';
import { defineContracts } from '../contract.js';

/** The scheduling callables' answers and errors (scheduler.ts; the view is store.ts `viewOf`). */

const view = {
  /** The scheduled notification's id (`scheduledNotifications/{id}`). */
  id: z.string(),
  status: z.enum(['pending', 'released', 'cancelled']),
  /** When it is due, ISO 8601 (UTC). */
  dueAt: z.iso.datetime(),
  recipientId: z.string().nullable(),
};

const NOT_YOURS = {
  code: 'not-found',
  when: 'no such item, or one the caller neither scheduled nor receives (the same answer, so ids cannot be probed)',
} as const;
const DELIVERED = { code: 'failed-precondition', when: 'it was already delivered, or it is an announcement' } as const;

export const schedulingContracts = defineContracts({
  scheduleNotification: {
    summary:
      'Schedules a `reminder.due` notification (title, body, optional in-app link) 1 minute to 30 days ahead. The ' +
      'same `requestId` again answers with the item it created (`created: false`).',
    roles: ['service', 'admin'],
    who: 'yourself (`recipientId` omitted or your uid); `service` and `admin` callers for anyone',
    output: z.strictObject({ ...view, created: z.boolean() }),
    errors: [
      {
        code: 'permission-denied',
        when: '`recipientId` names someone else and the caller is neither service nor admin',
      },
      { code: 'invalid-argument', when: '`at` is less than 1 minute or more than 30 days ahead' },
      { code: 'failed-precondition', when: 'the recipient already has 100 scheduled notifications waiting' },
    ],
  },
  cancelScheduledNotification: {
    summary: 'Cancels a pending item; cancelling a cancelled one again changes nothing (`changed: false`).',
    roles: ['service', 'admin'],
    who: 'whoever scheduled it and its recipient; `service` and `admin` callers',
    output: z.strictObject({ ...view, changed: z.boolean() }),
    errors: [NOT_YOURS, DELIVERED],
  },
  rescheduleNotification: {
    summary:
      'Moves a pending item to a new time (a new version: the event it becomes has a new key); the same time ' +
      'again changes nothing.',
    roles: ['service', 'admin'],
    who: 'whoever scheduled it and its recipient; `service` and `admin` callers',
    output: z.strictObject({ ...view, changed: z.boolean() }),
    errors: [
      { code: 'invalid-argument', when: '`at` is less than 1 minute or more than 30 days ahead' },
      NOT_YOURS,
      { code: 'failed-precondition', when: 'it was cancelled or already delivered, or it is an announcement' },
    ],
  },
});
