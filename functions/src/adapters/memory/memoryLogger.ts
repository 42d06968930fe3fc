import type { LogContext, Logger } from '../../ports.js';

export interface LogLine extends LogContext {
  severity: 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';
  message: string;
}

/** Keeps log lines in memory (tests assert on them; the local run can print them). Children share the sink. */
export class MemoryLogger implements Logger {
  constructor(
    readonly lines: LogLine[] = [],
    private readonly context: LogContext = {},
  ) {}

  private write(severity: LogLine['severity'], message: string, fields?: LogContext): void {
    this.lines.push({ ...this.context, ...fields, severity, message });
  }
  debug(message: string, fields?: LogContext): void {
    this.write('DEBUG', message, fields);
  }
  info(message: string, fields?: LogContext): void {
    this.write('INFO', message, fields);
  }
  warn(message: string, fields?: LogContext): void {
    this.write('WARNING', message, fields);
  }
  error(message: string, fields?: LogContext): void {
    this.write('ERROR', message, fields);
  }
  child(context: LogContext): Logger {
    return new MemoryLogger(this.lines, { ...this.context, ...context });
  }
}
