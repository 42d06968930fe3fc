/**
 * Errors the use cases raise. The callable wrapper maps `code` 1:1 to an HttpsError code, so a client sees
 * INVALID_ARGUMENT / PERMISSION_DENIED / … with the message written here.
 */
export type ErrorCode =
  | 'invalid-argument'
  | 'unauthenticated'
  | 'permission-denied'
  | 'not-found'
  | 'already-exists'
  | 'failed-precondition'
  | 'resource-exhausted'
  | 'unavailable'
  | 'internal';

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const invalidArgument = (message: string, details?: Record<string, unknown>) =>
  new AppError('invalid-argument', message, details);
export const permissionDenied = (message: string) => new AppError('permission-denied', message);
export const notFound = (message: string) => new AppError('not-found', message);
export const failedPrecondition = (message: string) => new AppError('failed-precondition', message);

/** Raised by DocumentStore.create inside a transaction when the document is already there. */
export class AlreadyExistsError extends AppError {
  constructor(readonly path: string) {
    super('already-exists', `document already exists: ${path}`);
  }
}

/** Raised by DocumentStore.update when the document is missing. */
export class DocNotFoundError extends AppError {
  constructor(readonly path: string) {
    super('not-found', `document not found: ${path}`);
  }
}

/**
 * What a caught value says, for logs and stored `error` fields: an Error's message (its stack with `stack: true`, for
 * logs that need where it was thrown), or the message of an error-like object (SDKs and HTTP clients reject with
 * plain objects that carry one); anything else thrown (a string, a number) as `String(value)`.
 */
export function errorText(error: unknown, { stack = false }: { stack?: boolean } = {}): string {
  if (error instanceof Error) return stack ? (error.stack ?? error.message) : error.message;
  const message = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
  return typeof message === 'string' ? message : String(error);
}
