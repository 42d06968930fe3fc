import { DateTime } from 'luxon';
import type { Clock } from '../ports.js';

export interface TranscriptLine {
  /** Scenario time (the ManualClock). */
  at: Date;
  /** Wall-clock milliseconds since the scenario started. */
  elapsedMs: number;
  /** Milliseconds the step's actions took (on step headings only). */
  stepMs?: number;
  kind: 'step' | 'line' | 'detail';
  text: string;
}

/**
 * The readable record of a run. Lines are written only from what the scenario read back (documents, captured provider
 * payloads, errors returned), never from what it meant to do.
 */
export class Transcript {
  readonly lines: TranscriptLine[] = [];
  private readonly started = performance.now();

  constructor(private readonly clock: Clock) {}

  get elapsedMs(): number {
    return performance.now() - this.started;
  }

  /** A step heading, placed before the step's own lines (`at`: the index the step started at). */
  step(text: string, stepMs: number, at: number = this.lines.length): void {
    this.push({ kind: 'step', text, stepMs });
    this.lines.splice(at, 0, ...this.lines.splice(this.lines.length - 1, 1));
  }
  line(text: string): void {
    this.push({ kind: 'line', text });
  }
  detail(text: string): void {
    this.push({ kind: 'detail', text });
  }

  private push(entry: Omit<TranscriptLine, 'at' | 'elapsedMs'>): void {
    this.lines.push({ ...entry, at: this.clock.now(), elapsedMs: this.elapsedMs });
  }

  toText(): string {
    return this.lines.map(format).join('\n');
  }
}

export function format(line: TranscriptLine): string {
  if (line.kind === 'step') {
    const when = DateTime.fromJSDate(line.at, { zone: 'UTC' }).toFormat("ccc d LLL HH:mm 'UTC'");
    return `\n━━ ${line.text}  ·  ${when}  ·  ${Math.round(line.stepMs ?? 0)} ms  (+${Math.round(line.elapsedMs)} ms)`;
  }
  return line.kind === 'line' ? `   ${line.text}` : `       ${line.text}`;
}

/** `Mon 03:00 America/New_York`: a moment on the recipient's own clock. */
export function localTime(at: Date, zone: string): string {
  return `${DateTime.fromJSDate(at, { zone }).toFormat('ccc HH:mm')} ${zone}`;
}
