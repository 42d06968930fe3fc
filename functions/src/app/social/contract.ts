import { z } from 'zod';
import { defineContracts } from '../contract.js';

/** The social callables' answers and errors (follows.ts). */

const result = z.strictObject({
  creatorId: z.string(),
  following: z.boolean(),
  /** false when nothing changed (following twice, unfollowing someone not followed). */
  changed: z.boolean(),
  counts: z.strictObject({ followers: z.number().int().nonnegative(), following: z.number().int().nonnegative() }),
});

export const socialContracts = defineContracts({
  follow: {
    summary:
      'Follows a creator or shop: both edges and both counts in one transaction, and `social.new_follower` to them ' +
      '(at most once a day per follower). Following again changes nothing.',
    who: 'a permanent, email-verified account that is not banned; neither side blocks the other',
    output: result,
    errors: [
      { code: 'invalid-argument', when: '`creatorId` is the caller' },
      { code: 'not-found', when: '`creatorId` is no active user' },
      { code: 'permission-denied', when: 'either user blocks the other, or the caller is banned' },
      {
        code: 'failed-precondition',
        when: '`creatorId` is not a creator or shop, or the caller already follows the most accounts allowed (2,000)',
      },
    ],
  },
  unfollow: {
    summary: 'Stops following; unfollowing someone not followed changes nothing.',
    who: 'own account (banned or blocked users too)',
    output: result,
    errors: [],
  },
});
