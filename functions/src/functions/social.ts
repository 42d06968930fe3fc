import { callable, inputFrom } from './callable.js';

/**
 * Following creators and shops (src/app/social/follows.ts): edges, exact counts and the new-follower notification in
 * one transaction. Follow reaches another person (it notifies them): a permanent, email-verified account only.
 */
const inputs = () => import('../app/social/inputs.js');
const limit = inputFrom(inputs, 'FOLLOW_LIMIT');

export const follow = callable(
  inputFrom(inputs, 'followInput'),
  (data, { caller, services: s }) => s.social.follows.follow(caller, data),
  { access: 'reach', limit },
);

export const unfollow = callable(
  inputFrom(inputs, 'followInput'),
  (data, { caller, services: s }) => s.social.follows.unfollow(caller, data),
  { limit },
);
