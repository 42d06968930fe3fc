/**
 * What a client may write directly to Firestore, as ONE table of cases: each a document (or an update of one), the
 * verdict, and why. Two tests run every case:
 * - test/unit/messaging/clientWrites.test.ts through the zod schemas (newClientMessageSchema, clientMessageSchema,
 *   typingSchema in src/domain/messaging), which the triggers and search use to read what clients wrote;
 * - test/emulator/rules/clientWrites.rules.test.ts through firestore.rules on the Firestore emulator.
 * So the rules and the schemas accept the same documents. Cases about who writes (membership, bans, blocks, roles),
 * when (edit window, request.time) and forged edit history depend on the request, not the document: they are rules
 * cases only, in test/emulator/rules/firestore.rules.test.ts.
 *
 * The sender is always carol: a plain member of the group `g`, of the direct conversation `dm_alice_carol` and of the
 * E2EE group `enc`, where alice has sent `alice_m1` (a reply target). Each runner adds the fields that bind a message
 * to its request (senderId carol, a clientMessageId of its own, createdAt = request time) to a create case.
 */

export type Verdict = 'allow' | 'deny';
export type ConversationKind = 'group' | 'direct' | 'e2ee';
export type Doc = Record<string, unknown>;

/** request.time: serverTimestamp() on the emulator, the unit test's clock in the schema test. */
export const NOW = Object.freeze({ sentinel: 'request.time' });
/** Removes the field (deleteField() on the emulator). Top-level fields of an update only. */
export const DELETE = Object.freeze({ sentinel: 'delete' });

export const SENDER = 'carol';
export const CONVERSATIONS: Record<ConversationKind, { cid: string; e2ee: boolean }> = {
  group: { cid: 'g', e2ee: false },
  direct: { cid: 'dm_alice_carol', e2ee: false },
  e2ee: { cid: 'enc', e2ee: true },
};
/** An existing message in every conversation, for replyTo. */
export const REPLY_TARGET = 'alice_m1';

interface CaseBase {
  name: string;
  why: string;
  expected: Verdict;
  conversation: ConversationKind;
}
/** A new message: `doc` is everything but senderId, clientMessageId and createdAt. */
export interface CreateCase extends CaseBase {
  op: 'create';
  doc: Doc;
}
/** An update of carol's message `before` (seeded as is; sent a minute ago) with `patch` (an edit or a tombstone). */
export interface UpdateCase extends CaseBase {
  op: 'update';
  before: Doc;
  patch: Doc;
}
/** carol's typing document, expiring `aheadMs` after the request (negative: before it). */
export interface TypingCase extends CaseBase {
  op: 'typing';
  aheadMs: number;
  extra?: Doc;
}
export type ClientWriteCase = CreateCase | UpdateCase | TypingCase;

// ───────────── building blocks ─────────────

const cidOf = (c: ConversationKind) => CONVERSATIONS[c].cid;
const MiB = 1024 * 1024;
const SENT_AT = new Date(Date.now() - 60_000);
const inHours = (h: number) => new Date(Date.now() + h * 3_600_000);

/** Every optional field of a message as null, as Flutter's json_serializable writes an unset field. */
const ALL_NULLS: Doc = {
  text: null,
  attachments: null,
  materialSpec: null,
  technique: null,
  workshop: null,
  encrypted: null,
  replyTo: null,
  editedAt: null,
  editHistory: null,
  deleted: null,
  deletedBy: null,
  deletedAt: null,
  system: null,
};
/** ALL_NULLS without the fields `doc` sets. */
const withNulls = (doc: Doc): Doc => ({ ...ALL_NULLS, ...doc });

const attachment = (c: ConversationKind, kind: string, i: number, over: Doc = {}): Doc => ({
  kind,
  path: `conversations/${cidOf(c)}/${SENDER}/${kind}-${i}.bin`,
  contentType: kind === 'image' ? 'image/jpeg' : kind === 'voice' ? 'audio/mp4' : 'application/pdf',
  size: 842_113,
  name: `${kind}-${i}.bin`,
  ...over,
});
const attachments = (c: ConversationKind, kind: string, n: number): Doc[] =>
  Array.from({ length: n }, (_, i) => attachment(c, kind, i));
/** A one-attachment message of `kind` whose attachment has `over` applied. */
const withAttachment = (kind: string, over: Doc, c: ConversationKind = 'group'): Doc => ({
  type: kind,
  attachments: [attachment(c, kind, 0, over)],
});

const material: Doc = { material: 'Indigo', quantity: 2, unit: 'kg', colour: 'deep blue' };
const technique: Doc = {
  title: 'Shibori fold',
  steps: ['Fold the cloth in pleats', 'Bind with thread', 'Dip for 5 minutes'],
  difficulty: 'beginner',
};
const workshop: Doc = { title: 'Open studio', start: inHours(1), end: inHours(3), place: 'Studio 4', capacity: 12 };

const B64 = 'Y2lwaGVydGV4dA==';
const KEY_IDS = ['alice:d1', 'carol:d2'];
const envelope: Doc = { alg: 'X25519-HKDF-SHA256+A256GCM', ciphertext: B64, iv: 'aXZpdml2aXZpdml2', keyIds: KEY_IDS };
const withEnvelope = (over: Doc): Doc => ({ type: 'text', encrypted: { ...envelope, ...over } });
/** A base64 string of exactly n characters (padding included when `pad`). */
const b64 = (n: number, pad = '') => 'A'.repeat(n - pad.length) + pad;

const text = (t: string): Doc => ({ type: 'text', text: t });
const EMOJI = '\u{1F9F6}'; // 🧶: one code point, two UTF-16 code units

// ───────────── new messages ─────────────

const create = (
  conversation: ConversationKind,
  expected: Verdict,
  name: string,
  why: string,
  doc: Doc,
): CreateCase => ({
  op: 'create',
  conversation,
  expected,
  name,
  why,
  doc,
});
const group = (expected: Verdict, name: string, why: string, doc: Doc) => create('group', expected, name, why, doc);
const e2ee = (expected: Verdict, name: string, why: string, doc: Doc) => create('e2ee', expected, name, why, doc);

const textCases: CreateCase[] = [
  group('allow', 'a text', 'the plain case', text('Is the walnut bowl food-safe?')),
  group(
    'allow',
    'a text with every optional field null',
    "Flutter's json_serializable writes null for unset fields; null means absent",
    withNulls(text('hi')),
  ),
  create(
    'direct',
    'allow',
    'a text with every optional field null, direct',
    'nulls in a direct conversation too',
    withNulls(text('hi')),
  ),
  group('allow', 'a reply', 'replyTo names a message of the conversation', { ...text('yes'), replyTo: REPLY_TARGET }),
  group('deny', 'replyTo as a path', 'replyTo is a message id, never a path to another document', {
    ...text('yes'),
    replyTo: `${REPLY_TARGET}/x/y`,
  }),
  group(
    'allow',
    'text of 4000 UTF-16 code units',
    'the text limit, counted as JavaScript and the rules both count',
    text('x'.repeat(4000)),
  ),
  group('deny', 'text of 4001', 'over the text limit', text('x'.repeat(4001))),
  group(
    'allow',
    'text of 2000 emoji (4000 code units)',
    'an emoji is two UTF-16 code units for both sides',
    text(EMOJI.repeat(2000)),
  ),
  group(
    'deny',
    'text of 2001 emoji (4002 code units)',
    'over the limit in code units, though 2001 characters',
    text(EMOJI.repeat(2001)),
  ),
  group('deny', 'an empty text', 'a text message needs text', text('')),
  group('deny', 'a blank text', 'spaces, tabs and line breaks only: nothing to show', text(' \t\n\r ')),
  group(
    'allow',
    'text with surrounding spaces',
    'stored as written, not trimmed (so both sides measure the same string)',
    text('  hello  '),
  ),
  group('deny', 'text as a number', 'text is a string', { type: 'text', text: 42 }),
  group('deny', 'a text message without text', 'required content', { type: 'text' }),
  group('deny', 'an unknown field', 'the document holds the message fields only (no smuggled counters or flags)', {
    ...text('hi'),
    unreadCount: 0,
  }),
  group('deny', 'a system message', 'system messages are the server’s (the record of group changes)', {
    type: 'system',
    text: 'alice was made owner',
  }),
  group('deny', 'the system field on a text', 'the system field is the server’s', {
    ...text('hi'),
    system: { action: 'group.updated', actorUid: SENDER },
  }),
  group('deny', 'an unknown type', 'the message types are fixed', { type: 'poem', text: 'roses' }),
  group('deny', 'editedAt on a new message', 'a new message has no edit state', {
    ...text('hi'),
    editedAt: new Date(),
  }),
  group(
    'deny',
    'an empty editHistory on a new message',
    'a new message has no history (null is fine, a value is not)',
    { ...text('hi'), editHistory: [] },
  ),
  group('deny', 'deleted on a new message', 'a new message is not a tombstone', { ...text('hi'), deleted: true }),
  group('deny', 'attachments on a text message', 'content of another type is a malformed message', {
    ...text('hi'),
    attachments: attachments('group', 'image', 1),
  }),
  group('deny', 'a material spec on a text message', 'content of another type', {
    ...text('hi'),
    materialSpec: material,
  }),
];

const CONTENT_TYPE_CASES: Array<[Verdict, string, string, string]> = [
  // [verdict, kind, contentType, why]
  ['allow', 'voice', 'audio/webm;codecs=opus', 'a parameter, as browsers’ MediaRecorder reports it'],
  ['allow', 'voice', 'audio/ogg; codecs=opus', 'a parameter after a space'],
  ['allow', 'voice', 'audio/webm; codecs="opus"', 'a quoted parameter value'],
  ['allow', 'file', 'application/vnd.ms-excel', 'a listed vendor type'],
  ['allow', 'file', 'application/vnd.ms-powerpoint', 'a listed vendor type'],
  ['allow', 'file', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'an Office Open XML type'],
  ['allow', 'file', 'application/vnd.oasis.opendocument.text', 'an OpenDocument type'],
  ['allow', 'file', 'text/csv; charset=utf-8', 'text with a charset'],
  ['allow', 'file', 'image/png', 'a photo sent as a file'],
  ['allow', 'image', 'image/heic', 'iPhone photos'],
  ['allow', 'image', 'image/jpeg;a=1;b=2;c=3', 'three parameters'],
  ['deny', 'image', 'image/jpeg;a=1;b=2;c=3;d=4', 'at most three parameters (the grammar bounds the length)'],
  ['deny', 'image', 'image/jpeg;', 'a parameter needs a name and a value'],
  ['deny', 'image', 'image/jpeg; q', 'a parameter without a value'],
  ['deny', 'image', 'IMAGE/JPEG', 'lower-case type and subtype only'],
  ['deny', 'image', 'image/svg+xml', 'SVG can carry script'],
  ['deny', 'image', 'audio/mp4', 'a voice type on an image'],
  ['deny', 'file', 'text/html', 'HTML is not a file type we pass on'],
  ['deny', 'file', 'application/x-msdownload', 'executables are not'],
  ['deny', 'file', 'application/vnd.android.package-archive', 'only the listed vendor types, not any vnd.*'],
  ['deny', 'image', 'image/jpeg\n', 'no control characters'],
  ['deny', 'image', 'image/jpeg|x', 'no characters outside the grammar'],
  ['deny', 'image', '', 'required'],
];

const attachmentCases: CreateCase[] = [
  group('allow', 'an image', 'one upload of the sender’s', {
    type: 'image',
    attachments: attachments('group', 'image', 1),
  }),
  group('allow', 'an image with a caption', 'image captions are text', {
    type: 'image',
    attachments: attachments('group', 'image', 1),
    text: 'daylight',
  }),
  group(
    'allow',
    '10 images, caption, reply and nulls (the most a message holds), group',
    'the schema’s maximum passes the rules’ 1,000-expression limit',
    {
      ...withNulls({ type: 'image', attachments: attachments('group', 'image', 10), text: 'x'.repeat(4000) }),
      replyTo: REPLY_TARGET,
    },
  ),
  create(
    'direct',
    'allow',
    '10 images, caption, reply and nulls, direct',
    'direct conversations also read two block documents',
    {
      ...withNulls({ type: 'image', attachments: attachments('direct', 'image', 10), text: 'x'.repeat(4000) }),
      replyTo: REPLY_TARGET,
    },
  ),
  group('allow', '10 files with a caption and a reply, group', 'files: the larger size cap', {
    type: 'file',
    attachments: attachments('group', 'file', 10),
    text: 'dye recipes',
    replyTo: REPLY_TARGET,
  }),
  create('direct', 'allow', '10 files with a caption and a reply, direct', 'the costliest message to check', {
    type: 'file',
    attachments: attachments('direct', 'file', 10),
    text: 'dye recipes',
    replyTo: REPLY_TARGET,
  }),
  group('allow', '10 voice notes', 'voice takes attachments only', {
    type: 'voice',
    attachments: attachments('group', 'voice', 10),
  }),
  group('deny', '11 images', 'at most 10 attachments', {
    type: 'image',
    attachments: attachments('group', 'image', 11),
  }),
  group('deny', 'no attachments', 'an image message needs one', { type: 'image', attachments: [] }),
  group('deny', 'attachments as a map', 'attachments is a list', {
    type: 'image',
    attachments: { 0: attachment('group', 'image', 0) },
  }),
  group('deny', 'a caption on a voice note', 'voice messages carry no text', {
    type: 'voice',
    attachments: attachments('group', 'voice', 1),
    text: 'listen',
  }),
  group('deny', 'an attachment of another kind', 'kind matches the message type', {
    type: 'image',
    attachments: [attachment('group', 'file', 0)],
  }),
  group(
    'deny',
    'an extra attachment field',
    'attachments hold the five fields only',
    withAttachment('image', { thumbnail: 'A'.repeat(1000) }),
  ),
  group('deny', 'an attachment without a name', 'all five fields are required', {
    type: 'image',
    attachments: [{ kind: 'image', path: 'conversations/g/carol/a.jpg', contentType: 'image/jpeg', size: 10 }],
  }),
  group(
    'deny',
    'a null attachment name',
    'null stands for absent optional fields only',
    withAttachment('image', { name: null }),
  ),
  group('allow', 'a name of 200 characters', 'the name limit', withAttachment('image', { name: 'n'.repeat(200) })),
  group('deny', 'a name of 201 characters', 'over the name limit', withAttachment('image', { name: 'n'.repeat(201) })),
  group(
    'allow',
    'a name with | and spaces',
    'names are free text',
    withAttachment('image', { name: 'bowl | final v2.jpg' }),
  ),
  group('deny', 'a blank name', 'nothing to show', withAttachment('image', { name: '   ' })),
  group('deny', 'a name as a number', 'the name is a string', withAttachment('image', { name: 1234 })),
  group('allow', 'an image of 10 MiB', 'the image cap', withAttachment('image', { size: 10 * MiB })),
  group('deny', 'an image of 10 MiB + 1 byte', 'over the image cap', withAttachment('image', { size: 10 * MiB + 1 })),
  group('allow', 'a file of 25 MiB', 'the file cap', withAttachment('file', { size: 25 * MiB })),
  group('deny', 'a file of 25 MiB + 1 byte', 'over the file cap', withAttachment('file', { size: 25 * MiB + 1 })),
  group('deny', 'a voice note of 50 MiB', 'over the voice cap', withAttachment('voice', { size: 50 * MiB })),
  group('deny', 'a size of 0', 'an upload has bytes', withAttachment('image', { size: 0 })),
  group('deny', 'a fractional size', 'sizes are whole bytes', withAttachment('image', { size: 1.5 })),
  group('deny', 'a size as a string', 'sizes are numbers', withAttachment('image', { size: '1000' })),
  group(
    'deny',
    'a path with another segment',
    'uploads sit directly under conversations/{cid}/{uid}/',
    withAttachment('image', { path: 'conversations/g/carol/x/a.jpg' }),
  ),
  group(
    'deny',
    'a path outside conversations/',
    'only conversation media',
    withAttachment('image', { path: 'exports/carol/a.jpg' }),
  ),
  ...CONTENT_TYPE_CASES.map(([verdict, kind, contentType, why]) =>
    group(verdict, `${kind} content type ${JSON.stringify(contentType)}`, why, withAttachment(kind, { contentType })),
  ),
];

const structuredCases: CreateCase[] = [
  group('allow', 'a material spec', 'the plain case', { type: 'material_spec', materialSpec: material }),
  group('allow', 'a material spec with null optional fields', 'nulls inside content too', {
    type: 'material_spec',
    materialSpec: { ...material, colour: null, supplier: null, notes: null },
  }),
  group('allow', 'a fractional quantity', 'quantities need not be whole', {
    type: 'material_spec',
    materialSpec: { ...material, quantity: 0.5 },
  }),
  group('deny', 'a quantity of 0', 'quantities are positive', {
    type: 'material_spec',
    materialSpec: { ...material, quantity: 0 },
  }),
  group('deny', 'a quantity over 10^9', 'bounded', {
    type: 'material_spec',
    materialSpec: { ...material, quantity: 1_000_000_001 },
  }),
  group('deny', 'a quantity as a string', 'a number', {
    type: 'material_spec',
    materialSpec: { ...material, quantity: '2' },
  }),
  group('deny', 'notes of 2001 characters', 'bounded', {
    type: 'material_spec',
    materialSpec: { ...material, notes: 'n'.repeat(2001) },
  }),
  group('deny', 'a blank colour', 'nothing to show', {
    type: 'material_spec',
    materialSpec: { ...material, colour: '  ' },
  }),
  group('deny', 'an extra material field', 'known fields only', {
    type: 'material_spec',
    materialSpec: { ...material, price: 3 },
  }),

  group('allow', 'a technique', 'the plain case', { type: 'technique', technique }),
  group('allow', '50 steps of 1000 characters', 'the most a technique holds', {
    type: 'technique',
    technique: { ...technique, steps: Array(50).fill('s'.repeat(1000)) },
  }),
  group('allow', 'a step of 1000 emoji', 'steps count characters (code points), as the rules’ pattern does', {
    type: 'technique',
    technique: { ...technique, steps: [EMOJI.repeat(1000)] },
  }),
  group('deny', '51 steps', 'at most 50', {
    type: 'technique',
    technique: { ...technique, steps: Array(51).fill('step') },
  }),
  group('deny', 'a step of 1001 characters', 'steps are bounded (a ~950 KB message once rode in here)', {
    type: 'technique',
    technique: { ...technique, steps: ['ok', 's'.repeat(1001)] },
  }),
  group('deny', 'no steps', 'at least one', { type: 'technique', technique: { ...technique, steps: [] } }),
  group('deny', 'an empty step', 'not blank', { type: 'technique', technique: { ...technique, steps: ['ok', ''] } }),
  group('deny', 'a blank step', 'not blank', { type: 'technique', technique: { ...technique, steps: ['   ', 'ok'] } }),
  group('deny', 'a step with a line break', 'a step is one line', {
    type: 'technique',
    technique: { ...technique, steps: ['fold\nbind'] },
  }),
  group('deny', 'a step with a tab', 'no control characters', {
    type: 'technique',
    technique: { ...technique, steps: ['fold\tbind'] },
  }),
  group('deny', 'a step with NUL', 'no control characters', {
    type: 'technique',
    technique: { ...technique, steps: ['fold\u0000'] },
  }),
  group('deny', 'a step as a number', 'steps are strings (join() would write 5 as text)', {
    type: 'technique',
    technique: { ...technique, steps: ['ok', 5] },
  }),
  group('deny', 'a step as a boolean', 'steps are strings', {
    type: 'technique',
    technique: { ...technique, steps: [true] },
  }),
  group('deny', 'a step as a map', 'steps are strings', {
    type: 'technique',
    technique: { ...technique, steps: [{ text: 'fold' }] },
  }),
  group('deny', 'an unknown difficulty', 'three levels', {
    type: 'technique',
    technique: { ...technique, difficulty: 'expert' },
  }),
  group('deny', 'an extra technique field', 'known fields only', {
    type: 'technique',
    technique: { ...technique, video: 'x' },
  }),

  group('allow', 'a workshop with a place', 'the plain case', { type: 'workshop', workshop }),
  group('allow', 'a workshop with an https link and a null place', 'online workshops', {
    type: 'workshop',
    workshop: { ...workshop, place: null, link: 'https://meet.example.com/indigo?room=4#join' },
  }),
  group('allow', 'a workshop with a port in its link', 'ports are fine', {
    type: 'workshop',
    workshop: { ...workshop, link: 'https://studio.example:8443/live' },
  }),
  group('deny', 'a javascript: link', 'only https links are rendered', {
    type: 'workshop',
    workshop: { ...workshop, place: null, link: 'javascript:alert(document.cookie)' },
  }),
  group('deny', 'a data: link', 'only https links', {
    type: 'workshop',
    workshop: { ...workshop, link: 'data:text/html,<script>alert(1)</script>' },
  }),
  group('deny', 'an http: link', 'only https links', {
    type: 'workshop',
    workshop: { ...workshop, link: 'http://meet.example.com/indigo' },
  }),
  group('deny', 'an upper-case HTTPS: link', 'one spelling of the scheme', {
    type: 'workshop',
    workshop: { ...workshop, link: 'HTTPS://meet.example.com' },
  }),
  group('deny', 'a link with user@host', 'a user part can disguise the host', {
    type: 'workshop',
    workshop: { ...workshop, link: 'https://bank.example@evil.example/login' },
  }),
  group('deny', 'a link with a space', 'links are encoded', {
    type: 'workshop',
    workshop: { ...workshop, link: 'https://meet.example.com/a b' },
  }),
  group('deny', 'a link of 2001 characters', 'bounded', {
    type: 'workshop',
    workshop: { ...workshop, link: `https://meet.example.com/${'a'.repeat(1976)}` },
  }),
  group('deny', 'neither place nor link', 'a workshop happens somewhere', {
    type: 'workshop',
    workshop: { ...workshop, place: null },
  }),
  group('deny', 'ending before it starts', 'end after start', {
    type: 'workshop',
    workshop: { ...workshop, start: inHours(3), end: inHours(1) },
  }),
  group('deny', 'start as a string', 'timestamps in a stored document (callables take ISO strings)', {
    type: 'workshop',
    workshop: { ...workshop, start: inHours(1).toISOString() },
  }),
  group('deny', 'a capacity of 0', '1 to 10,000', { type: 'workshop', workshop: { ...workshop, capacity: 0 } }),
  group('deny', 'a capacity of 10,001', '1 to 10,000', {
    type: 'workshop',
    workshop: { ...workshop, capacity: 10_001 },
  }),
  group('deny', 'a fractional capacity', 'whole places', {
    type: 'workshop',
    workshop: { ...workshop, capacity: 2.5 },
  }),
];

const e2eeCases: CreateCase[] = [
  e2ee('allow', 'an envelope', 'the E2EE message', withEnvelope({})),
  e2ee(
    'allow',
    'an envelope with null optional fields',
    'nulls in the message and in the envelope',
    withNulls({ type: 'text', encrypted: { ...envelope, epk: null, wrappedKeys: null } }),
  ),
  e2ee(
    'allow',
    'an envelope with epk and wrapped keys',
    'a wrapped content key per listed device',
    withEnvelope({ epk: b64(44, '='), wrappedKeys: { 'alice:d1': b64(56), 'carol:d2': b64(56) } }),
  ),
  e2ee('allow', 'an encrypted image message', 'the type is visible, the content is not', {
    type: 'image',
    encrypted: envelope,
  }),
  e2ee('allow', 'a reply in an E2EE conversation', 'replyTo is not content', {
    ...withEnvelope({}),
    replyTo: REPLY_TARGET,
  }),
  e2ee('deny', 'plaintext next to the envelope', 'plaintext would leak what the envelope hides', {
    ...withEnvelope({}),
    text: 'leak',
  }),
  e2ee('deny', 'plaintext alone', 'an E2EE conversation takes only envelopes', text('hello')),
  group('deny', 'an envelope in a plaintext conversation', 'the conversation decides', withEnvelope({})),
  e2ee('deny', 'an encrypted system message', 'system messages are the server’s', {
    type: 'system',
    encrypted: envelope,
  }),
  e2ee('deny', 'an extra envelope field', 'nothing rides along', withEnvelope({ note: 'plaintext here' })),
  e2ee('deny', 'an unknown algorithm', 'the listed algorithms', withEnvelope({ alg: 'ROT13' })),
  e2ee('allow', 'ciphertext of 65536 characters', 'the ciphertext cap', withEnvelope({ ciphertext: b64(65536) })),
  e2ee('deny', 'ciphertext of 65537 characters', 'over the cap', withEnvelope({ ciphertext: b64(65537) })),
  e2ee(
    'deny',
    'ciphertext that is not base64',
    'plaintext in the ciphertext field',
    withEnvelope({ ciphertext: 'meet me at the station' }),
  ),
  e2ee('deny', 'an iv of 65 characters', 'bounded', withEnvelope({ iv: b64(65) })),
  e2ee(
    'allow',
    '500 key ids',
    'the most devices a message is wrapped for',
    withEnvelope({ keyIds: Array.from({ length: 500 }, (_, i) => `u${i}:device${i}`) }),
  ),
  e2ee(
    'deny',
    '501 key ids',
    'over the cap',
    withEnvelope({ keyIds: Array.from({ length: 501 }, (_, i) => `u${i}:device${i}`) }),
  ),
  e2ee('deny', 'no key ids', 'at least one', withEnvelope({ keyIds: [] })),
  e2ee('deny', 'a key id without a device', '{uid}:{deviceId}', withEnvelope({ keyIds: ['alice'] })),
  e2ee(
    'deny',
    'two key ids in one string',
    'one id per entry (the rules join the list with commas)',
    withEnvelope({ keyIds: ['alice:d1,carol:d2'] }),
  ),
  e2ee('deny', 'plaintext as a key id', 'key ids are ids', withEnvelope({ keyIds: ['alice:d1', 'meet me at noon'] })),
  e2ee('deny', 'a key id as a number', 'key ids are strings', withEnvelope({ keyIds: [1] })),
  e2ee(
    'deny',
    'a wrapped key for an unlisted device',
    'wrappedKeys only for keyIds',
    withEnvelope({ wrappedKeys: { 'mallory:d9': b64(56) } }),
  ),
  e2ee(
    'allow',
    'a wrapped key of 512 characters with padding',
    'the wrapped-key cap',
    withEnvelope({ wrappedKeys: { 'alice:d1': b64(512, '==') } }),
  ),
  e2ee(
    'deny',
    'a wrapped key of 513 characters',
    'over the cap',
    withEnvelope({ wrappedKeys: { 'alice:d1': b64(513) } }),
  ),
  e2ee(
    'deny',
    'a wrapped key that is not base64',
    'plaintext in a wrapped key',
    withEnvelope({ wrappedKeys: { 'alice:d1': 'hello there' } }),
  ),
  e2ee('deny', 'wrapped keys as a list', 'a map keyId → key', withEnvelope({ wrappedKeys: [b64(56)] })),
  e2ee('allow', 'no wrapped keys ({})', 'an empty map is allowed by both', withEnvelope({ wrappedKeys: {} })),
  e2ee('deny', 'an epk of 201 characters', 'bounded', withEnvelope({ epk: b64(201) })),
];

// ───────────── edits and tombstones (of carol's own messages, sent a minute ago) ─────────────

const sent = (doc: Doc, over: Doc = {}): Doc => ({
  senderId: SENDER,
  clientMessageId: 'x',
  createdAt: SENT_AT,
  ...doc,
  ...over,
});
const update = (
  conversation: ConversationKind,
  expected: Verdict,
  name: string,
  why: string,
  before: Doc,
  patch: Doc,
): UpdateCase => ({
  op: 'update',
  conversation,
  expected,
  name,
  why,
  before,
  patch,
});
/** An edit of `field` to `value`, with the history entry that equals the replaced content. */
const edit = (before: Doc, changes: Doc): Doc => {
  const entry: Doc = { editedAt: before.editedAt ?? before.createdAt };
  for (const key of Object.keys(changes))
    if (before[key] !== undefined && before[key] !== null) entry[key] = before[key];
  const prior = Array.isArray(before.editHistory) ? before.editHistory : [];
  return { ...changes, editedAt: NOW, editHistory: [...prior, entry] };
};
const TOMBSTONE: Doc = { deleted: true, deletedBy: SENDER, deletedAt: NOW };
const drop = (...fields: string[]): Doc => Object.fromEntries(fields.map((f) => [f, DELETE]));

const textMessage = sent(text('Is the walnut bowl food-safe?'));
const imageMessage = (c: ConversationKind, n: number) =>
  sent({ type: 'image', attachments: attachments(c, 'image', n), text: 'daylight' });
const voiceMessage = sent({ type: 'voice', attachments: attachments('group', 'voice', 1) });
const materialMessage = sent({ type: 'material_spec', materialSpec: material });
const workshopMessage = sent({ type: 'workshop', workshop });
const techniqueMessage = sent({ type: 'technique', technique });
const encryptedMessage = sent({ type: 'text', encrypted: envelope });
const flutterMessage = sent(withNulls(text('v1')));
const historyOf = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ text: `v${i}`, editedAt: new Date(SENT_AT.getTime() - (n - i) * 1000) }));
const editedMessage = (n: number) =>
  sent({ ...text(`v${n}`), editedAt: new Date(SENT_AT.getTime() + 1000), editHistory: historyOf(n) });

const updateCases: UpdateCase[] = [
  update(
    'group',
    'allow',
    'an edit with its history entry',
    'the previous text goes to editHistory',
    textMessage,
    edit(textMessage, { text: 'Edited' }),
  ),
  update(
    'group',
    'deny',
    'an edit to 4001 characters',
    'the text limit holds for edits',
    textMessage,
    edit(textMessage, { text: 'x'.repeat(4001) }),
  ),
  update('group', 'deny', 'an edit to blank text', 'not blank', textMessage, edit(textMessage, { text: '   ' })),
  update(
    'group',
    'allow',
    'a caption edit on 10 images, group',
    'an edit re-checks only what it changes',
    imageMessage('group', 10),
    edit(imageMessage('group', 10), { text: 'at dusk' }),
  ),
  update(
    'direct',
    'allow',
    'a caption edit on 10 images, direct',
    'also where block documents are read',
    imageMessage('direct', 10),
    edit(imageMessage('direct', 10), { text: 'at dusk' }),
  ),
  update(
    'group',
    'allow',
    'removing a caption (null)',
    'a caption is optional; null means none',
    imageMessage('group', 1),
    edit(imageMessage('group', 1), { text: null }),
  ),
  update(
    'group',
    'deny',
    'a caption on a voice note',
    'voice carries no text',
    voiceMessage,
    edit(voiceMessage, { text: 'listen' }),
  ),
  update(
    'group',
    'allow',
    'a material spec edit with null colour',
    'nulls in edited content',
    materialMessage,
    edit(materialMessage, { materialSpec: { ...material, quantity: 3, colour: null } }),
  ),
  update(
    'group',
    'deny',
    'a workshop edit to a javascript: link',
    'links stay https on edit',
    workshopMessage,
    edit(workshopMessage, { workshop: { ...workshop, link: 'javascript:alert(1)' } }),
  ),
  update(
    'group',
    'deny',
    'a technique edit to 51 steps',
    'bounds hold on edit',
    techniqueMessage,
    edit(techniqueMessage, { technique: { ...technique, steps: Array(51).fill('step') } }),
  ),
  update(
    'group',
    'deny',
    'a technique edit with a 1001-character step',
    'bounds hold on edit',
    techniqueMessage,
    edit(techniqueMessage, { technique: { ...technique, steps: ['s'.repeat(1001)] } }),
  ),
  update(
    'e2ee',
    'allow',
    'an E2EE edit: a new envelope',
    'the previous envelope goes to history',
    encryptedMessage,
    edit(encryptedMessage, { encrypted: { ...envelope, ciphertext: 'bmV3Y2lwaGVy' } }),
  ),
  update(
    'e2ee',
    'deny',
    'an E2EE edit adding plaintext',
    'no plaintext in an E2EE conversation, edits included',
    encryptedMessage,
    edit(encryptedMessage, { text: 'leak' }),
  ),
  update(
    'e2ee',
    'deny',
    'an E2EE edit to a bad envelope',
    'the envelope rules hold on edit',
    encryptedMessage,
    edit(encryptedMessage, { encrypted: { ...envelope, keyIds: ['alice:d1', 'meet me at noon'] } }),
  ),
  update(
    'group',
    'deny',
    'a history entry with an extra field',
    'entries hold the replaced fields and editedAt only',
    textMessage,
    {
      text: 'Edited',
      editedAt: NOW,
      editHistory: [{ text: textMessage.text, editedAt: SENT_AT, note: 'x'.repeat(1000) }],
    },
  ),
  update(
    'group',
    'allow',
    'an edit of a message written with nulls',
    'null editHistory and editedAt mean none yet',
    flutterMessage,
    edit(flutterMessage, { text: 'v2' }),
  ),
  update(
    'group',
    'allow',
    'the 20th edit',
    'the history keeps 20 versions',
    editedMessage(19),
    edit(editedMessage(19), { text: 'v20' }),
  ),
  update(
    'group',
    'deny',
    'a 21st edit',
    'at most 20 (each entry can be a whole previous version)',
    editedMessage(20),
    edit(editedMessage(20), { text: 'v21' }),
  ),

  update('group', 'allow', 'a tombstone', 'content removed, marked deleted now', textMessage, {
    ...drop('text'),
    ...TOMBSTONE,
  }),
  update(
    'group',
    'allow',
    'a tombstone with content set to null',
    'null means absent for a tombstone too',
    imageMessage('group', 2),
    { text: null, attachments: null, ...TOMBSTONE },
  ),
  update('group', 'allow', 'a tombstone of an edited message', 'the history goes with the content', editedMessage(2), {
    ...drop('text', 'editHistory'),
    ...TOMBSTONE,
  }),
  update('group', 'deny', 'a tombstone keeping the text', 'a tombstone drops the content', textMessage, TOMBSTONE),
  update('group', 'deny', 'a tombstone keeping attachments', 'media references go too', imageMessage('group', 1), {
    ...drop('text'),
    ...TOMBSTONE,
  }),
  update('group', 'deny', 'a tombstone keeping the history', 'earlier versions are content', editedMessage(2), {
    ...drop('text'),
    ...TOMBSTONE,
  }),
];

// ───────────── typing indicators ─────────────

const typing = (expected: Verdict, name: string, why: string, aheadMs: number, extra?: Doc): TypingCase => ({
  op: 'typing',
  conversation: 'group',
  expected,
  name,
  why,
  aheadMs,
  ...(extra ? { extra } : {}),
});

const typingCases: TypingCase[] = [
  typing('allow', 'typing for 5 s', 'the usual indicator', 5_000),
  typing('allow', 'typing for 10 s', 'the longest indicator', 10_000),
  typing('allow', 'a phone 8 s ahead writing 5 s', 'expiresAt comes from the phone’s clock', 13_000),
  typing('allow', 'a phone 25 s ahead writing 10 s', 'up to 30 s of clock skew', 35_000),
  typing('deny', 'a minute ahead', 'beyond 10 s plus the skew allowance', 60_000),
  typing('allow', 'a phone 15 s behind writing 5 s', 'skew the other way', -10_000),
  typing('deny', 'a minute in the past', 'already expired beyond any skew', -60_000),
  typing('deny', 'an extra field', 'expiresAt only', 5_000, { text: 'drafting a reply…' }),
];

export const CLIENT_WRITE_CASES: readonly ClientWriteCase[] = [
  ...textCases,
  ...attachmentCases,
  ...structuredCases,
  ...e2eeCases,
  ...updateCases,
  ...typingCases,
];

/** A unique, stable clientMessageId per case (its position in the table). */
export const clientMessageIdOf = (c: ClientWriteCase) => `case${CLIENT_WRITE_CASES.indexOf(c)}`;
