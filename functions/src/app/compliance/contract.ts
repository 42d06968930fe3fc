import { z } from 'zod';
import { defineContracts } from '../contract.js';

/**
 * The compliance callables' answers and errors (exports.ts, erasure.ts, src/app/staffAccess.ts). Inputs are in
 * src/domain/compliance/exportRequest.ts, staffAccess.ts (`staffProfileInput`) and src/functions/inputs.ts.
 */

/** A finished export: a signed download URL, valid for 24 hours. */
export const exportDoneOutput = z.strictObject({
  exportId: z.string(),
  status: z.literal('done'),
  url: z.string(),
  expiresAt: z.iso.datetime(),
  bytes: z.number().int(),
  path: z.string(),
});
/** A PDF export: queued; watch `exports/{exportId}` until `done` (with `url`) or `failed` (with `error`). */
export const exportQueuedOutput = z.strictObject({ exportId: z.string(), status: z.literal('queued') });

const exportAnswer = z.discriminatedUnion('status', [exportDoneOutput, exportQueuedOutput]);

export const complianceContracts = defineContracts({
  exportConversation: {
    summary:
      'A conversation as JSON, CSV (answered when done) or a PDF transcript (queued, rendered in the background).',
    who: 'members of the conversation; the compliance or admin role any conversation (audited)',
    roles: ['compliance', 'admin'],
    output: exportAnswer,
    errors: [
      { code: 'not-found', when: 'the conversation does not exist' },
      { code: 'permission-denied', when: 'the caller is not a member and has neither role' },
    ],
  },
  exportNotifications: {
    summary: "The caller's notification history (or, with the compliance role, a named user's) as JSON, CSV or PDF.",
    who: 'own data; compliance or admin name `uid`',
    roles: ['compliance', 'admin'],
    output: exportAnswer,
    errors: [{ code: 'permission-denied', when: '`uid` names another user and the caller has neither role' }],
  },
  exportMyData: {
    summary: 'GDPR/CCPA access request: everything held about the caller, as a ZIP of JSON and CSV.',
    who: 'own data',
    output: exportDoneOutput,
    errors: [],
  },
  getUserProfile: {
    summary:
      "Staff read of a user's private profile (email, phone, verification and moderation state), with a reason; audited.",
    who: 'admin or compliance role',
    roles: ['admin', 'compliance'],
    // The profile document as stored (users/{uid}, src/domain/users.ts) plus its uid; its timestamps leave as ISO
    // 8601 strings (the callable wrapper converts every Date), other fields as stored.
    output: z.looseObject({
      uid: z.string(),
      displayName: z.string().optional(),
      kind: z.enum(['creator', 'collector']).optional(),
      email: z.string().optional(),
      emailVerified: z.boolean().optional(),
      phone: z.string().optional(),
      phoneVerified: z.boolean().optional(),
      timeZone: z.string().optional(),
      locale: z.string().optional(),
      createdAt: z.iso.datetime().optional(),
      /** When email/emailVerified were last copied from Firebase Auth. */
      emailSyncedAt: z.iso.datetime().optional(),
    }),
    errors: [
      { code: 'permission-denied', when: 'the caller has neither role' },
      { code: 'not-found', when: 'no such user (`data.uid`)' },
    ],
  },
  deleteMyAccount: {
    summary:
      "Erases the caller's personal data (messages pseudonymised, profile and subcollections deleted), then the Auth account. " +
      'Safe to call again after a partial failure.',
    who: 'any signed-in uid, whatever state the account is in',
    output: z.strictObject({
      uid: z.string(),
      deletedDocuments: z.number().int(),
      pseudonymisedMessages: z.number().int(),
      conversationsLeft: z.number().int(),
      scrubbedDocuments: z.number().int(),
      deletedObjects: z.number().int(),
    }),
    errors: [],
  },
});
