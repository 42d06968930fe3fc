import { z } from 'zod';
import { MESSAGE_TYPES } from '../messaging/message.js';
import { docId, instantInput } from '../validation.js';

/**
 * `searchMessages` callable input. Dates are ISO strings or epoch milliseconds, real and in range (a date outside
 * JavaScript's range would become NaN and drop the filter). Strict: an unknown field is an error.
 */
export const searchMessagesSchema = z
  .strictObject({
    query: z.string().max(512).default(''),
    conversationId: docId('a conversation id', 160).optional(),
    senderId: docId('a user id').optional(),
    types: z.array(z.enum(MESSAGE_TYPES)).max(MESSAGE_TYPES.length).optional(),
    from: instantInput().optional(),
    to: instantInput().optional(),
    page: z.number().int().min(0).max(49).default(0),
    hitsPerPage: z.number().int().min(1).max(50).default(20),
  })
  .refine((q) => !q.from || !q.to || q.from.getTime() <= q.to.getTime(), {
    message: 'from must not be after to',
    path: ['from'],
  });
export type SearchMessagesInput = z.output<typeof searchMessagesSchema>;

/** Secured keys live one hour: long enough for a session, short enough that a removed member loses access soon. */
export const SEARCH_KEY_TTL_MS = 60 * 60 * 1000;
