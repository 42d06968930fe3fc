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

/** What the messaging callables accept. Every field is checked here; the use cases trust the parsed value. */

const uniqueUids = (min: number, max: number) =>
  z
    .array(uidSchema)
    .min(min)
    .max(max)
    .refine((uids) => new Set(uids).size === uids.length, 'must not list a user twice');

const messageIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,300}$/, 'must be a message id');

export const directInput = z.object({ otherUid: uidSchema, e2ee: z.boolean().optional() });

export const createGroupInput = z.object({
  title: z.string().trim().min(1).max(GROUP_LIMITS.titleMax),
  photo: z.string().max(1000).optional(),
  /** The other members; the caller becomes the owner. */
  memberIds: uniqueUids(1, GROUP_LIMITS.maxAddPerCall),
  settings: z.object({ announcementOnly: z.boolean().optional(), e2ee: z.boolean().optional() }).optional(),
  /** Makes a retried call land on the same group instead of creating a second one. */
  requestId: z.string().regex(/^[A-Za-z0-9_-]{8,128}$/, 'must be 8-128 letters, digits, _ or -').optional(),
});

export const updateGroupInput = z
  .object({
    conversationId: conversationIdSchema,
    title: z.string().trim().min(1).max(GROUP_LIMITS.titleMax).optional(),
    photo: z.string().max(1000).nullable().optional(),
    settings: z.object({ announcementOnly: z.boolean().optional(), e2ee: z.boolean().optional() }).optional(),
  })
  .refine((d) => d.title !== undefined || d.photo !== undefined || d.settings !== undefined, {
    message: 'nothing to change: give title, photo or settings',
    path: ['title'],
  });

export const addMembersInput = z.object({ conversationId: conversationIdSchema, memberIds: uniqueUids(1, GROUP_LIMITS.maxAddPerCall) });
export const memberInput = z.object({ conversationId: conversationIdSchema, uid: uidSchema });
export const setRoleInput = memberInput.extend({ role: z.enum(['admin', 'member']) });
export const conversationInput = z.object({ conversationId: conversationIdSchema });
export const blockInput = z.object({ uid: uidSchema });

export const sendMessageInput = z
  .object({ conversationId: conversationIdSchema, ...messageContentShape })
  .superRefine((m, ctx) => checkContent(m, ctx));

export const editMessageInput = z
  .object({
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
  });

export const messageRefInput = z.object({ conversationId: conversationIdSchema, messageId: messageIdSchema });
export const pinInput = messageRefInput.extend({ pinned: z.boolean() });

export const REPORT_REASONS = ['spam', 'harassment', 'off_platform', 'inappropriate', 'other'] as const;
export const reportInput = messageRefInput.extend({
  reason: z.enum(REPORT_REASONS),
  note: z.string().trim().max(1000).optional(),
});

export const MODERATION_ACTIONS = ['keep', 'remove', 'warn', 'ban'] as const;
export type ModerationAction = (typeof MODERATION_ACTIONS)[number];
export const decideInput = z.object({
  itemId: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be a moderation queue id'),
  action: z.enum(MODERATION_ACTIONS),
  note: z.string().trim().max(1000).optional(),
});

export type SendMessageInput = z.output<typeof sendMessageInput>;
export type EditMessageInput = z.output<typeof editMessageInput>;
