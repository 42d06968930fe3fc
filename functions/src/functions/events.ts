import { z } from 'zod';
import { topicHandlers } from '../composition/topics.js';
import type { TopicMeta } from '../composition/topics.js';
import { fromFirestore } from '../adapters/firestore/firestoreDocumentStore.js';
import type { DocData } from '../ports.js';
import { describeIssues } from '../domain/validation.js';

/**
 * What the trigger helpers (triggers.ts) do once an event has arrived: parse documents and Auth users into plain,
 * validated data and find a topic's consumer. Loaded by a function's first event (a dynamic import), with zod and
 * the composition root, so defining the triggers (deploy, discovery, every cold start) loads none of it.
 */

/**
 * A Firestore document as the use cases read documents (Timestamps become Dates, as the store adapter returns them).
 * Only the shape is checked here: each use case validates its own fields, so a malformed document is recorded by the
 * code that knows what it should be (a moderation flag, a rejected event) instead of being dropped here.
 */
const documentSchema = z.record(z.string(), z.unknown());

export type Parsed = { ok: true; data: DocData | undefined } | { ok: false; reason: string };

export function parseDocument(raw: unknown, field: string): Parsed {
  if (raw === undefined) return { ok: true, data: undefined };
  const parsed = documentSchema.safeParse(fromFirestore(raw));
  return parsed.success ? { ok: true, data: parsed.data } : { ok: false, reason: describeIssues(field, parsed.error) };
}

/** What the Auth user-deleted event says about the person, as plain data. */
const authUserSchema = z.object({
  uid: z.string().min(1),
  displayName: z
    .string()
    .nullish()
    .transform((v) => v ?? undefined),
  email: z
    .string()
    .nullish()
    .transform((v) => v ?? undefined),
  phoneNumber: z
    .string()
    .nullish()
    .transform((v) => v ?? undefined),
});
export type DeletedAuthUser = z.output<typeof authUserSchema>;

export function parseAuthUser(user: {
  uid: string;
  displayName?: string | null;
  email?: string | null;
  phoneNumber?: string | null;
}): { ok: true; user: DeletedAuthUser } | { ok: false; reason: string } {
  const parsed = authUserSchema.safeParse({
    uid: user.uid,
    displayName: user.displayName,
    email: user.email,
    phoneNumber: user.phoneNumber,
  });
  return parsed.success ? { ok: true, user: parsed.data } : { ok: false, reason: describeIssues('user', parsed.error) };
}

export { topicHandlers };
export type { TopicMeta };
