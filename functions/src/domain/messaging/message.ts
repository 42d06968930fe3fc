import { z } from 'zod';
import { httpsUrl } from '../links.js';

/**
 * The message document, `conversations/{cid}/messages/{mid}`: the one shape clients write (through the rules),
 * the `sendMessage` callable writes, the trigger reads and search indexes. firestore.rules mirrors these limits;
 * keep the two in step (test/emulator/rules exercises the rules side, test/unit/messaging this side).
 */

export const MESSAGE_TYPES = [
  'text',
  'image',
  'file',
  'voice',
  'material_spec',
  'technique',
  'workshop',
  'system',
] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export const ATTACHMENT_KINDS = ['image', 'file', 'voice'] as const;
export type AttachmentKind = (typeof ATTACHMENT_KINDS)[number];

export const MESSAGE_LIMITS = {
  /** UTF-16 code units, as JavaScript's length and the rules' size() count. */
  textMax: 4000,
  attachmentsMax: 10,
  attachmentNameMax: 200,
  /** Bytes per attachment, by kind (storage.rules enforces the same on upload). */
  attachmentBytes: { image: 10 * 1024 * 1024, file: 25 * 1024 * 1024, voice: 10 * 1024 * 1024 },
  materialQuantityMax: 1_000_000_000,
  techniqueStepsMax: 50,
  /** Characters per technique step, counted in code points (as the rules' regular expression counts them). */
  techniqueStepMax: 1000,
  ciphertextMax: 64 * 1024,
  keyIdsMax: 500,
  wrappedKeyMax: 512,
  /** The sender may edit for this long after sending. */
  editWindowMs: 15 * 60 * 1000,
  /** editHistory entries a message keeps at most (each holds a previous version; bounded well under 1 MiB). */
  editHistoryMax: 20,
} as const;

/**
 * Content types accepted per attachment kind: a listed lower-case type/subtype, then up to three parameters
 * (`audio/webm;codecs=opus`, `text/csv; charset=utf-8`) with token or quoted values, which also bounds the length.
 * Written as RE2 patterns: firestore.rules `contentTypePattern` holds the same strings (a unit test compares them),
 * storage.rules the same types.
 */
export const CONTENT_TYPE_PATTERNS: Record<AttachmentKind, string> = {
  image: 'image/(jpeg|png|gif|webp|heic)',
  voice: 'audio/(aac|mp4|mpeg|ogg|webm|wav|x-m4a)',
  file: '(application/(pdf|zip|msword|vnd[.]ms-excel|vnd[.]ms-powerpoint|vnd[.]openxmlformats-officedocument[.][a-z.]{1,80}|vnd[.]oasis[.]opendocument[.][a-z.]{1,80})|text/(plain|csv)|image/(jpeg|png|gif|webp|heic))',
};
export const CONTENT_TYPE_PARAMS =
  '( {0,3}; {0,3}[a-z0-9][a-z0-9!#$&^_.+-]{0,31}=([A-Za-z0-9!#$&^_.+-]{1,64}|"[A-Za-z0-9 !#$&^_.+,=/:-]{0,64}")){0,3}';

export const CONTENT_TYPES: Record<AttachmentKind, RegExp> = {
  image: new RegExp(`^(?:${CONTENT_TYPE_PATTERNS.image})${CONTENT_TYPE_PARAMS}$`),
  voice: new RegExp(`^(?:${CONTENT_TYPE_PATTERNS.voice})${CONTENT_TYPE_PARAMS}$`),
  file: new RegExp(`^(?:${CONTENT_TYPE_PATTERNS.file})${CONTENT_TYPE_PARAMS}$`),
};

/** Storage objects of a conversation live under `conversations/{cid}/{uploaderUid}/{file}` (see storage.rules). */
export const mediaPathPattern = /^conversations\/[A-Za-z0-9_-]{1,160}\/[A-Za-z0-9_-]{1,128}\/[A-Za-z0-9._-]{1,200}$/;

const id = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be 1-128 letters, digits, _ or -');

/**
 * Whitespace as the rules' RE2 patterns know it (`\t \n \f \r` and space). A blank string is made of these alone;
 * JavaScript's `\s` is wider (it includes U+00A0 and other Unicode spaces), so it is spelled out.
 */
const BLANK = /^[\t\n\f\r ]*$/;

/**
 * Text a person wrote: at most `max` UTF-16 code units and not blank. Counted as the rules' size() counts (zod's own
 * max() counts code points, so an emoji would be one character here and two there); stored as written, not trimmed,
 * so both sides measure the same string.
 */
export const writtenText = (max: number) =>
  z
    .string()
    .refine((s) => s.length <= max, `must be at most ${max} characters`)
    .refine((s) => !BLANK.test(s), 'must not be blank');

/**
 * Clients may write an optional field as null (Flutter's json_serializable writes every field of its model), and null
 * means absent: drops the listed keys when null, before `schema` sees the object. Other nulls are still refused.
 */
export function nullAsAbsent<T extends z.ZodType>(keys: readonly string[], schema: T) {
  return z.preprocess((value) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Date) return value;
    const record = value as Record<string, unknown>;
    if (!keys.some((key) => Object.hasOwn(record, key) && record[key] === null)) return value;
    const copy: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(record)) if (!(field === null && keys.includes(key))) copy[key] = field;
    return copy;
  }, schema);
}

/** A moment: a Date (stored documents) or an ISO 8601 date-time with a zone (callable input), never null or a number. */
const instant = z
  .union([
    z.date(),
    z.iso
      .datetime({ offset: true, message: 'must be an ISO 8601 date-time with a time zone' })
      .transform((s) => new Date(s)),
  ])
  .refine((d) => Number.isFinite(d.getTime()), 'must be a real date');

export const attachmentSchema = z
  .strictObject({
    kind: z.enum(ATTACHMENT_KINDS),
    path: z.string().regex(mediaPathPattern, 'must be conversations/{cid}/{uid}/{file}'),
    contentType: z.string(),
    size: z.number().int().positive(),
    name: writtenText(MESSAGE_LIMITS.attachmentNameMax),
  })
  .superRefine((a, ctx) => {
    if (!CONTENT_TYPES[a.kind].test(a.contentType)) {
      ctx.addIssue({ code: 'custom', path: ['contentType'], message: `${a.contentType} is not allowed for ${a.kind}` });
    }
    if (a.size > MESSAGE_LIMITS.attachmentBytes[a.kind]) {
      ctx.addIssue({
        code: 'custom',
        path: ['size'],
        message: `${a.kind} attachments are at most ${MESSAGE_LIMITS.attachmentBytes[a.kind]} bytes`,
      });
    }
  });
export type Attachment = z.infer<typeof attachmentSchema>;

export const materialSpecSchema = nullAsAbsent(
  ['colour', 'supplier', 'notes'],
  z.strictObject({
    material: writtenText(200),
    quantity: z.number().positive().max(MESSAGE_LIMITS.materialQuantityMax),
    unit: writtenText(32),
    colour: writtenText(100).optional(),
    supplier: writtenText(200).optional(),
    notes: writtenText(2000).optional(),
  }),
);
export type MaterialSpec = z.infer<typeof materialSpecSchema>;

export const DIFFICULTIES = ['beginner', 'intermediate', 'advanced'] as const;

// eslint-disable-next-line no-control-regex -- control characters are what a step may not contain
const CONTROL = /[\u0000-\u001f\u007f]/;

/** One step: a single line of 1-1000 characters (code points), no control characters, not blank. */
const stepText = z
  .string()
  .refine(
    (s) => [...s].length <= MESSAGE_LIMITS.techniqueStepMax,
    `must be at most ${MESSAGE_LIMITS.techniqueStepMax} characters`,
  )
  .refine((s) => !CONTROL.test(s), 'must be one line without control characters')
  .refine((s) => !BLANK.test(s), 'must not be blank');

export const techniqueSchema = z.strictObject({
  title: writtenText(200),
  steps: z.array(stepText).min(1).max(MESSAGE_LIMITS.techniqueStepsMax),
  difficulty: z.enum(DIFFICULTIES),
});
export type Technique = z.infer<typeof techniqueSchema>;

/** A stored moment: a real Date (Firestore timestamps read back as Dates). */
const storedDate = z.date().refine((d) => Number.isFinite(d.getTime()), 'must be a real date');

const workshopOf = (date: typeof instant | typeof storedDate) =>
  nullAsAbsent(
    ['place', 'link'],
    z
      .strictObject({
        title: writtenText(200),
        start: date,
        end: date,
        place: writtenText(300).optional(),
        link: httpsUrl().optional(),
        capacity: z.number().int().positive().max(10_000),
      })
      .superRefine((w, ctx) => {
        if (w.end.getTime() <= w.start.getTime())
          ctx.addIssue({ code: 'custom', path: ['end'], message: 'must be after start' });
        if (w.place === undefined && w.link === undefined)
          ctx.addIssue({ code: 'custom', path: ['place'], message: 'a workshop needs a place or a link' });
      }),
  );

/** A workshop as a sender supplies it (callables: start and end as ISO date-times). */
export const workshopSchema = workshopOf(instant);
/** A workshop in a stored message document: start and end are timestamps (the rules accept nothing else). */
export const storedWorkshopSchema = workshopOf(storedDate);
export type Workshop = z.infer<typeof workshopSchema>;

/** Algorithms a client may use for the E2EE envelope (README "End-to-end encryption envelope"). */
export const E2EE_ALGS = ['X25519-HKDF-SHA256+A256GCM', 'P256-HKDF-SHA256+A256GCM'] as const;

const base64 = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64');
/** `{uid}:{deviceId}` of a key published at users/{uid}/keys/{deviceId}. */
export const keyIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,128}:[A-Za-z0-9_-]{1,128}$/, 'must be {uid}:{deviceId}');

/** Every field bounded and nothing but base64 and key ids, so no plaintext rides along with the ciphertext. */
export const encryptedSchema = nullAsAbsent(
  ['epk', 'wrappedKeys'],
  z
    .strictObject({
      alg: z.enum(E2EE_ALGS),
      ciphertext: base64(MESSAGE_LIMITS.ciphertextMax),
      iv: base64(64),
      /** Device keys the content key was wrapped for. */
      keyIds: z.array(keyIdSchema).min(1).max(MESSAGE_LIMITS.keyIdsMax),
      /** The sender's ephemeral public key for this message. */
      epk: base64(200).optional(),
      /** keyId → the content key wrapped for that device; only for listed keyIds. */
      wrappedKeys: z.record(keyIdSchema, base64(MESSAGE_LIMITS.wrappedKeyMax)).optional(),
    })
    .superRefine((e, ctx) => {
      for (const keyId of Object.keys(e.wrappedKeys ?? {})) {
        if (!e.keyIds.includes(keyId))
          ctx.addIssue({ code: 'custom', path: ['wrappedKeys', keyId], message: 'must be one of keyIds' });
      }
    }),
);
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

/** A previous version: the replaced values of the fields an edit changed, and when that version was written. */
export const editHistoryEntrySchema = nullAsAbsent(
  EDITABLE_FIELDS,
  z.strictObject({
    editedAt: z.date(),
    text: z.string().optional(),
    materialSpec: materialSpecSchema.optional(),
    technique: techniqueSchema.optional(),
    workshop: storedWorkshopSchema.optional(),
    encrypted: encryptedSchema.optional(),
  }),
);

/** What a sender supplies (client or sendMessage): the content of a message, without server-set fields. */
export const messageContentShape = {
  type: z.enum(MESSAGE_TYPES),
  text: writtenText(MESSAGE_LIMITS.textMax).optional(),
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
    for (const field of CONTENT_FIELDS)
      if (m[field] !== undefined) issue(field, 'must be absent on an encrypted message');
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
        if (a.kind !== m.type)
          ctx.addIssue({ code: 'custom', path: ['attachments', i, 'kind'], message: `must be ${m.type}` });
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
    if (m[field] !== undefined && !allowed[m.type].includes(field))
      issue(field, `is not allowed on a ${m.type} message`);
  }
}

/** The optional fields of a message document: a client may write each as null (absent). */
export const OPTIONAL_MESSAGE_FIELDS = [
  ...CONTENT_FIELDS,
  'encrypted',
  'replyTo',
  'editedAt',
  'editHistory',
  'deleted',
  'deletedBy',
  'deletedAt',
  'system',
] as const;

const messageShape = {
  ...messageContentShape,
  workshop: storedWorkshopSchema.optional(),
  senderId: z.string().min(1).max(128),
  createdAt: z.date(),
  editedAt: z.date().optional(),
  editHistory: z.array(editHistoryEntrySchema).max(MESSAGE_LIMITS.editHistoryMax).optional(),
  deleted: z.literal(true).optional(),
  deletedBy: z.string().optional(),
  deletedAt: z.date().optional(),
  system: systemEventSchema.optional(),
};

type MessageFields = z.infer<z.ZodObject<typeof messageShape>>;

function checkMessage(m: MessageFields, ctx: z.RefinementCtx): void {
  if (m.deleted) {
    for (const field of [...CONTENT_FIELDS, 'encrypted', 'editHistory'] as const) {
      if (m[field] !== undefined)
        ctx.addIssue({ code: 'custom', path: [field], message: 'must be absent on a deleted message' });
    }
    return;
  }
  checkContent(m, ctx);
  // A previous version is of the same kind as the message: no plaintext kept beside an envelope, no envelope in a
  // plaintext message's history.
  m.editHistory?.forEach((entry, i) => {
    for (const field of EDITABLE_FIELDS) {
      if (entry[field] !== undefined && (field === 'encrypted') !== !!m.encrypted) {
        ctx.addIssue({
          code: 'custom',
          path: ['editHistory', i, field],
          message: m.encrypted ? 'must be absent in an encrypted message' : 'must be absent in a plaintext message',
        });
      }
    }
  });
}

/**
 * The stored message document, as the triggers, search and exports read it: what clients and callables write, plus
 * server bookkeeping fields (erasure's `senderDeleted`, …), which it ignores. Tombstones (`deleted: true`) keep only
 * the envelope fields.
 */
export const messageSchema = nullAsAbsent(OPTIONAL_MESSAGE_FIELDS, z.object(messageShape).superRefine(checkMessage));
export type Message = z.infer<typeof messageSchema>;

/**
 * A message document as a client may leave it after writing it under firestore.rules (a new message, an edit or a
 * tombstone): exactly the message fields, no system message. What the rules decide from the request (who writes,
 * when, which conversation) is theirs alone; the document's shape is judged the same here and there
 * (test/support/clientWriteCases.ts runs one case table through both).
 */
export const clientMessageSchema = nullAsAbsent(
  OPTIONAL_MESSAGE_FIELDS,
  z.strictObject(messageShape).superRefine((m, ctx) => {
    if (m.type === 'system')
      ctx.addIssue({ code: 'custom', path: ['type'], message: 'system messages are written by the server' });
    if (m.system !== undefined) ctx.addIssue({ code: 'custom', path: ['system'], message: 'is written by the server' });
    checkMessage(m, ctx);
  }),
);

/** Whether a message's content suits its conversation: only an envelope in an E2EE one, never one elsewhere. */
export function e2eeMismatch(e2ee: boolean, m: { encrypted?: unknown }): string | undefined {
  if (e2ee && m.encrypted === undefined)
    return 'this conversation is end-to-end encrypted; send only the ciphertext envelope';
  if (!e2ee && m.encrypted !== undefined) return 'this conversation is not end-to-end encrypted';
  return undefined;
}

/** A new message as a client creates it: no edit or delete state yet. */
export const newClientMessageSchema = clientMessageSchema.superRefine((m, ctx) => {
  for (const field of ['editedAt', 'editHistory', 'deleted', 'deletedBy', 'deletedAt'] as const) {
    if (m[field] !== undefined)
      ctx.addIssue({ code: 'custom', path: [field], message: 'must be absent on a new message' });
  }
});

/** Characters of a push preview / conversation summary. */
export const PREVIEW_MAX = 120;
export const ENCRYPTED_PREVIEW = 'New encrypted message';

/** A short human line for a message: summary and push preview. Never reads an encrypted message's content. */
export function previewOf(
  m: Pick<
    Message,
    'type' | 'text' | 'materialSpec' | 'technique' | 'workshop' | 'attachments' | 'encrypted' | 'deleted'
  >,
): string {
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
      return cut(
        `Material: ${m.materialSpec?.material ?? ''} ${m.materialSpec?.quantity ?? ''} ${m.materialSpec?.unit ?? ''}`.trim(),
      );
    case 'technique':
      return cut(`Technique: ${m.technique?.title ?? ''}`);
    case 'workshop':
      return cut(`Workshop: ${m.workshop?.title ?? ''}`);
    default:
      return '';
  }
}
