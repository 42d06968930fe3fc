import { logger } from 'firebase-functions/logger';
import type { LogContext, Logger } from '../ports.js';

/**
 * Structured logs through the firebase-functions logger (Cloud Logging's jsonPayload). Every line carries the
 * context ids (eventId, messageId, deliveryId, …), so one event can be followed through every function with a
 * filter such as `jsonPayload.eventId="evt_123"`.
 *
 * Errors: a field holding an `Error` (`{ error }`) is handed to the SDK logger as the Error itself. Given an Error,
 * the SDK writes its stack into `message`, where Error Reporting reads the throw site and groups by it; given none,
 * it writes a stack of its own, taken here, and every error would group at this adapter. Its own fields (`code`, …)
 * stay beside it as data.
 */
export class FunctionsLogger implements Logger {
  constructor(private readonly context: LogContext = {}) {}

  debug(message: string, fields?: LogContext): void {
    logger.debug(message, { ...this.context, ...fields });
  }
  info(message: string, fields?: LogContext): void {
    logger.info(message, { ...this.context, ...fields });
  }
  warn(message: string, fields?: LogContext): void {
    logger.warn(message, { ...this.context, ...fields });
  }
  error(message: string, fields?: LogContext): void {
    const { error, ...rest } = { ...this.context, ...fields };
    if (error instanceof Error) logger.error(message, error, { ...rest, ...errorFields(error) });
    else logger.error(message, { ...this.context, ...fields });
  }
  child(context: LogContext): Logger {
    return new FunctionsLogger({ ...this.context, ...context });
  }
}

/** The error's name and code (provider and SDK errors carry one) as searchable fields. */
function errorFields(error: Error): LogContext {
  const code = (error as { code?: unknown }).code;
  return { errorName: error.name, ...(code !== undefined ? { errorCode: code } : {}) };
}
