import { logger } from 'firebase-functions';
import type { LogContext, Logger } from '../ports.js';

/**
 * Structured logs through the firebase-functions logger (Cloud Logging's jsonPayload). Every line carries the
 * context ids (eventId, messageId, deliveryId, …), so one event can be followed through every function with a
 * filter such as `jsonPayload.eventId="evt_123"`.
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
    logger.error(message, { ...this.context, ...fields });
  }
  child(context: LogContext): Logger {
    return new FunctionsLogger({ ...this.context, ...context });
  }
}
