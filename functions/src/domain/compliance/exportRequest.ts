import { z } from 'zod';
import { instantInput } from '../validation.js';

export const EXPORT_FORMATS = ['json', 'csv', 'pdf'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Download links for exports live a day: long enough to fetch, short enough that a leaked link soon dies. */
export const EXPORT_URL_TTL_MS = 24 * 60 * 60 * 1000;

/** Real dates in range only: one outside JavaScript's range used to crash the encoder after the job had started. */
const range = { from: instantInput().optional(), to: instantInput().optional() };
const ordered = (r: { from?: Date | undefined; to?: Date | undefined }) =>
  !r.from || !r.to || r.from.getTime() <= r.to.getTime();
const rangeMessage = { message: 'from must not be after to (inverted date range)', path: ['from'] };

export const exportConversationSchema = z
  .object({
    conversationId: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be a conversation id'),
    format: z.enum(EXPORT_FORMATS),
    ...range,
  })
  .strict()
  .refine(ordered, rangeMessage);
export type ExportConversationInput = z.output<typeof exportConversationSchema>;

export const exportNotificationsSchema = z
  .object({
    /** Whose notifications; defaults to the caller's. Someone else's needs the compliance (or admin) role. */
    uid: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be a user id')
      .optional(),
    format: z.enum(EXPORT_FORMATS),
    ...range,
  })
  .strict()
  .refine(ordered, rangeMessage);
export type ExportNotificationsInput = z.output<typeof exportNotificationsSchema>;

export const exportMyDataSchema = z.object({}).strict();

export const CONTENT_TYPES: Record<ExportFormat | 'zip', string> = {
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  pdf: 'application/pdf',
  zip: 'application/zip',
};

/** `exports/{id}`: the job a client watches (the rules let its owner read it; only the server writes). */
export type ExportStatus = 'queued' | 'running' | 'done' | 'failed';

/**
 * A PDF export waiting for its renderer (`exports/{id}` with status `queued`): written by the export callables, read
 * back by the background renderer, which checks it again (a document is outside input to the code that reads it).
 */
export const queuedExportJobSchema = z.object({
  ownerUid: z.string().min(1),
  kind: z.enum(['conversation', 'notifications']),
  target: z.object({ type: z.string(), id: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be an id') }),
  format: z.literal('pdf'),
  status: z.literal('queued'),
  path: z.string().min(1),
  from: z.date().nullable().optional(),
  to: z.date().nullable().optional(),
  createdAt: z.date(),
});
export type QueuedExportJob = z.output<typeof queuedExportJobSchema>;
