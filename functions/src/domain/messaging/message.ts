import { z } from 'zod';

/**
 * The message document, `conversations/{cid}/messages/{mid}`: the one shape clients write (through the rules),
 * the `sendMessage` callable writes, the trigger reads and search indexes. firestore.rules mirrors these limits;
 * keep the two in step (test/emulator/rules exercises the rules side, test/unit/messaging this side).
 */

export const MESSAGE_TYPES = ['text', 'image', 'file', 'voice', 'material_spec', 'technique', 'workshop', 'system'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export const ATTACHMENT_KINDS = ['image', 'file', 'voice'] as const;
export type AttachmentKind = (typeof ATTACHMENT_KINDS)[number];

export const MESSAGE_LIMITS = {
  textMax: 4000,
  attachmentsMax: 10,
  /** Bytes per attachment, by kind (storage.rules enforces the same on upload). */
  attachmentBytes: { image: 10 * 1024 * 1024, file: 25 * 1024 * 1024, voice: 10 * 1024 * 1024 },
  techniqueStepsMax: 50,
  ciphertextMax: 64 * 1024,
  /** The sender may edit for this long after sending. */
  editWindowMs: 15 * 60 * 1000,
} as const;

/** Content types accepted per attachment kind (the same patterns are in storage.rules). */
export const CONTENT_TYPES: Record<AttachmentKind, RegExp> = {
  image: /^image\/(jpeg|png|gif|webp|heic)$/,
  voice: /^audio\/(aac|mp4|mpeg|ogg|webm|wav|x-m4a)$/,
  file: /^(application\/(pdf|zip|msword|vnd\.openxmlformats-officedocument\.[a-z.]+)|text\/(plain|csv)|image\/(jpeg|png|gif|webp|heic))$/,
};

/** Storage objects of a conversation live under `conversations/{cid}/{uploaderUid}/{file}` (see storage.rules). */
export const mediaPathPattern = /^conversations\/[A-Za-z0-9_-]{1,128}\/[A-Za-z0-9_-]{1,128}\/[A-Za-z0-9._-]{1,200}$/;

const id = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be 1-128 letters, digits, _ or -');
const shortText = (max: number) => z.string().trim().min(1).max(max);

export const attachmentSchema = z
  .object({
    kind: z.enum(ATTACHMENT_KINDS),
    path: z.string().regex(mediaPathPattern, 'must be conversations/{cid}/{uid}/{file}'),
    contentType: z.string().min(1).max(120),
    size: z.number().int().positive(),
    name: shortText(200),
  })
  .superRefine((a, ctx) => {
    if (!CONTENT_TYPES[a.kind].test(a.contentType)) {
      ctx.addIssue({ code: 'custom', path: ['contentType'], message: `${a.contentType} is not allowed for ${a.kind}` });
    }
    if (a.size > MESSAGE_LIMITS.attachmentBytes[a.kind]) {
      ctx.addIssue({ code: 'custom', path: ['size'], message: `${a.kind} attachments are at most ${MESSAGE_LIMITS.attachmentBytes[a.kind]} bytes` });
    }
  });
export type Attachment = z.infer<typeof attachmentSchema>;

export const materialSpecSchema = z.object({
  material: shortText(200),
  quantity: z.number().positive().finite(),
  unit: shortText(32),
  colour: shortText(100).optional(),
  supplier: shortText(200).optional(),
  notes: shortText(2000).optional(),
});
export type MaterialSpec = z.infer<typeof materialSpecSchema>;

export const DIFFICULTIES = ['beginner', 'intermediate', 'advanced'] as const;

export const techniqueSchema = z.object({
  title: shortText(200),
  steps: z.array(shortText(1000)).min(1).max(MESSAGE_LIMITS.techniqueStepsMax),
  difficulty: z.enum(DIFFICULTIES),
});
export type Technique = z.infer<typeof techniqueSchema>;

export const workshopSchema = z
  .object({
    title: shortText(200),
    start: z.coerce.date(),
    end: z.coerce.date(),
    place: shortText(300).optional(),
    link: z.url().max(2000).optional(),
    capacity: z.number().int().positive().max(10_000),
  })
  .superRefine((w, ctx) => {
    if (w.end.getTime() <= w.start.getTime()) ctx.addIssue({ code: 'custom', path: ['end'], message: 'must be after start' });
    if (!w.place && !w.link) ctx.addIssue({ code: 'custom', path: ['place'], message: 'a workshop needs a place or a link' });
  });
export type Workshop = z.infer<typeof workshopSchema>;

/** Algorithms a client may use for the E2EE envelope (README "End-to-end encryption envelope"). */
export const E2EE_ALGS = ['X25519-HKDF-SHA256+A256GCM', 'P256-HKDF-SHA256+A256GCM'] as const;

const base64 = (max: number) => z.string().min(1).max(max).regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64');
/** `{uid}:{deviceId}` of a key published at users/{uid}/keys/{deviceId}. */
export const keyIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,128}:[A-Za-z0-9_-]{1,128}$/, 'must be {uid}:{deviceId}');

export const encryptedSchema = z.object({
  alg: z.enum(E2EE_ALGS),
  ciphertext: base64(MESSAGE_LIMITS.ciphertextMax),
  iv: base64(64),
  /** Device keys the content key was wrapped for. */
  keyIds: z.array(keyIdSchema).min(1).max(500),
  /** The sender's ephemeral public key for this message. */
  epk: base64(200).optional(),
  /** keyId → the content key wrapped for that device. */
  wrappedKeys: z.record(keyIdSchema, base64(512)).optional(),
});
export type Encrypted = z.infer<typeof encryptedSchema>;

/** Who did what, on system messages the server writes for group changes. */
export const systemEventSchema = z.object({
  action: z.string().min(1).max(64),
  actorUid: z.string().min(1),
  targetUids: z.array(z.string()).optional(),
});

/** The fields that carry content: removed on a tombstone, absent (all in the ciphertext) when encrypted. */
export const CONTENT_FIELDS = ['text', 'attachments', 'materialSpec', 'technique', 'workshop'] as const;
/** Fields an edit may change. */
export const EDITABLE_FIELDS = ['text', 'materialSpec', 'technique', 'workshop', 'encrypted'] as const;

export const editHistoryEntrySchema = z.object({
  editedAt: z.date(),
  text: z.string().optional(),
  materialSpec: materialSpecSchema.optional(),
  technique: techniqueSchema.optional(),
  workshop: workshopSchema.optional(),
  encrypted: encryptedSchema.optional(),
});

/** What a sender supplies (client or sendMessage): the content of a message, without server-set fields. */
export const messageContentShape = {
  type: z.enum(MESSAGE_TYPES),
  text: z.string().trim().min(1).max(MESSAGE_LIMITS.textMax).optional(),
  attachments: z.array(attachmentSchema).min(1).max(MESSAGE_LIMITS.attachmentsMax).optional(),
  materialSpec: materialSpecSchema.optional(),
  technique: techniqueSchema.optional(),
  workshop: workshopSchema.optional(),
  replyTo: id.optional(),
  clientMessageId: id,
  encrypted: encryptedSchema.optional(),
};

/** Which content a message type requires, checked on anything that is not a tombstone. */
export function checkContent(
  m: {
    type: MessageType;
    text?: string | undefined;
    attachments?: readonly Attachment[] | undefined;
    materialSpec?: unknown;
    technique?: unknown;
    workshop?: unknown;
    encrypted?: unknown;
  },
  ctx: z.RefinementCtx,
): void {
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  if (m.encrypted) {
    // E2EE: the content is inside the ciphertext; plaintext next to it would leak it.
    for (const field of CONTENT_FIELDS) if (m[field] !== undefined) issue(field, 'must be absent on an encrypted message');
    if (m.type === 'system') issue('type', 'system messages are not encrypted');
    return;
  }
  switch (m.type) {
    case 'text':
    case 'system':
      if (!m.text) issue('text', `is required for a ${m.type} message`);
      break;
    case 'image':
    case 'file':
    case 'voice':
      if (!m.attachments) issue('attachments', `is required for a ${m.type} message`);
      m.attachments?.forEach((a, i) => {
        if (a.kind !== m.type) ctx.addIssue({ code: 'custom', path: ['attachments', i, 'kind'], message: `must be ${m.type}` });
      });
      break;
    case 'material_spec':
      if (!m.materialSpec) issue('materialSpec', 'is required for a material_spec message');
      break;
    case 'technique':
      if (!m.technique) issue('technique', 'is required for a technique message');
      break;
    case 'workshop':
      if (!m.workshop) issue('workshop', 'is required for a workshop message');
      break;
  }
  // Content of another type is a malformed message (an image message carries no workshop).
  const allowed: Record<MessageType, readonly string[]> = {
    text: ['text'],
    system: ['text'],
    image: ['attachments', 'text'],
    file: ['attachments', 'text'],
    voice: ['attachments'],
    material_spec: ['materialSpec', 'text'],
    technique: ['technique', 'text'],
    workshop: ['workshop', 'text'],
  };
  for (const field of CONTENT_FIELDS) {
    if (m[field] !== undefined && !allowed[m.type].includes(field)) issue(field, `is not allowed on a ${m.type} message`);
  }
}

/** The stored message document. Tombstones (`deleted: true`) keep only the envelope fields. */
export const messageSchema = z
  .object({
    ...messageContentShape,
    senderId: z.string().min(1).max(128),
    createdAt: z.date(),
    editedAt: z.date().optional(),
    editHistory: z.array(editHistoryEntrySchema).optional(),
    deleted: z.literal(true).optional(),
    deletedBy: z.string().optional(),
    deletedAt: z.date().optional(),
    system: systemEventSchema.optional(),
  })
  .superRefine((m, ctx) => {
    if (m.deleted) {
      for (const field of [...CONTENT_FIELDS, 'encrypted'] as const) {
        if (m[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'must be absent on a deleted message' });
      }
      return;
    }
    checkContent(m, ctx);
  });
export type Message = z.infer<typeof messageSchema>;

/** Characters of a push preview / conversation summary. */
export const PREVIEW_MAX = 120;
export const ENCRYPTED_PREVIEW = 'New encrypted message';

/** A short human line for a message: summary and push preview. Never reads an encrypted message's content. */
export function previewOf(m: Pick<Message, 'type' | 'text' | 'materialSpec' | 'technique' | 'workshop' | 'attachments' | 'encrypted' | 'deleted'>): string {
  if (m.deleted) return 'Message deleted';
  if (m.encrypted) return ENCRYPTED_PREVIEW;
  const cut = (s: string) => (s.length > PREVIEW_MAX ? `${s.slice(0, PREVIEW_MAX - 1)}…` : s);
  if (m.text) return cut(m.text);
  switch (m.type) {
    case 'image':
      return m.attachments && m.attachments.length > 1 ? `📷 ${m.attachments.length} photos` : '📷 Photo';
    case 'file':
      return `📎 ${cut(m.attachments?.[0]?.name ?? 'File')}`;
    case 'voice':
      return '🎤 Voice message';
    case 'material_spec':
      return cut(`Material: ${m.materialSpec?.material ?? ''} ${m.materialSpec?.quantity ?? ''} ${m.materialSpec?.unit ?? ''}`.trim());
    case 'technique':
      return cut(`Technique: ${m.technique?.title ?? ''}`);
    case 'workshop':
      return cut(`Workshop: ${m.workshop?.title ?? ''}`);
    default:
      return '';
  }
}
