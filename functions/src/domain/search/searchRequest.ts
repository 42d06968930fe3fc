import { z } from 'zod';
import { MESSAGE_TYPES } from '../messaging/message.js';

const dateInput = z.union([z.iso.datetime({ offset: true }), z.number().int().nonnegative()]).transform((v) => new Date(v));

/** `searchMessages` callable input. Dates are ISO strings or epoch milliseconds. */
export const searchMessagesSchema = z
  .object({
    query: z.string().max(512).default(''),
    conversationId: z.string().min(1).max(200).optional(),
    senderId: z.string().min(1).max(200).optional(),
    types: z.array(z.enum(MESSAGE_TYPES)).max(MESSAGE_TYPES.length).optional(),
    from: dateInput.optional(),
    to: dateInput.optional(),
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
