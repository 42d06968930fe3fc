import type { z } from 'zod';
import { invalidArgument } from './errors.js';

/** `a.b[2].c`-style path of a zod issue, prefixed with what was being parsed. */
export function issuePath(root: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : `${acc}.${String(key)}`),
    root,
  );
}

/** One line per problem, each naming the field: `data.quietHours.start: Invalid string: must match /^\d\d:\d\d$/`. */
export function describeIssues(root: string, error: z.ZodError): string {
  return error.issues.map((issue) => `${issuePath(root, issue.path)}: ${issue.message}`).join('; ');
}

/**
 * Parses input from outside (callable data, webhook bodies, event documents, Pub/Sub messages).
 * Throws INVALID_ARGUMENT naming every bad field; returns the typed, parsed value.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, root = 'data'): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw invalidArgument(describeIssues(root, result.error), {
      fields: result.error.issues.map((issue) => issuePath(root, issue.path)),
    });
  }
  return result.data;
}
