import { invalidArgument } from '../domain/errors.js';
import type { QuerySpec } from '../ports.js';

/**
 * The query shapes Firestore refuses, checked before a query runs by both DocumentStore adapters, so the memory store
 * refuses what Firestore refuses and both raise the same AppError('invalid-argument'). The Firestore server refuses
 * each of these itself (test/emulator/adapters/firestoreDocumentStore.test.ts sends them to the emulator raw); the
 * Firestore adapter checks first anyway because the emulator takes about 7 s to answer a refused query, and a clear
 * message naming the filter beats a gRPC status.
 */
export const QUERY_LIMITS = {
  /** Values in one `in` or `array-contains-any` filter. */
  in: 30,
  'array-contains-any': 30,
  /** Values in one `not-in` filter. */
  'not-in': 10,
  /** Disjunctions after normalisation: the product of the sizes of the `in` and `array-contains-any` filters. */
  disjunctions: 30,
} as const;

function refuse(message: string): never {
  throw invalidArgument(`Firestore refuses this query: ${message}`);
}

export function containsUndefined(value: unknown): boolean {
  if (value === undefined) return true;
  if (Array.isArray(value)) return value.some(containsUndefined);
  return false;
}

/** Throws AppError('invalid-argument') when Firestore would refuse `spec`. */
export function checkQuery(spec: QuerySpec): void {
  let disjunctions = 1;
  let arrayContains = 0;
  let negations = 0;
  let notIn = false;
  let inLike = false;
  for (const [field, op, value] of spec.where ?? []) {
    if (containsUndefined(value)) refuse(`undefined is not a Firestore value (where ${field} ${op})`);
    if ((value === null || Number.isNaN(value)) && op !== '==' && op !== '!=') {
      refuse(`${String(value)} only compares with == and != (where ${field} ${op})`);
    }
    if (op === 'in' || op === 'not-in' || op === 'array-contains-any') {
      if (!Array.isArray(value) || value.length === 0) refuse(`'${op}' takes a non-empty array (where ${field})`);
      if (value.length > QUERY_LIMITS[op])
        refuse(`'${op}' takes at most ${QUERY_LIMITS[op]} values, got ${value.length} (where ${field})`);
      if (op === 'not-in') notIn = true;
      else {
        inLike = true;
        disjunctions *= value.length;
      }
    }
    if (op === 'array-contains' || op === 'array-contains-any') arrayContains++;
    if (op === '!=' || op === 'not-in') negations++;
  }
  if (disjunctions > QUERY_LIMITS.disjunctions)
    refuse(`${disjunctions} disjunctions, at most ${QUERY_LIMITS.disjunctions}`);
  if (arrayContains > 1) refuse('at most one array-contains or array-contains-any filter');
  if (negations > 1) refuse('at most one != or not-in filter');
  if (notIn && inLike) refuse('not-in cannot be combined with in or array-contains-any');
  if (spec.limit !== undefined && (!Number.isInteger(spec.limit) || spec.limit < 0))
    refuse(`limit must be a whole number >= 0, got ${spec.limit}`);
  if (spec.startAfter) {
    const ordered = spec.orderBy?.length ?? 0;
    if (spec.startAfter.length > ordered)
      refuse(`a cursor of ${spec.startAfter.length} values for ${ordered} orderBy fields`);
    if (spec.startAfter.some(containsUndefined)) refuse('undefined in a cursor');
  }
}
