import { z } from 'zod';
import { GROUP_LIMITS, conversationIdSchema, uidSchema } from '../../domain/messaging/conversation.js';
import {
  checkContent,
  encryptedSchema,
  materialSpecSchema,
  messageContentShape,
  techniqueSchema,
  workshopSchema,
} from '../../domain/messaging/message.js';
import { displayText, isoInstant, noteText } from '../../domain/validation.js';
import { httpsUrl } from '../../domain/links.js';

/**
 * What the messaging callables accept. Every field is checked here; the use cases trust the parsed value. Objects are
 * strict (an unknown field is an error naming it, not silently dropped), titles are one visible line, links https.
 */

const uniqueUids = (min: number, max: number) =>
  z
    .array(uidSchema)
    .min(min)
    .max(max)
    .refine((uids) => new Set(uids).size === uids.length, 'must not list a user twice');

const messageIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,300}$/, 'must be a message id (letters, digits, _ or -)');

/** A group's title: one visible line (no control or bidi override characters, not only invisible ones). */
const groupTitle = displayText(GROUP_LIMITS.titleMax);

/** A group's photo: an https link (members' clients render it; javascript:, data: and http: have no business there). */
const photoUrl = httpsUrl(1000);

const groupSettings = z
  .strictObject({ announcementOnly: z.boolean().optional(), e2ee: z.boolean().optional() })
  // An empty settings object changes nothing (and Firestore refuses an empty update).
  .refine((s) => s.announcementOnly !== undefined || s.e2ee !== undefined, {
    message: 'give announcementOnly or e2ee',
  });

export const directInput = z.strictObject({ otherUid: uidSchema, e2ee: z.boolean().optional() });

export const createGroupInput = z.strictObject({
  title: groupTitle,
  photo: photoUrl.optional(),
  /** The other members; the caller becomes the owner. */
  memberIds: uniqueUids(1, GROUP_LIMITS.maxAddPerCall),
  settings: groupSettings.optional(),
  /** Makes a retried call land on the same group instead of creating a second one. */
  requestId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{8,128}$/, 'must be 8-128 letters, digits, _ or -')
    .optional(),
});

export const updateGroupInput = z
  .strictObject({
    conversationId: conversationIdSchema,
    title: groupTitle.optional(),
    photo: photoUrl.nullable().optional(),
    settings: groupSettings.optional(),
  })
  .refine((d) => d.title !== undefined || d.photo !== undefined || d.settings !== undefined, {
    message: 'nothing to change: give title, photo or settings',
    path: ['title'],
  });

export const addMembersInput = z.strictObject({
  conversationId: conversationIdSchema,
  memberIds: uniqueUids(1, GROUP_LIMITS.maxAddPerCall),
});
export const memberInput = z.strictObject({ conversationId: conversationIdSchema, uid: uidSchema });
export const setRoleInput = z.strictObject({
  conversationId: conversationIdSchema,
  uid: uidSchema,
  role: z.enum(['admin', 'member']),
});
export const conversationInput = z.strictObject({ conversationId: conversationIdSchema });
export const blockInput = z.strictObject({ uid: uidSchema });

/**
 * Workshop dates as a client sends them: ISO 8601 date-times with a zone, real and in range. The shared message
 * schema coerces (`null`, `true` and numbers would become dates), so the callables check the raw value first.
 */
const workshopDates = z.looseObject({
  workshop: z.looseObject({ start: isoInstant(), end: isoInstant() }).optional(),
});

/** `schema`, after the raw input passed the workshop date check (issues name data.workshop.start / .end). */
const withRealDates = <S extends z.ZodType>(schema: S) =>
  z
    .unknown()
    .superRefine((raw, ctx) => {
      if (
        typeof raw !== 'object' ||
        raw === null ||
        !('workshop' in raw) ||
        (raw as { workshop?: unknown }).workshop === undefined
      )
        return;
      const result = workshopDates.safeParse(raw);
      if (!result.success)
        for (const issue of result.error.issues)
          ctx.addIssue({ ...issue, code: 'custom', message: issue.message, path: issue.path });
    })
    .pipe(schema);

export const sendMessageInput = withRealDates(
  z
    .strictObject({ conversationId: conversationIdSchema, ...messageContentShape })
    .superRefine((m, ctx) => checkContent(m, ctx)),
);

export const editMessageInput = withRealDates(
  z
    .strictObject({
      conversationId: conversationIdSchema,
      messageId: messageIdSchema,
      text: messageContentShape.text,
      materialSpec: materialSpecSchema.optional(),
      technique: techniqueSchema.optional(),
      workshop: workshopSchema.optional(),
      encrypted: encryptedSchema.optional(),
    })
    .refine((d) => [d.text, d.materialSpec, d.technique, d.workshop, d.encrypted].some((v) => v !== undefined), {
      message: 'nothing to change: give text, materialSpec, technique, workshop or encrypted',
      path: ['text'],
    }),
);

export const messageRefInput = z.strictObject({ conversationId: conversationIdSchema, messageId: messageIdSchema });
export const pinInput = z.strictObject({
  conversationId: conversationIdSchema,
  messageId: messageIdSchema,
  pinned: z.boolean(),
});

export const REPORT_REASONS = ['spam', 'harassment', 'off_platform', 'inappropriate', 'other'] as const;
export const reportInput = z.strictObject({
  conversationId: conversationIdSchema,
  messageId: messageIdSchema,
  reason: z.enum(REPORT_REASONS),
  note: noteText(1000).optional(),
});

export const MODERATION_ACTIONS = ['keep', 'remove', 'warn', 'ban'] as const;
export type ModerationAction = (typeof MODERATION_ACTIONS)[number];
export const decideInput = z.strictObject({
  itemId: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be a moderation queue id'),
  action: z.enum(MODERATION_ACTIONS),
  note: noteText(1000).optional(),
});

export type SendMessageInput = z.output<typeof sendMessageInput>;
export type EditMessageInput = z.output<typeof editMessageInput>;
