import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HTTPS_URL_PATTERN } from '../../../src/domain/links.js';
import { CLOCK_SKEW_MS, TYPING_AHEAD_MS, typingSchema } from '../../../src/domain/messaging/conversation.js';
import {
  ATTACHMENT_KINDS,
  CONTENT_TYPE_PARAMS,
  CONTENT_TYPE_PATTERNS,
  MESSAGE_LIMITS,
  clientMessageSchema,
  e2eeMismatch,
  newClientMessageSchema,
} from '../../../src/domain/messaging/message.js';
import type { ClientWriteCase, Doc } from '../../support/clientWriteCases.js';
import {
  CLIENT_WRITE_CASES,
  CONVERSATIONS,
  DELETE,
  NOW,
  SENDER,
  clientMessageIdOf,
} from '../../support/clientWriteCases.js';

/**
 * The shared client-write case table (test/support/clientWriteCases.ts) through the zod schemas; the same table runs
 * through firestore.rules on the emulator in test/emulator/rules/clientWrites.rules.test.ts. A case that passes here
 * and fails there (or the reverse) means the rules and the schemas disagree on what a client may write.
 */

const now = new Date();
const at = (v: unknown) => (v === NOW ? now : v);

/** The document a write leaves behind, as the server reads it (timestamps as Dates). */
function resultOf(c: ClientWriteCase): Doc {
  switch (c.op) {
    case 'create':
      return { ...c.doc, senderId: SENDER, clientMessageId: clientMessageIdOf(c), createdAt: now };
    case 'update': {
      const after: Doc = { ...c.before };
      for (const [key, value] of Object.entries(c.patch)) {
        if (value === DELETE) delete after[key];
        else after[key] = at(value);
      }
      return after;
    }
    case 'typing':
      return { expiresAt: new Date(now.getTime() + c.aheadMs), ...c.extra };
  }
}

/** The schemas' verdict, with the reasons when they refuse. */
function verdictOf(c: ClientWriteCase): { allowed: boolean; reasons: string } {
  const doc = resultOf(c);
  const parsed =
    c.op === 'typing'
      ? typingSchema(now).safeParse(doc)
      : (c.op === 'create' ? newClientMessageSchema : clientMessageSchema).safeParse(doc);
  if (!parsed.success)
    return { allowed: false, reasons: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
  const mismatch =
    c.op === 'typing'
      ? undefined
      : e2eeMismatch(CONVERSATIONS[c.conversation].e2ee, parsed.data as { encrypted?: unknown });
  return mismatch ? { allowed: false, reasons: mismatch } : { allowed: true, reasons: '' };
}

describe('client writes through the zod schemas (shared case table)', () => {
  for (const c of CLIENT_WRITE_CASES) {
    it(`${c.op} ${c.expected}: ${c.name} [${c.conversation}] (${c.why})`, () => {
      const { allowed, reasons } = verdictOf(c);
      expect({ allowed, reasons: allowed === (c.expected === 'allow') ? '' : reasons }).toEqual({
        allowed: c.expected === 'allow',
        reasons: '',
      });
    });
  }

  it('covers every side of the table: creates, updates and typing, allowed and denied, in each conversation kind', () => {
    const seen = new Set(CLIENT_WRITE_CASES.map((c) => `${c.op}:${c.expected}`));
    expect([...seen].sort()).toEqual([
      'create:allow',
      'create:deny',
      'typing:allow',
      'typing:deny',
      'update:allow',
      'update:deny',
    ]);
    expect(new Set(CLIENT_WRITE_CASES.map((c) => c.conversation))).toEqual(new Set(['group', 'direct', 'e2ee']));
  });
});

/** firestore.rules and storage.rules cannot import the schemas' constants; these checks keep the copies equal. */
describe('firestore.rules and storage.rules spell the schemas’ patterns and limits the same way', () => {
  const firestoreRules = readFileSync(resolve('..', 'firestore.rules'), 'utf8');
  const storageRules = readFileSync(resolve('..', 'storage.rules'), 'utf8');

  it('content types: the same type/subtype alternatives and parameter grammar', () => {
    for (const kind of ATTACHMENT_KINDS) {
      expect(firestoreRules, kind).toContain(`'${CONTENT_TYPE_PATTERNS[kind]}'`);
      expect(storageRules, kind).toContain(`'${CONTENT_TYPE_PATTERNS[kind]}`);
    }
    expect(firestoreRules).toContain(`'${CONTENT_TYPE_PARAMS}'`);
    expect(storageRules).toContain(`'${CONTENT_TYPE_PARAMS}'`);
  });

  it('links: the same https pattern', () => {
    expect(firestoreRules).toContain(`u.matches('${HTTPS_URL_PATTERN}')`);
  });

  it('limits: text, attachments, sizes, edit history, clock skew', () => {
    const {
      textMax,
      attachmentsMax,
      attachmentBytes,
      editHistoryMax,
      editWindowMs,
      keyIdsMax,
      ciphertextMax,
      techniqueStepsMax,
      techniqueStepMax,
    } = MESSAGE_LIMITS;
    expect(firestoreRules).toContain(`validText(d.text, ${textMax})`);
    expect(firestoreRules).toContain(`n <= ${attachmentsMax}`);
    expect(firestoreRules).toContain(`kind == 'file' ? ${attachmentBytes.file} : ${attachmentBytes.image}`);
    expect(attachmentBytes.voice).toBe(attachmentBytes.image);
    expect(firestoreRules).toContain(`prior.size() < ${editHistoryMax}`);
    expect(firestoreRules).toContain(`duration.value(${editWindowMs / 60_000}, 'm')`);
    expect(firestoreRules).toContain(`e.keyIds.size() <= ${keyIdsMax}`);
    expect(firestoreRules).toContain(`base64(e.ciphertext, ${ciphertextMax})`);
    expect(firestoreRules).toContain(`t.steps.size() <= ${techniqueStepsMax}`);
    expect(firestoreRules).toContain(`{1,${techniqueStepMax}}`);
    expect(firestoreRules).toContain(`request.time - duration.value(${CLOCK_SKEW_MS / 1000}, 's')`);
    expect(firestoreRules).toContain(`request.time + duration.value(${(TYPING_AHEAD_MS + CLOCK_SKEW_MS) / 1000}, 's')`);
  });
});
